// #19 in the console: remedies beyond coupons (with a supervisor's approval above my limit), asking a senior for help, whispers (private notes the shopper
// never sees), taking a chat over, and the supervisor's lists of both with their timers.

import { $, clear, el, toast } from "../desk-common.js";
import { api, chatPath, errorText } from "./api.js";
import { amount, dayTime, durationText } from "./format.js";
import { hooks } from "./hooks.js";
import { label, t } from "./language.js";
import { chime } from "./notify.js";
import { isMine, isSupervisor, state } from "./state.js";

export const REMEDY_KINDS = ["reship", "refund", "return_shipping_waiver", "express_upgrade", "gift"];

const tools = {
  authority: null, // {coupon: n, reship: n, …} mine, null = no limit
  remedyApprovals: [],
  help: [],
  helpTarget: 180,
  notes: [],
  notesFor: null,
  waitingRemedy: null, // {requestId, conversationId}
  timer: null,
};

// ---------------------------------------------------------------- remedies

/** The card under an agent message for a remedy, or null. */
export function remedyCardText(card) {
  if (!card || card.type !== "remedy") return null;
  var money = Number(card.amount) > 0 ? " · ¥" + amount(card.amount) : "";
  return t("remedyCard", { kind: label("remedy_", card.kind), order: card.order_id || "", amount: money });
}

function loadAuthority() {
  api("GET", "/api/agent/authority").then(
    function (res) {
      tools.authority = res.mine || {};
      renderRemedyLimit();
    },
    function () {}
  );
}

function renderRemedyLimit() {
  var node = $("remedy-limit");
  if (!node || !tools.authority) return;
  var limit = tools.authority[$("remedy-kind").value];
  node.textContent = limit === null || limit === undefined ? t("remedyNoLimit") : t("remedyLimit", { n: amount(limit) });
}

function showRemedyResult(status, text) {
  var node = $("remedy-result");
  node.hidden = false;
  node.setAttribute("data-status", status);
  node.textContent = text;
}

/** Fills the remedy form's order list from the open chat's customer. */
export function renderRemedyPanel() {
  var select = $("remedy-order");
  if (!select) return;
  var chosen = select.value;
  clear(select);
  var orders = state.detail && state.detail.customer && Array.isArray(state.detail.customer.orders) ? state.detail.customer.orders : [];
  orders.forEach(function (o) {
    select.appendChild(el("option", { value: o.order_id, text: o.order_id + " · " + label("order_", o.status) + " · ¥" + amount(o.total) }));
  });
  if (chosen) select.value = chosen;
  $("remedy-submit").disabled = !orders.length;
  var kind = $("remedy-kind");
  if (!kind.options.length) {
    REMEDY_KINDS.forEach(function (k) {
      kind.appendChild(el("option", { value: k, "data-kind": k, text: label("remedy_", k) }));
    });
  } else {
    for (var i = 0; i < kind.options.length; i++) kind.options[i].textContent = label("remedy_", kind.options[i].value);
  }
  renderRemedyLimit();
}

function submitRemedy(e) {
  e.preventDefault();
  var id = state.selectedId;
  var value = Number($("remedy-amount").value || 0);
  if (!(value >= 0 && value <= 100000)) return $("remedy-amount").focus();
  var btn = $("remedy-submit");
  btn.disabled = true;
  api("POST", chatPath(id, "/remedy"), {
    order_id: $("remedy-order").value,
    kind: $("remedy-kind").value,
    amount: value,
    reason: $("remedy-reason").value.trim(),
  })
    .then(function (res) {
      if (res.status === "done") {
        showRemedyResult("done", t("remedyDone", { id: (res.remedy && res.remedy.remedy_id) || "" }));
        toast(t("remedyDone", { id: (res.remedy && res.remedy.remedy_id) || "" }));
      } else {
        tools.waitingRemedy = { requestId: res.request_id, conversationId: id };
        showRemedyResult("pending", t("remedyPending", { id: res.request_id }));
      }
    })
    .catch(function (err) {
      showRemedyResult("error", errorText(err));
    })
    .then(function () {
      btn.disabled = false;
    });
}

/** A supervisor decided one of the remedies waiting (frame remedy_decided). */
export function onRemedyDecided(frame) {
  if (isSupervisor()) loadRemedyApprovals();
  if (!state.me || frame.agent_id !== state.me.id) return;
  var waiting = tools.waitingRemedy;
  var text = frame.status === "done" ? t("remedyApproved") : t("remedyRejected", { id: frame.remedy_request_id });
  toast(text, frame.status === "done" ? "info" : "error");
  if (waiting && waiting.requestId === frame.remedy_request_id && state.selectedId === waiting.conversationId) {
    showRemedyResult(frame.status === "done" ? "done" : "rejected", text);
    tools.waitingRemedy = null;
  }
}

export function loadRemedyApprovals() {
  if (!isSupervisor()) return;
  api("GET", "/api/agent/remedy-approvals").then(
    function (res) {
      tools.remedyApprovals = res.pending || [];
      renderSupervisorTools();
    },
    function () {}
  );
}

