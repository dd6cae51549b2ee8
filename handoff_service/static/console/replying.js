// Replying in my chat: shown at once, delivered with retries (same client id), retry button; Ctrl/Cmd+Enter sends.

import { $, clear, el, toast } from "../desk-common.js";
import { api, chatPath } from "./api.js";
import { newClientId } from "./format.js";
import { t } from "./language.js";
import { state } from "./state.js";
import { addTranscriptEvent, scrollTranscript, transcriptRow } from "./transcript.js";
import { noteMyTyping, stopMyTyping } from "./typing.js";

function sendReply() {
  var input = $("reply-input");
  var text = input.value.trim();
  if (!text || !state.selectedId || $("composer").hidden) return;
  input.value = "";
  stopMyTyping();
  var item = { clientId: newClientId(), text: text, conversationId: state.selectedId };
  item.row = transcriptRow({ kind: "message", sender: "agent", text: text, client_id: item.clientId, payload: { agent_name: state.me && state.me.display_name } });
  item.row.setAttribute("data-status", "pending");
  state.pendingReplies[item.clientId] = item;
  $("transcript").appendChild(item.row);
  scrollTranscript(true);
  deliverReply(item, 0);
  input.focus();
}

function deliverReply(item, attempt) {
  api("POST", chatPath(item.conversationId, "/messages"), { text: item.text, client_id: item.clientId })
    .then(function (res) {
      if (res && res.event && item.conversationId === state.selectedId) addTranscriptEvent(res.event);
    })
    .catch(function (err) {
      var retriable = !err.status || err.status >= 500;
      if (retriable && attempt < 3) {
        setTimeout(function () {
          deliverReply(item, attempt + 1);
        }, 700 * Math.pow(2, attempt));
        return;
      }
      if (!state.pendingReplies[item.clientId]) return;
      item.row.setAttribute("data-status", "failed");
      var time = item.row.querySelector(".msg-time");
      clear(time);
      time.appendChild(document.createTextNode(t("sendFailed") + " · "));
      time.appendChild(
        el("button", {
          type: "button",
          className: "btn-link",
          "data-testid": "reply-retry",
          text: t("retry"),
          on: {
            click: function () {
              item.row.setAttribute("data-status", "pending");
              clear(time);
              deliverReply(item, 0);
            },
          },
        })
      );
      toast(err.status === 403 ? err.message : t("sendFailed"), "error");
    });
}

export function bindReplying() {
  $("reply-send").addEventListener("click", sendReply);
  $("reply-input").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.isComposing) {
      e.preventDefault();
      sendReply();
    }
  });
  $("reply-input").addEventListener("input", function () {
    if ($("reply-input").value.trim()) noteMyTyping();
    else stopMyTyping();
  });
  $("reply-input").addEventListener("blur", stopMyTyping);
}
