// Sending the shopper's messages: shown at once, sent with retries (same client id), a new chat if the old one ended.

import { addEvent } from "./events.js";
import { api, newClientId, sessionPath, sleep } from "./http.js";
import { t } from "./language.js";
import { scrollToBottom, ui } from "./layout.js";
import { renderShopperMeta, shopperRow } from "./messages.js";
import { dropSession, ensureSession } from "./session.js";
import { state } from "./state.js";
import { updateQuickChips } from "./status.js";
import { connect, transportIdle } from "./transport.js";
import { showTyping } from "./typing.js";

/** Sends text as the shopper (at most 2000 characters). */
export function submit(text) {
  text = String(text || "").trim();
  if (!text) return;
  if (text.length > 2000) {
    ui.hint.textContent = t("tooLong");
    ui.hint.hidden = false;
    return;
  }
  ui.hint.hidden = true;
  var clientId = newClientId();
  var row = shopperRow(text, clientId);
  ui.messages.insertBefore(row, ui.typing.parentNode === ui.messages ? ui.typing : null);
  var item = { clientId: clientId, text: text, el: row, resets: 0 };
  state.pending[clientId] = item;
  updateQuickChips();
  scrollToBottom();
  deliver(item);
}

function showHint(text) {
  ui.hint.textContent = text;
  ui.hint.hidden = false;
}

function setItemStatus(item, status) {
  item.el.setAttribute("data-status", status);
  renderShopperMeta(item.el);
}

/** (Re)sends a pending message until the service stores it, or marks it failed (with a retry button). */
export function deliver(item) {
  if (item.busy) return;
  item.busy = true;
  setItemStatus(item, "pending");
  var attempt = 0;
  function tryOnce() {
    return ensureSession()
      .then(function (s) {
        return api("POST", sessionPath(s, "/messages"), { text: item.text, client_id: item.clientId }, s.token);
      })
      .then(function (res) {
        item.busy = false;
        if (res && res.event) {
          addEvent(res.event, true);
          if (state.conv.state === "bot" && state.lastOtherSeq < res.event.seq) showTyping("bot");
        }
        if (transportIdle()) connect();
      })
      .catch(function (err) {
        var status = err && err.status;
        if ((status === 403 || status === 409) && item.resets < 1) {
          // the chat was closed or forgotten by the server: start a fresh one, same message
          item.resets += 1;
          dropSession(status === 403);
          return tryOnce();
        }
        if (status === 429 && attempt < 4) {
          // over the service's limit: say so, wait the seconds it asked for, send again
          attempt += 1;
          var seconds = Math.max(1, err.retryAfter || 1);
          showHint(t("rateLimited", { seconds: seconds }));
          return sleep(seconds * 1000).then(function () {
            ui.hint.hidden = true;
            return tryOnce();
          });
        }
        if (status === 400 && err.code === "bad_request") {
          item.busy = false;
          showHint(t("badText"));
          setItemStatus(item, "failed");
          return;
        }
        var retriable = !status || status >= 500 || status === 408;
        if (retriable && attempt < 4) {
          attempt += 1;
          // 503: the service said when (its database is restarting); nothing was stored, same client id
          var wait = Math.max(600 * Math.pow(2, attempt - 1), status === 503 ? (err.retryAfter || 0) * 1000 : 0);
          return sleep(wait).then(tryOnce);
        }
        item.busy = false;
        if (state.pending[item.clientId]) setItemStatus(item, "failed");
      });
  }
  return tryOnce();
}
