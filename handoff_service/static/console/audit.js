// The open chat's audit log (supervisors): who claimed, transferred, gave a coupon… and when.

import { $, clear, el } from "../desk-common.js";
import { api } from "./api.js";
import { amount, dayTime } from "./format.js";
import { label, t } from "./language.js";
import { agentName } from "./people.js";
import { isSupervisor, state } from "./state.js";

let auditFor = null;

export function loadAudit() {
  var id = state.selectedId;
  if (!id || !isSupervisor()) return;
  auditFor = id;
  api("GET", "/api/agent/audit?conversation_id=" + encodeURIComponent(id)).then(
    function (res) {
      if (state.selectedId !== id || auditFor !== id) return;
      renderAudit(res.entries || []);
    },
    function () {
      $("audit-card").hidden = true;
    }
  );
}

function renderAudit(entries) {
  var body = $("audit-body");
  clear(body);
  $("audit-card").hidden = false;
  if (!entries.length) return body.appendChild(el("p", { className: "muted", text: t("auditEmpty") }));
  var ol = el("ol", { className: "audit" });
  entries
    .slice()
    .reverse()
    .forEach(function (a) {
      var d = a.detail || {};
      var extra = d.amount ? " ¥" + amount(d.amount) : d.outcome ? " · " + label("", d.outcome) : d.order_id ? " · " + d.order_id : "";
      ol.appendChild(
        el("li", { "data-testid": "audit-entry", "data-action": a.action }, [
          el("span", { className: "history-time", text: dayTime(a.created_at) }),
          el("span", { text: agentName(a.agent_id) + " " + label("audit_", a.action) + extra }),
        ])
      );
    });
  body.appendChild(ol);
}
