// The supervisor view: agents' status and load, coupons waiting for approval, first-response alerts, tab badge.

import { $, clear, el, toast } from "../desk-common.js";
import { api, errorText } from "./api.js";
import { amount, dayTime, durationText } from "./format.js";
import { hooks } from "./hooks.js";
import { label, t } from "./language.js";
import { chime } from "./notify.js";
import { agentName, customerLabel } from "./people.js";
import { findItem, isSupervisor, state } from "./state.js";
import { loadHelp, loadRemedyApprovals, renderSupervisorTools } from "./service-tools.js";

export function loadApprovals() {
  if (!isSupervisor()) return;
  loadRemedyApprovals(); // #19
  loadHelp();
  api("GET", "/api/agent/approvals").then(
    function (res) {
      state.approvals = res.pending || [];
      renderSupervisor();
    },
    function () {
      /* retried on the next signal or poll */
    }
  );
}

export function onApprovalNeeded(frame) {
  if (!isSupervisor()) return;
  toast(t("approvalNeeded", { n: amount(frame.amount) }));
  chime();
  loadApprovals();
}

export function onSlaAlert(frame) {
  if (!isSupervisor()) return;
  state.slaAlerts = state.slaAlerts.filter(function (a) {
    return a.conversation_id !== frame.conversation_id;
  });
  state.slaAlerts.unshift({ conversation_id: frame.conversation_id, waited_seconds: frame.waited_seconds, at: Date.now() });
  var item = findItem(frame.conversation_id);
  toast(t("slaAlert", { name: item ? customerLabel(item) : "#" + String(frame.conversation_id).slice(0, 8), t: durationText(frame.waited_seconds) }), "error");
  if (state.view === "supervisor") state.alertsSeen = state.slaAlerts.length;
  renderSupervisor();
}

export function renderSupervisorBadge() {
  var n = state.approvals.length + Math.max(0, state.slaAlerts.length - state.alertsSeen);
  var badge = $("supervisor-badge");
  badge.hidden = !n || !isSupervisor();
  badge.textContent = String(n);
}

