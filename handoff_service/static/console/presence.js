// My status in the top bar: online (chats are assigned to me automatically), away or offline.

import { $, saveSession, toast } from "../desk-common.js";
import { api } from "./api.js";
import { loadColleagues } from "./colleagues.js";
import { t } from "./language.js";
import { isSupervisor, SESSION_KEYS, state } from "./state.js";

export function renderStatusToggle() {
  var me = state.me;
  var status = (me && me.status) || "offline";
  $("status-toggle").setAttribute("data-status", status);
  ["online", "away", "offline"].forEach(function (s) {
    $("status-" + s).setAttribute("aria-pressed", String(s === status));
  });
}

export function bindPresence() {
  ["online", "away", "offline"].forEach(function (s) {
    $("status-" + s).addEventListener("click", function () {
      if (!state.me || state.me.status === s) return;
      var before = state.me.status;
      state.me.status = s; // at once; put back if the server says no
      renderStatusToggle();
      api("PUT", "/api/agent/status", { status: s }).then(
        function () {
          saveSession(SESSION_KEYS, state.token, state.me);
          toast(t("statusChanged", { s: t("status_" + s) }));
          if (isSupervisor()) loadColleagues();
        },
        function (err) {
          state.me.status = before;
          renderStatusToggle();
          toast(t("actionFailed", { m: err.message }), "error");
        }
      );
    });
  });
}