export function onRemedyApprovalNeeded(frame) {
  if (!isSupervisor()) return;
  toast(t("remedyApprovalNeeded", { kind: label("remedy_", frame.kind), n: amount(frame.amount) }));
  chime();
  loadRemedyApprovals();
}

// ---------------------------------------------------------------- senior help and whispers

function askForHelp(e) {
  e.preventDefault();
  var btn = $("help-submit");
  btn.disabled = true;
  api("POST", chatPath(state.selectedId, "/help"), { note: $("help-note").value.trim() })
    .then(function (res) {
      var node = $("help-result");
      node.hidden = false;
      node.setAttribute("data-status", "asked");
      node.textContent = t("helpAsked", { m: Math.round((res.target_seconds || 180) / 60) });
      $("help-note").value = "";
    })
    .catch(function (err) {
      var node = $("help-result");
      node.hidden = false;
      node.setAttribute("data-status", "error");
      node.textContent = errorText(err);
    })
    .then(function () {
      btn.disabled = false;
    });
}

export function loadHelp() {
  if (!isSupervisor()) return;
  api("GET", "/api/agent/help-requests").then(
    function (res) {
      tools.help = res.requests || [];
      tools.helpTarget = res.target_seconds || 180;
      renderSupervisorTools();
    },
    function () {}
  );
}

export function onHelpFrame(frame) {
  if (!isSupervisor()) return;
  if (frame.type === "help_requested") {
    toast(t("helpRequested", { name: frame.requested_by_name || "" }));
    chime();
  } else if (frame.type === "help_overdue") {
    toast(t("helpOverdueAlert", { m: Math.round(tools.helpTarget / 60) }), "error");
  }
  loadHelp();
}

function canWhisper() {
  var d = state.detail;
  return !!(d && (isSupervisor() || (isMine(d) && d.state === "agent")));
}

function renderWhispers() {
  var card = $("whisper-card");
  if (!card) return;
  card.hidden = !canWhisper();
  if (card.hidden) return;
  $("whisper-input").setAttribute("placeholder", t("whisperPlaceholder"));
  var list = $("whispers");
  clear(list);
  tools.notes.forEach(function (n) {
    list.appendChild(
      el("li", { className: "whisper", "data-testid": "whisper", "data-note-id": String(n.id) }, [
        el("div", { className: "muted small", text: n.by + " · " + dayTime(n.created_at) }),
        el("div", { className: "whisper-text", text: n.text }),
      ])
    );
  });
  $("whispers-empty").hidden = tools.notes.length > 0;
}

function loadWhispers() {
  var id = state.selectedId;
  if (!id || !canWhisper()) {
    tools.notes = [];
    tools.notesFor = id;
    return renderWhispers();
  }
  api("GET", chatPath(id, "/whispers")).then(
    function (res) {
      if (state.selectedId !== id) return;
      tools.notes = res.notes || [];
      tools.notesFor = id;
      renderWhispers();
    },
    function () {}
  );
}

export function onWhisper(frame) {
  if (frame.conversation_id !== state.selectedId) return;
  if (tools.notes.some(function (n) { return n.id === frame.id; })) return;
  tools.notes.push(frame);
  renderWhispers();
}

function sendWhisper() {
  var box = $("whisper-input");
  var text = box.value.trim();
  if (!text || !state.selectedId) return;
  var btn = $("whisper-send");
  btn.disabled = true;
  api("POST", chatPath(state.selectedId, "/whispers"), { text: text })
    .then(function (note) {
      box.value = "";
      onWhisper(note);
    })
    .catch(function (err) {
      toast(errorText(err), "error");
    })
    .then(function () {
      btn.disabled = false;
    });
}

function takeOver(conversationId) {
  return api("POST", chatPath(conversationId, "/take-over")).then(
    function () {
      toast(t("takenOver"));
      loadHelp();
      hooks.select(conversationId);
    },
    function (err) {
      toast(errorText(err), "error");
    }
  );
}

/** The parts of the open chat #19 adds: the take-over button, the whisper card. */
export function renderChatTools() {
  var d = state.detail;
  var btn = $("take-over");
  if (btn) btn.hidden = !(d && isSupervisor() && d.state === "agent" && !isMine(d));
  if (d && tools.notesFor !== d.conversation_id) loadWhispers();
  else renderWhispers();
}

// ---------------------------------------------------------------- the supervisor's lists

function helpAge(r) {
  var created = Date.parse(r.created_at);
  var end = r.answered_at ? Date.parse(r.answered_at) : Date.now();
  return Math.max(0, Math.round((end - created) / 1000));
}

function renderHelpTimers() {
  var rows = document.querySelectorAll('[data-testid="help-request"]');
  for (var i = 0; i < rows.length; i++) {
    var r = tools.help[Number(rows[i].getAttribute("data-index"))];
    if (!r) continue;
    var age = helpAge(r);
    var overdue = !r.answered_at && age > tools.helpTarget;
    var timer = rows[i].querySelector('[data-testid="help-timer"]');
    timer.textContent = r.answered_at ? t("helpJoinedBy", { name: r.helper_name || "" }) : t(overdue ? "helpOverdue" : "helpWaiting", { t: durationText(age) });
    timer.setAttribute("data-overdue", String(overdue));
    rows[i].setAttribute("data-overdue", String(overdue));
  }
}