export function renderSupervisor() {
  renderSupervisorBadge();
  if (!isSupervisor()) return;
  renderSupervisorTools(); // #19
  // agents
  var body = $("agents-body");
  clear(body);
  var list = state.colleagues || [];
  var online = 0,
    chats = 0;
  list.forEach(function (a) {
    if (a.active && a.status === "online") online += 1;
    chats += a.active_chats;
    var pct = Math.min(100, Math.round((a.active_chats / Math.max(a.max_concurrent, 1)) * 100));
    body.appendChild(
      el("tr", { "data-testid": "agent-row", "data-username": a.username, "data-status": a.status, "data-active": String(!!a.active) }, [
        el("td", null, [
          el("div", { className: "agent-cell" }, [
            el("span", { className: "agent-avatar", "aria-hidden": "true", text: String(a.display_name || a.username).trim().charAt(0).toUpperCase() }),
            el("div", null, [
              el("div", { className: "agent-name", text: a.display_name + (state.me && a.id === state.me.id ? " (" + t("you") + ")" : "") }),
              el("div", { className: "muted small", text: a.username + " · " + label("role_", a.role) }),
            ]),
          ]),
        ]),
        el("td", null, [el("span", { className: "status-dot", "data-status": a.active ? a.status : "disabled", text: a.active ? label("status_", a.status) : t("disabled") })]),
        el("td", null, [
          el("div", { className: "load", title: a.active_chats + "/" + a.max_concurrent }, [
            el("div", { className: "load-bar", "data-level": pct >= 100 ? "full" : pct >= 67 ? "high" : "" }, [el("i", { style: "width:" + pct + "%" })]),
            el("span", { className: "load-text", "data-testid": "agent-load", text: a.active_chats + " / " + a.max_concurrent }),
          ]),
        ]),
        el("td", { text: (a.languages || []).map(function (l) { return l === "en" ? "EN" : "中"; }).join(" · ") }),
        el("td", { text: (a.skills || []).join(", ") || "—" }),
        el("td", { text: a.team || "—" }),
      ])
    );
  });
  $("sv-agents-summary").textContent = t("svAgentsSummary", { online: online, chats: chats });

  // approvals
  var ul = $("approvals");
  clear(ul);
  $("approvals-count").textContent = String(state.approvals.length);
  $("approvals-empty").hidden = state.approvals.length > 0;
  state.approvals.forEach(function (r) {
    var item = findItem(r.conversation_id);
    var customer = item ? customerLabel(item) : state.names[r.customer_id] || r.customer_id;
    var approveBtn = el("button", { type: "button", className: "btn btn-primary btn-sm", "data-testid": "approval-approve", text: t("approve") });
    var rejectBtn = el("button", { type: "button", className: "btn btn-secondary btn-sm", "data-testid": "approval-reject", text: t("reject") });
    var decide = function (approve) {
      approveBtn.disabled = rejectBtn.disabled = true;
      api("POST", "/api/agent/approvals/" + encodeURIComponent(r.request_id), { approve: approve })
        .then(function () {
          toast(approve ? t("approved") : t("rejected"));
        })
        .catch(function (err) {
          toast(errorText(err), "error");
        })
        .then(loadApprovals);
    };
    approveBtn.addEventListener("click", function () {
      decide(true);
    });
    rejectBtn.addEventListener("click", function () {
      decide(false);
    });
    ul.appendChild(
      el("li", { className: "sv-item", "data-testid": "approval", "data-request-id": String(r.request_id), "data-conversation-id": r.conversation_id }, [
        el("div", { className: "sv-item-main" }, [
          el("div", { className: "sv-item-top" }, [
            el("b", { className: "sv-amount", text: "¥" + amount(r.amount) }),
            el("span", { className: "muted small", text: "#" + r.request_id + " · " + dayTime(r.created_at) }),
          ]),
          el("div", { className: "sv-reason", text: r.reason || "—" }),
          el("div", { className: "muted small" }, [
            t("requestedBy", { name: agentName(r.requested_by) }) + " · " + t("forCustomer", { c: customer }) + " · ",
            el("button", {
              type: "button",
              className: "btn-link",
              text: t("openChat"),
              on: {
                click: function () {
                  hooks.select(r.conversation_id);
                },
              },
            }),
          ]),
        ]),
        el("div", { className: "sv-item-actions" }, [approveBtn, rejectBtn]),
      ])
    );
  });

  // first-response alerts
  var alerts = $("sla-alerts");
  clear(alerts);
  $("alerts-count").textContent = String(state.slaAlerts.length);
  $("alerts-empty").hidden = state.slaAlerts.length > 0;
  state.slaAlerts.forEach(function (a) {
    var item = findItem(a.conversation_id);
    alerts.appendChild(
      el("li", { className: "sv-item", "data-testid": "sla-alert", "data-conversation-id": a.conversation_id }, [
        el("div", { className: "sv-item-main" }, [
          el("div", { className: "sv-item-top" }, [
            el("b", { text: item ? customerLabel(item) : "#" + String(a.conversation_id).slice(0, 8) }),
            item ? el("span", { className: "pill", "data-state": item.state, text: label("state_", item.state) }) : null,
          ]),
          el("div", { className: "muted small", text: t("waitedFor", { t: durationText(a.waited_seconds) }) + (item && item.assigned_agent_name ? " · " + t("handledBy", { name: item.assigned_agent_name }) : "") }),
        ]),
        el("div", { className: "sv-item-actions" }, [
          el("button", {
            type: "button",
            className: "btn btn-secondary btn-sm",
            text: t("openChat"),
            on: {
              click: function () {
                hooks.select(a.conversation_id);
              },
            },
          }),
        ]),
      ])
    );
  });
}
