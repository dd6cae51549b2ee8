// The shopper's chat with the service: created by the first message, left while queued, forgotten once unknown to it.

import { config } from "./config.js";
import { syncState } from "./events.js";
import { api, sessionPath } from "./http.js";
import { lang, t } from "./language.js";
import { ui } from "./layout.js";
import { forgetHistory, freshConv, state } from "./state.js";
import { renderStatus, setConn, updateQuickChips } from "./status.js";
import { saveSession } from "./storage.js";
import { connect, stopTransport } from "./transport.js";
import { hideTyping, stopMyTyping } from "./typing.js";

let creating = null;

/** The current session, or a new one (one request at a time), connected. */
export function ensureSession() {
  if (state.session) return Promise.resolve(state.session);
  if (!creating) {
    const identity = { customer_id: config.customerId, customer_signature: config.customerSignature, customer_expires: config.customerExpires };
    creating = api("POST", "/api/sessions", Object.assign(identity, { lang: lang }))
      .then(function (res) {
        state.session = { conversation_id: res.conversation_id, token: res.token, seq: 0 };
        state.lastSeq = 0;
        state.conv.state = res.state || "bot";
        renderStatus();
        saveSession();
        connect();
        return state.session;
      })
      .finally(function () {
        creating = null;
      });
  }
  return creating;
}

/** The stored session is not valid any more (403) or has ended (409): forget it (and its rows, if clearHistory). */
export function dropSession(clearHistory) {
  stopTransport();
  state.session = null;
  saveSession();
  state.lastSeq = 0;
  state.conv = freshConv();
  hideTyping();
  stopMyTyping();
  if (clearHistory) {
    forgetHistory();
    const rows = ui.messages.querySelectorAll("[data-seq]");
    for (let i = 0; i < rows.length; i++) rows[i].parentNode.removeChild(rows[i]);
  }
  setConn("ok");
  renderStatus();
  updateQuickChips();
}

/** The shopper stops waiting for a person. */
export function leaveQueue() {
  const s = state.session;
  if (!s || state.conv.state !== "queued") return;
  ui.leave.disabled = true;
  api("POST", sessionPath(s, "/leave"), null, s.token)
    .then(
      function () {
        // the "abandoned" event follows over the transport; show the outcome at once anyway
        if (state.session === s && state.conv.state === "queued") syncState("abandoned");
      },
      function () {
        ui.hint.textContent = t("actionFailed");
        ui.hint.hidden = false;
      }
    )
    .finally(function () {
      ui.leave.disabled = false;
    });
}
