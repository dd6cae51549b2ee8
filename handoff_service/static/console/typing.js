// Typing, both ways: "… is typing" for the shopper of my open chat, and my own typing signal for them.

import { $ } from "../desk-common.js";
import { api, chatPath } from "./api.js";
import { t } from "./language.js";
import { isMine, state } from "./state.js";

let typingTimer = null;

export function onShopperTyping(frame) {
  if (frame.conversation_id !== state.selectedId || !state.detail || !isMine(state.detail)) return;
  if (!frame.typing) return hideShopperTyping();
  var node = $("shopper-typing");
  node.querySelector("span").textContent = t("shopperTyping", { name: (state.detail.customer && state.detail.customer.name) || t("shopper") });
  node.hidden = false;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(hideShopperTyping, 6000); // the "stopped" signal may be lost
}

export function hideShopperTyping() {
  clearTimeout(typingTimer);
  $("shopper-typing").hidden = true;
}

// my typing, for the shopper: at most one "typing" every 3 s, "stopped" after 4 s idle or on send
let myTyping = null; // conversation id I told I am typing in
let myTypingAt = 0;
let myTypingIdle = null;

export function noteMyTyping() {
  if (!state.detail || !isMine(state.detail) || state.detail.state !== "agent") return;
  var id = state.detail.conversation_id;
  if (myTyping !== id || Date.now() - myTypingAt > 3000) sendMyTyping(id, true);
  clearTimeout(myTypingIdle);
  myTypingIdle = setTimeout(stopMyTyping, 4000);
}

export function stopMyTyping() {
  clearTimeout(myTypingIdle);
  if (myTyping) sendMyTyping(myTyping, false);
}

function sendMyTyping(id, on) {
  myTyping = on ? id : null;
  myTypingAt = Date.now();
  api("POST", chatPath(id, "/typing"), { typing: on }).catch(function () {
    /* ephemeral: nothing to retry */
  });
}
