// The supervisors' proactive-service section (issue #16): parcels stuck now, alerts sent today, what shoppers chose.

import { $, clear, el, toast } from "../desk-common.js";
import { api, errorText } from "./api.js";
import { dayTime } from "./format.js";
import { label, t } from "./language.js";
import { isSupervisor, state } from "./state.js";

let data = null;
let timer = null;

/** Loads the overview now and every 30 s while the supervisor view is shown. */
export function loadProactive() {
  clearTimeout(timer);
  if (!isSupervisor() || state.view !== "supervisor") return;
  api("GET", "/api/proactive/overview").then(
    function (res) {
      data = res;
      renderProactive();
    },
    function () {
      /* shown again on the next load */
    }
  );
  timer = setTimeout(loadProactive, 30000);
}

export function bindProactive() {
  $("pv-scan").addEventListener("click", function () {
    var button = $("pv-scan");
    button.disabled = true;
    api("POST", "/api/proactive/scan")
      .then(function (res) {
        var sent = (res.alerts || []).filter(function (a) {
          return a.outcome === "sent";
        }).length;
        toast(t("pvScanned", { n: sent }));
      })
      .catch(function (err) {
        toast(errorText(err), "error");
      })
      .then(function () {
        button.disabled = false;
        loadProactive();
      });
  });
}

function tag(text, kind) {
  return el("span", { className: "pv-tag" + (kind ? " " + kind : ""), text: text });
}

function fill(listId, emptyId, items, row) {
  var ul = $(listId);
  clear(ul);
  $(emptyId).hidden = items.length > 0;
  items.forEach(function (item) {
    ul.appendChild(row(item));
  });
}

export function renderProactive() {
  if (!data || !isSupervisor()) return;
  var counts = data.today.counts || {};
  $("pv-summary").textContent = t("pvSummary", { sent: counts.sent || 0, deferred: counts.deferred || 0, replied: data.today.replied || 0 });
  $("pv-stuck-title").textContent = t("pvStuck", { h: data.stuck_hours });
  fill("pv-stuck", "pv-stuck-empty", data.stuck, function (s) {
    return el("li", { className: "sv-item", "data-testid": "pv-stuck-item", "data-order-id": s.order_id }, [
      el("div", { className: "pv-line" }, [
        el("b", { text: s.order_id }),
        el("span", { text: (s.customer_name || s.customer_id) + " · " + (s.carrier || "") }),
        tag(t("pvHours", { h: Math.round(s.hours) }), "bad"),
        tag(s.alert === "sent" ? t("pvTold") : s.alert ? label("outcome_", s.alert) : t("pvNotTold"), s.alert === "sent" ? "good" : ""),
      ]),
      el("div", { className: "pv-text", text: (s.last_location ? s.last_location + " · " : "") + (s.last_update || "") }),
    ]);
  });
  fill("pv-today", "pv-today-empty", data.today.alerts, function (a) {
    var channels = Object.keys(a.channels || {}).map(function (c) {
      var how = String(a.channels[c]);
      return c + " " + (how.indexOf("sent") === 0 ? "✓" : how.indexOf("skipped") === 0 ? "–" : "✗");
    });
    return el("li", { className: "sv-item", "data-testid": "pv-alert", "data-kind": a.kind, "data-outcome": a.outcome }, [
      el("div", { className: "pv-line" }, [
        el("b", { text: label("rulekind_", a.kind) }),
        el("span", { text: a.order_id + " · " + a.customer_id }),
        tag(label("outcome_", a.outcome), a.outcome === "sent" ? "good" : a.outcome === "failed" ? "bad" : ""),
        el("span", { className: "muted small", text: channels.join(" · ") || a.reason || "" }),
        el("span", { className: "muted small", text: dayTime(a.sent_at || a.created_at) }),
      ]),
      el("div", { className: "pv-text", text: a.text }),
    ]);
  });
  fill("pv-choices", "pv-choices-empty", data.choices, function (a) {
    var chosen = (a.choices || []).filter(function (c) {
      return c.id === a.choice;
    })[0];
    var result = a.choice_result || {};
    return el("li", { className: "sv-item", "data-testid": "pv-choice", "data-choice": a.choice }, [
      el("div", { className: "pv-line" }, [
        el("b", { text: chosen ? chosen.label : a.choice }),
        el("span", { text: a.order_id + " · " + a.customer_id }),
        tag(result.coupon || result.remedy || (result.ok ? "✓" : "✗"), result.ok ? "good" : "bad"),
        el("span", { className: "muted small", text: dayTime(a.chosen_at) }),
      ]),
    ]);
  });
}
