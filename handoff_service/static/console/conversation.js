// The open chat: choosing it, reading it (one request at a time), drawing it, and the events that arrive for it.

import { $, clear, toast } from "../desk-common.js";
import { api, chatPath } from "./api.js";
import { loadAudit } from "./audit.js";
import { renderCustomer } from "./customer.js";
import { renderEscalation } from "./escalation.js";
import { label, t } from "./language.js";
import { updateTitle } from "./notify.js";
import { closePanel, renderPanels } from "./panels.js";
import { renderQueue } from "./queue.js";
import { isMine, isSupervisor, state } from "./state.js";
import { renderChatTools } from "./service-tools.js";
import { renderSuggestions, scheduleSuggestions } from "./suggestions.js";
import { addTranscriptEvent, scrollTranscript } from "./transcript.js";
import { hideShopperTyping, stopMyTyping } from "./typing.js";
import { showView } from "./views.js";

let refreshTimer = null;
let refreshing = null; // the chat being read

/** Opens a chat in the right-hand pane (from the queue, a past chat, an alert…). */
export function select(id) {
  if (state.selectedId !== id) {
    stopMyTyping();
    state.selectedId = id;
    state.detail = null;
    state.seenSeq = Object.create(null);
    state.latestShopperSeq = 0;
    state.pendingReplies = Object.create(null);
    state.suggestions = null;
    clear($("transcript"));
    clear($("suggestion-list"));
    $("suggestions-for").textContent = "";
    hideShopperTyping();
    closePanel();
    clear($("audit-body"));
    $("audit-card").hidden = true;
  }
  delete state.unseenNew[id];
  delete state.unseenAssigned[id];
  delete state.unreadMine[id];
  updateTitle();
  renderQueue();
  if (state.view !== "desk") showView("desk");
  $("no-selection").hidden = true;
  $("conv").hidden = false;
  refreshDetail();
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refreshDetail, 250);
}

/** Re-reads the open chat (one request at a time; asks again afterwards). */
export function refreshDetail() {
  var id = state.selectedId;
  if (!id || !state.token) return;
  if (refreshing === id) {
    scheduleRefresh(); // one at a time; ask again afterwards
    return;
  }
  refreshing = id;
  api("GET", chatPath(id))
    .then(function (res) {
      if (state.selectedId === id) setDetail(res);
    })
    .catch(function (err) {
      if (err.status && err.status !== 401) toast(err.message, "error");
    })
    .then(function () {
      if (refreshing === id) refreshing = null;
    });
}

/** The open chat as the service returned it (after a read, a claim or a transfer). */
export function setDetail(res) {
  var first = !state.detail || state.detail.conversation_id !== res.conversation_id;
  var wasMine = state.detail && isMine(state.detail) && state.detail.state === "agent";
  state.detail = res;
  if (res.customer && res.customer.name && res.customer_id) state.names[res.customer_id] = res.customer.name;
  renderDetail(first);
  var mineNow = isMine(state.detail) && state.detail.state === "agent";
  if (mineNow && (first || !wasMine || !state.suggestions)) scheduleSuggestions();
  if (!mineNow && !$("action-panel").hidden) closePanel();
  if (isSupervisor()) loadAudit();
}

/** Draws the open chat; full = from scratch (another chat, or the language changed). */
export function renderDetail(full) {
  if (!state.detail) return;
  var d = state.detail;
  var mine = isMine(d);
  var who = (d.customer && d.customer.name) || d.customer_id || t("guest");
  $("conv-name").textContent = who;
  var stateKey = d.state === "agent" && mine ? "mine" : d.state;
  var st = $("conv-state");
  st.setAttribute("data-state", stateKey);
  st.textContent = label("state_", stateKey);
  var pr = $("conv-priority");
  pr.setAttribute("data-priority", d.priority || "routine");
  pr.textContent = label("prio_", d.priority || "routine");
  pr.setAttribute("title", t("priority"));
  $("conv-lang").textContent = d.lang === "en" ? t("langEn") : t("langZh");
  var owner = $("conv-owner");
  owner.textContent = d.state === "agent" && !mine && d.assigned_agent_name ? t("handledBy", { name: d.assigned_agent_name }) : d.state === "callback" && d.callback_contact ? t("callbackContact", { c: d.callback_contact }) : "";
  owner.hidden = !owner.textContent;
  $("conv-id").textContent = "#" + String(d.conversation_id).slice(0, 8);
  $("conv-id").setAttribute("title", d.conversation_id);

  var myChat = d.state === "agent" && mine;
  $("claim").hidden = !(d.state === "queued" || d.state === "callback");
  $("action-bar").hidden = !myChat;
  $("handback-group").hidden = !myChat;
  var noCustomer = !d.customer_id;
  $("action-coupon").disabled = noCustomer;
  $("action-return").disabled = noCustomer;
  $("composer").hidden = !myChat;
  var note = $("composer-note");
  var noteKey =
    d.state === "queued" ? "noteQueued" : d.state === "callback" ? "noteCallback" : d.state === "agent" && !mine ? "noteOther" : d.state === "bot" ? "noteBot" : d.state === "agent" ? null : "noteClosed";
  note.hidden = !noteKey;
  note.textContent = noteKey ? t(noteKey) : "";
  if (!myChat) hideShopperTyping();

  if (full) {
    clear($("transcript"));
    state.seenSeq = Object.create(null);
  }
  (d.events || []).forEach(function (ev) {
    addTranscriptEvent(ev);
  });
  if (full) scrollTranscript(true);
  renderEscalation();
  renderCustomer();
  renderSuggestions();
  renderPanels();
  renderChatTools();
  renderQueue();
}

/** An event from the agent socket: into the open chat's transcript, or an unread badge on its queue item. */
export function onAgentEvent(ev) {
  if (ev.conversation_id === state.selectedId && state.detail) {
    var added = addTranscriptEvent(ev);
    if (ev.kind === "state") scheduleRefresh();
    else if (added && state.detail.events) state.detail.events.push(ev);
    if (added && ev.sender === "shopper" && ev.kind === "message") hideShopperTyping();
  } else if (ev.sender === "shopper" && ev.kind === "message") {
    state.unreadMine[ev.conversation_id] = true;
    renderQueue();
  }
}

/** The queue changed: re-read the open chat if it moved (my chats get their events over the socket, others are re-read). */
export function followQueue(present) {
  if (state.selectedId && state.detail) {
    var it = present[state.selectedId];
    var open = state.detail.state === "queued" || state.detail.state === "agent" || state.detail.state === "callback";
    var changed = !it ? open : it.state !== state.detail.state || it.assigned_agent_id !== state.detail.assigned_agent_id;
    if (changed || (open && !isMine(state.detail))) scheduleRefresh();
  }
}
