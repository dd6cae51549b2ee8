// The one-click actions' panel under my chat (coupon, return, transfer, close): open, close, results, contents.

import { $, clear, el } from "../desk-common.js";
import { loadColleagues } from "./colleagues.js";
import { amount, money } from "./format.js";
import { label, lang, t } from "./language.js";
import { state } from "./state.js";
import { renderRemedyPanel } from "./service-tools.js";
import { renderTransferChoices } from "./transfer.js";

const PANELS = ["coupon", "return", "remedy", "promise", "help", "transfer", "close"];

function openPanel(name) {
  var panel = $("action-panel");
  if (panel.getAttribute("data-panel") === name && !panel.hidden) return closePanel();
  panel.hidden = false;
  panel.setAttribute("data-panel", name);
  PANELS.forEach(function (p) {
    $(p + "-form").hidden = p !== name;
    $("action-" + p).setAttribute("aria-expanded", String(p === name));
  });
  ["coupon-result", "return-result", "remedy-result", "promise-result", "help-result", "transfer-result"].forEach(function (r) {
    $(r).hidden = true;
    $(r).removeAttribute("data-status");
  });
  renderPanels();
  var first = { coupon: "coupon-amount", return: "return-order", remedy: "remedy-order", promise: "promise-time", help: "help-note", transfer: state.colleagues ? "transfer-agent" : "transfer-team", close: "close-submit" }[name];
  if (name === "transfer") loadColleagues();
  setTimeout(function () {
    $(first).focus();
  }, 0);
}

export function closePanel() {
  var panel = $("action-panel");
  if (!panel) return;
  var was = panel.getAttribute("data-panel");
  panel.hidden = true;
  panel.setAttribute("data-panel", "");
  PANELS.forEach(function (p) {
    $(p + "-form").hidden = true;
    $("action-" + p).setAttribute("aria-expanded", "false");
  });
  if (was && !$("action-" + was).hidden && document.activeElement && panel.contains(document.activeElement)) $("action-" + was).focus();
}

export function showResult(id, status, text) {
  var node = $(id);
  node.hidden = false;
  node.setAttribute("data-status", status);
  node.textContent = text;
}

// the panels' contents that depend on the chat and the customer
export function renderPanels() {
  // the limit is known to the client only if the server tells it (me.coupon_limit)
  var limit = state.me && typeof state.me.coupon_limit === "number" ? t("couponLimit", { n: amount(state.me.coupon_limit) }) : state.me && state.me.role === "agent" ? "" : t("couponLimitSupervisor");
  $("coupon-limit").textContent = limit;
  var select = $("return-order");
  var chosen = select.value;
  clear(select);
  var orders = (state.detail && state.detail.customer && Array.isArray(state.detail.customer.orders) ? state.detail.customer.orders : []).slice();
  // delivered orders first: they are the ones a return is for
  orders.sort(function (a, b) {
    return (a.status === "delivered" ? 0 : 1) - (b.status === "delivered" ? 0 : 1);
  });
  orders.forEach(function (o) {
    var items = Array.isArray(o.items) ? o.items.join(lang === "zh" ? "、" : ", ") : "";
    select.appendChild(el("option", { value: o.order_id, text: o.order_id + " · " + label("order_", o.status) + " · " + money(o.total) + (items ? " · " + items : "") }));
  });
  if (chosen) select.value = chosen;
  $("return-submit").disabled = !orders.length;
  if (!orders.length) select.appendChild(el("option", { value: "", text: t("returnNoOrders") }));
  renderTransferChoices();
  renderRemedyPanel();
}

export function bindPanels() {
  PANELS.forEach(function (p) {
    $("action-" + p).addEventListener("click", function () {
      openPanel(p);
    });
  });
  var closers = document.querySelectorAll("[data-close-panel]");
  for (var ci = 0; ci < closers.length; ci++) closers[ci].addEventListener("click", closePanel);
  $("action-panel").addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      e.stopPropagation();
      closePanel();
    }
  });
}
