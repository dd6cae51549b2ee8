// The open chat's transcript: a row per event (messages, cards, notices, ratings) in seq order, my pending replies last.

import { $, el } from "../desk-common.js";
import { amount, hhmm } from "./format.js";
import { label, lang, t } from "./language.js";
import { photoNode } from "./photos.js";
import { remedyCardText } from "./service-tools.js";
import { isMine, state } from "./state.js";
import { scheduleSuggestions } from "./suggestions.js";

export function scrollTranscript(force) {
  var tr = $("transcript");
  if (force || tr.scrollHeight - tr.scrollTop - tr.clientHeight < 120) tr.scrollTop = tr.scrollHeight;
}

function senderLabel(ev) {
  if (ev.sender === "shopper") return (state.detail && state.detail.customer && state.detail.customer.name) || t("shopper");
  if (ev.sender === "bot") return t("bot");
  if (ev.sender === "agent") {
    var name = ev.payload && ev.payload.agent_name;
    if (state.me && name && name === state.me.display_name) return t("you") + " · " + name;
    return name || t("agent");
  }
  return "";
}

function cardRow(card) {
  if (!card || typeof card !== "object") return null;
  var text;
  if (card.type === "coupon") {
    text = t("couponCard", { n: amount(card.amount), title: lang === "en" ? card.title_en || card.title_zh : card.title_zh || card.title_en, code: card.code, d: card.valid_until });
  } else if (card.type === "return") {
    text = t("returnCard", { kind: label("kind_", card.kind), id: card.return_id, order: card.order_id });
  } else if (card.type === "remedy") {
    text = remedyCardText(card);
  } else if (card.type === "promise") {
    text = t("promiseMade", { due: card.due_local || "" });
  } else return null;
  return el("div", { className: "msg-card", "data-testid": "transcript-card", "data-card-type": card.type }, [
    el("b", { text: label("card_", card.type) }),
    el("span", { text: text }),
  ]);
}

/** What the shopper clicked, for a message that is a button's payload (a proactive message's choice). */
function buttonTitle(ev) {
  if (ev.sender !== "shopper" || !ev.text || ev.text.charAt(0) !== "/" || !state.detail) return null;
  var events = state.detail.events || [];
  for (var i = events.length - 1; i >= 0; i--) {
    var buttons = (events[i].payload && events[i].payload.buttons) || [];
    for (var j = 0; j < buttons.length; j++) if (buttons[j] && buttons[j].payload === ev.text) return "▸ " + String(buttons[j].title || ev.text);
  }
  return null;
}

/** The row of an event (also of my reply while it is pending). */
export function transcriptRow(ev) {
  var payload = ev.payload && typeof ev.payload === "object" ? ev.payload : {};
  if (ev.kind === "csat") {
    var score = Number(payload.score) || 0;
    var stars = "★★★★★".slice(0, score) + "☆☆☆☆☆".slice(0, 5 - score);
    return el("div", {
      className: "notice notice-csat",
      "data-testid": "transcript-notice",
      "data-kind": "csat",
      "data-score": String(score),
      "data-seq": String(ev.seq),
      text: t("csatAnswer", { n: score }) + " " + stars + (ev.text ? "\n“" + ev.text + "”" : ""),
    });
  }
  if (ev.kind === "nps") {
    return el("div", {
      className: "notice notice-csat", "data-testid": "transcript-notice", "data-kind": "nps", "data-score": String(payload.score),
      "data-seq": String(ev.seq), text: t("npsAnswer", { n: payload.score }) + (ev.text ? "\n“" + ev.text + "”" : ""),
    });
  }
  if (ev.kind === "csat_request") {
    return el("div", { className: "notice", "data-testid": "transcript-notice", "data-kind": "csat_request", "data-seq": String(ev.seq), text: t("csatRequested") });
  }
  if (ev.kind === "state" || ev.sender === "system") {
    return el("div", { className: "notice", "data-testid": "transcript-notice", "data-seq": String(ev.seq), "data-state": payload.state || null, text: ev.text || "" });
  }
  var row = el("div", {
    className: "msg",
    "data-testid": "transcript-message",
    "data-sender": ev.sender,
    "data-seq": ev.seq ? String(ev.seq) : null,
    "data-client-id": ev.client_id || null,
  });
  var who = [el("span", { className: "msg-name", text: senderLabel(ev) })];
  if (payload.proactive) who.push(el("span", { className: "pill", "data-testid": "transcript-proactive", text: t("pvTag") }));
  row.appendChild(el("div", { className: "msg-who" }, who));
  if (ev.text || !payload.attachment) row.appendChild(el("div", { className: "bubble", text: buttonTitle(ev) || ev.text || "" }));
  var photo = payload.attachment ? photoNode(ev.conversation_id || state.selectedId, payload.attachment) : null;
  if (photo) row.appendChild(photo);
  var card = cardRow(payload.card);
  if (card) row.appendChild(card);
  if (Array.isArray(payload.buttons) && payload.buttons.length) {
    row.appendChild(
      el(
        "div",
        { className: "msg-buttons" },
        payload.buttons.map(function (b) {
          return el("span", { text: String((b && (b.title || b.payload)) || "") });
        })
      )
    );
  }
  row.appendChild(el("div", { className: "msg-time", text: hhmm(ev.created_at) }));
  return row;
}

function insertBySeq(container, node, seq) {
  var kids = container.children;
  for (var i = kids.length - 1; i >= 0; i--) {
    var s = Number(kids[i].getAttribute("data-seq"));
    if (s && s < seq) {
      container.insertBefore(node, kids[i].nextSibling);
      return;
    }
  }
  container.insertBefore(node, container.firstChild);
}

/** Shows an event once (by seq), in place of my pending reply it confirms; false if it was already shown. */
export function addTranscriptEvent(ev) {
  if (!ev || typeof ev.seq !== "number" || state.seenSeq[ev.seq]) return false;
  state.seenSeq[ev.seq] = true;
  var tr = $("transcript");
  var stick = tr.scrollHeight - tr.scrollTop - tr.clientHeight < 120;
  var pending = ev.client_id && state.pendingReplies[ev.client_id];
  if (pending) {
    delete state.pendingReplies[ev.client_id];
    pending.row.parentNode && pending.row.parentNode.removeChild(pending.row);
  }
  // a new question from the shopper: new suggestions (whichever way the event came in)
  if (ev.sender === "shopper" && ev.kind === "message" && ev.seq > state.latestShopperSeq) {
    state.latestShopperSeq = ev.seq;
    if (state.detail && isMine(state.detail) && state.detail.state === "agent") scheduleSuggestions();
  }
  var row = transcriptRow(ev);
  var pendingRows = tr.querySelectorAll('[data-status="pending"], [data-status="failed"]');
  var lastSeqNode = null;
  var kids = tr.children;
  for (var i = kids.length - 1; i >= 0; i--) {
    if (kids[i].getAttribute("data-seq")) {
      lastSeqNode = kids[i];
      break;
    }
  }
  if (!lastSeqNode || Number(lastSeqNode.getAttribute("data-seq")) < ev.seq) {
    // newest confirmed event: after the confirmed ones, before any pending reply
    tr.insertBefore(row, pendingRows.length ? pendingRows[0] : null);
  } else {
    insertBySeq(tr, row, ev.seq);
  }
  if (stick || ev.sender === "agent") scrollTranscript(true);
  return true;
}
