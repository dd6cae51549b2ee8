// Whom the open chat can be transferred to: online and least loaded first, the ones who cannot take it disabled.

import { $, clear, el } from "../desk-common.js";
import { cssEscape } from "./format.js";
import { label, t } from "./language.js";
import { state } from "./state.js";

export function renderTransferChoices() {
  var byAgent = !!state.colleagues;
  $("transfer-agent-field").hidden = !byAgent;
  $("transfer-team-field").hidden = byAgent;
  if (!byAgent) return;
  var select = $("transfer-agent");
  var chosen = select.value;
  clear(select);
  var convLang = state.detail ? state.detail.lang : null;
  var others = state.colleagues.filter(function (a) {
    return a.active && (!state.me || a.id !== state.me.id) && a.role !== "trainer";
  });
  others.sort(function (a, b) {
    var sa = a.status === "online" ? 0 : a.status === "away" ? 1 : 2;
    var sb = b.status === "online" ? 0 : b.status === "away" ? 1 : 2;
    return sa - sb || a.active_chats / Math.max(a.max_concurrent, 1) - b.active_chats / Math.max(b.max_concurrent, 1);
  });
  var firstOk = null;
  others.forEach(function (a) {
    var speaks = !convLang || (a.languages || []).indexOf(convLang) !== -1;
    var full = a.active_chats >= a.max_concurrent;
    var ok = speaks && !full;
    if (ok && firstOk === null) firstOk = String(a.id);
    select.appendChild(
      el("option", {
        value: String(a.id),
        disabled: !ok,
        text: a.display_name + " · " + label("status_", a.status) + " · " + a.active_chats + "/" + a.max_concurrent + (a.team ? " · " + a.team : "") + (speaks ? "" : " · " + t("noLang", { l: convLang === "en" ? t("langEn") : t("langZh") })),
      })
    );
  });
  if (!others.length) select.appendChild(el("option", { value: "", text: t("transferNone") }));
  select.value = chosen && select.querySelector('option[value="' + cssEscape(chosen) + '"]:not([disabled])') ? chosen : firstOk || "";
}
