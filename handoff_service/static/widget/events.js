// Events in from the service (socket, long-poll, history, replies to our posts), once each by seq; state, queue.

import { nearBottom, scrollToBottom, ui } from "./layout.js";
import { placeRow, renderEvent, renderShopperMeta } from "./messages.js";
import { state } from "./state.js";
import { renderStatus, renderUnread, updateBotButtons, updateQuickChips } from "./status.js";
import { saveSession } from "./storage.js";
import { formatTime } from "./time.js";
import { hideTyping } from "./typing.js";

/** Shows an event once (by seq); live = it just happened (counts as unread, may scroll), not history. */
export function addEvent(ev, live) {
  if (!ev || typeof ev.seq !== "number") return;
  if (state.session && ev.conversation_id && ev.conversation_id !== state.session.conversation_id) return;
  if (state.seen[ev.seq]) return;
  state.seen[ev.seq] = true;
  if (ev.seq > state.lastSeq) {
    state.lastSeq = ev.seq;
    saveSession();
  }
  var stick = nearBottom();
  if (ev.kind === "state") applyStateEvent(ev);
  else if (ev.sender === "agent" && ev.payload && ev.payload.agent_name && state.conv.state === "agent" && !state.conv.agentName) {
    // the header names the chat's owner (from the state events); a message signed by someone
    // else (a supervisor approving a coupon) does not change who is answering
    state.conv.agentName = ev.payload.agent_name;
    renderStatus();
  }
  // our own message coming back: confirm the bubble we already show
  if (ev.sender === "shopper" && ev.client_id && state.pending[ev.client_id]) {
    var item = state.pending[ev.client_id];
    delete state.pending[ev.client_id];
    var row = item.el;
    row.setAttribute("data-status", "sent");
    row.setAttribute("data-seq", String(ev.seq));
    row.setAttribute("data-time", formatTime(ev.created_at));
    renderShopperMeta(row);
    if (row.parentNode) row.parentNode.removeChild(row);
    placeRow(row, ev.seq);
  } else {
    var node = renderEvent(ev);
    if (node) placeRow(node, ev.seq);
  }
  if (ev.sender !== "shopper") {
    if (ev.seq > state.lastOtherSeq) state.lastOtherSeq = ev.seq;
    if (ev.kind === "message") hideTyping(ev.sender === "agent" ? "agent" : "bot");
    if (live && !state.loadingHistory && (!state.isOpen || document.hidden) && ev.kind === "message") {
      state.unread += 1;
      renderUnread();
    }
  }
  if (ev.sender === "shopper" && typeof ev.text === "string" && ev.text.charAt(0) === "/") markChosen(ev.text);
  updateQuickChips();
  if (node || row) updateBotButtons();
  if (ui.typing.parentNode === ui.messages && !ui.typing.hidden && ui.typing.nextSibling) ui.messages.appendChild(ui.typing);
  var prompt = live && (ev.kind === "csat_request" || (ev.kind === "state" && ev.payload && ev.payload.state === "callback"));
  if (stick || prompt || ev.sender === "shopper") scrollToBottom();
}

function applyStateEvent(ev) {
  var conv = state.conv;
  var p = ev.payload || {};
  if (p.state === "queued") {
    conv.state = "queued";
    conv.position = typeof p.position === "number" ? p.position : null;
    conv.waitSeconds = typeof p.wait_seconds === "number" ? p.wait_seconds : null;
  } else if (p.state === "agent") {
    conv.state = "agent";
    conv.position = null;
    conv.agentName = p.agent_name || conv.agentName;
  } else if (p.state === "bot") {
    conv.state = "bot";
    conv.agentName = null;
    conv.position = null;
  } else if (p.state === "callback") {
    conv.state = "callback";
    conv.position = null;
    conv.callbackDue = p.callback_due || conv.callbackDue;
    conv.contactSaved = !!p.contact_saved;
  } else if (p.state) {
    conv.state = p.state;
  }
  if (conv.state !== "agent") hideTyping("agent");
  if (conv.state !== "bot") hideTyping("bot");
  renderStatus();
}

// a "queue" frame (WebSocket) or the "queue" field of a long-poll answer
export function applyQueue(q) {
  var conv = state.conv;
  if (q && typeof q === "object" && typeof q.position === "number") {
    conv.position = q.position;
    conv.waitSeconds = typeof q.wait_seconds === "number" ? q.wait_seconds : null;
  } else {
    conv.position = null;
    conv.waitSeconds = null;
  }
  if (conv.state === "queued") renderStatus();
}

/** The chat's state as the service reports it with a batch of events (long-poll, history). */
export function syncState(next) {
  var conv = state.conv;
  if (!next || next === conv.state) return;
  conv.state = next;
  if (next !== "agent") conv.agentName = null;
  if (next !== "queued") conv.position = conv.waitSeconds = null;
  renderStatus();
}

/** A button already clicked (seen again in the history after a reload) stays used: a proactive
 * message's choice is made once. */
function markChosen(payload) {
  var buttons = ui.messages.querySelectorAll('[data-testid="kefu-button"]');
  for (var i = 0; i < buttons.length; i++) {
    if (buttons[i].getAttribute("data-payload") === payload) buttons[i].parentNode.setAttribute("data-used", "true");
  }
}