export function renderSupervisorTools() {
  var ul = $("remedy-approvals");
  if (!ul || !isSupervisor()) return;
  clear(ul);
  $("remedy-approvals-count").textContent = String(tools.remedyApprovals.length);
  $("remedy-approvals-empty").hidden = tools.remedyApprovals.length > 0;
  tools.remedyApprovals.forEach(function (r) {
    var approve = el("button", { type: "button", className: "btn btn-primary btn-sm", "data-testid": "remedy-approve", text: t("approve") });
    var reject = el("button", { type: "button", className: "btn btn-secondary btn-sm", "data-testid": "remedy-reject", text: t("reject") });
    var decide = function (yes) {
      approve.disabled = reject.disabled = true;
      api("POST", "/api/agent/remedy-approvals/" + encodeURIComponent(r.request_id), { approve: yes })
        .then(function () {
          toast(yes ? t("approved") : t("rejected"));
        })
        .catch(function (err) {
          toast(errorText(err), "error");
        })
        .then(loadRemedyApprovals);
    };
    approve.addEventListener("click", function () {
      decide(true);
    });
    reject.addEventListener("click", function () {
      decide(false);
    });
    ul.appendChild(
      el("li", { className: "sv-item", "data-testid": "remedy-approval", "data-request-id": String(r.request_id), "data-conversation-id": r.conversation_id, "data-kind": r.kind }, [
        el("div", { className: "sv-item-main" }, [
          el("div", { className: "sv-item-top" }, [
            el("b", { className: "sv-amount", text: label("remedy_", r.kind) + " ¥" + amount(r.amount) }),
            el("span", { className: "muted small", text: "#" + r.request_id + " · " + dayTime(r.created_at) }),
          ]),
          el("div", { className: "sv-reason", text: (r.reason || "—") + " · " + r.order_id }),
          el("div", { className: "muted small", text: t("requestedBy", { name: r.requested_by_name || "" }) }),
        ]),
        el("div", { className: "sv-item-actions" }, [approve, reject]),
      ])
    );
  });

  var help = $("help-requests");
  clear(help);
  $("help-count").textContent = String(tools.help.length);
  $("help-empty").hidden = tools.help.length > 0;
  tools.help.forEach(function (r, index) {
    help.appendChild(
      el("li", { className: "sv-item", "data-testid": "help-request", "data-index": String(index), "data-conversation-id": r.conversation_id, "data-status": r.status }, [
        el("div", { className: "sv-item-main" }, [
          el("div", { className: "sv-item-top" }, [
            el("b", { text: t("helpRequested", { name: r.requested_by_name || "" }) }),
            el("span", { className: "help-timer", "data-testid": "help-timer" }),
          ]),
          el("div", { className: "sv-reason", text: r.note || "—" }),
        ]),
        el("div", { className: "sv-item-actions" }, [
          el("button", {
            type: "button",
            className: "btn btn-primary btn-sm",
            "data-testid": "help-join",
            text: t("helpJoin"),
            on: {
              click: function () {
                api("POST", "/api/agent/help-requests/" + r.request_id + "/join").then(loadHelp, function () {});
                hooks.select(r.conversation_id);
              },
            },
          }),
          el("button", {
            type: "button",
            className: "btn btn-secondary btn-sm",
            "data-testid": "help-take-over",
            text: t("helpTakeOver"),
            on: {
              click: function () {
                takeOver(r.conversation_id);
              },
            },
          }),
        ]),
      ])
    );
  });
  renderHelpTimers();
  var badge = $("supervisor-badge");
  var extra = tools.remedyApprovals.length + tools.help.filter(function (r) { return r.status === "open"; }).length;
  if (extra) {
    badge.hidden = false;
    badge.textContent = String(state.approvals.length + extra);
  }
}

// ---------------------------------------------------------------- wiring

export function bindServiceTools() {
  $("remedy-form").addEventListener("submit", submitRemedy);
  $("remedy-kind").addEventListener("change", renderRemedyLimit);
  $("help-form").addEventListener("submit", askForHelp);
  $("whisper-send").addEventListener("click", sendWhisper);
  $("whisper-input").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      sendWhisper();
    }
  });
  $("take-over").addEventListener("click", function () {
    if (state.selectedId) takeOver(state.selectedId);
  });
}

/** After logging in: my authority, and for supervisors the lists and their ticking timers. */
export function startServiceTools() {
  loadAuthority();
  clearInterval(tools.timer);
  if (isSupervisor()) {
    loadRemedyApprovals();
    loadHelp();
    tools.timer = setInterval(renderHelpTimers, 1000);
  }
}

export function relabelServiceTools() {
  renderRemedyPanel();
  renderSupervisorTools();
  renderWhispers();
}
