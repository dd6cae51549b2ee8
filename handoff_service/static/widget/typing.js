// Typing, both ways: the "… is typing" row for whoever owns the chat, and the shopper's own typing signal for the agent.

import { api, sessionPath } from "./http.js";
import { t } from "./language.js";
import { nearBottom, scrollToBottom, ui } from "./layout.js";
import { state } from "./state.js";

// ---------------------------------------------------------------- the bot while it thinks, the agent while they write
let typingTimer = null;
export let typingWho = null; // "bot" | "agent" | null
let typingName = null;

export function showTyping(who, name, relabelOnly) {
  const conv = state.conv;
  who = who || "bot";
  if (who === "bot" && conv.state !== "bot") return;
  if (who === "agent" && conv.state !== "agent") return;
  typingWho = who;
  typingName = name || (who === "agent" ? conv.agentName : null);
  ui.typing.setAttribute("data-who", who);
  ui.typing.setAttribute("data-sender", who);
  const label = who === "agent" ? t("typingWho", { name: typingName || t("agentFallback") }) : t("typingWho", { name: t("botName") });
  ui.typingWho.textContent = label;
  ui.typingWho.hidden = who !== "agent";
  ui.typing.setAttribute("aria-label", label);
  if (relabelOnly) return;
  const stick = nearBottom();
  const wasHidden = ui.typing.hidden;
  ui.typing.hidden = false;
  if (wasHidden || ui.typing.parentNode !== ui.messages || ui.typing.nextSibling) ui.messages.appendChild(ui.typing);
  if (stick || wasHidden) scrollToBottom();
  clearTimeout(typingTimer);
  // typing signals may be dropped: never show a stale indicator for long
  typingTimer = setTimeout(hideTyping, who === "agent" ? 8000 : 20000);
}

/** Hides the indicator (only if it is who's, when who is given). */
export function hideTyping(who) {
  if (who && typingWho && who !== typingWho) return;
  clearTimeout(typingTimer);
  typingWho = null;
  ui.typing.hidden = true;
}

/** The indicator's label in the current language. */
export function relabelTyping() {
  if (typingWho) showTyping(typingWho, typingName, true);
}

/** A "typing" frame from the service. */
export function onTypingFrame(frame) {
  const who = frame.who === "agent" ? "agent" : "bot";
  if (frame.typing) showTyping(who, frame.agent_name);
  else if (who === "bot") {
    // the bot's answer follows its "stopped typing" at once: avoid a flicker in between
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () {
      hideTyping("bot");
    }, 700);
  } else hideTyping("agent");
}

// ---------------------------------------------------------------- the shopper's own typing, for the agent who owns the chat:
// at most one "typing" every 3 s, and "stopped" after 4 s without a key or when the message is sent
let myTyping = false;
let myTypingAt = 0;
let myTypingIdle = null;

export function noteMyTyping() {
  if (!state.session || state.conv.state !== "agent") return;
  if (!myTyping || Date.now() - myTypingAt > 3000) sendMyTyping(true);
  clearTimeout(myTypingIdle);
  myTypingIdle = setTimeout(stopMyTyping, 4000);
}

export function stopMyTyping() {
  clearTimeout(myTypingIdle);
  if (myTyping) sendMyTyping(false);
}

function sendMyTyping(on) {
  myTyping = on;
  myTypingAt = Date.now();
  const socket = state.socket;
  if (socket && socket.readyState === 1) {
    try {
      socket.send(JSON.stringify({ type: "typing", typing: on }));
      return;
    } catch (e) {
      /* fall back to HTTP */
    }
  }
  const s = state.session;
  if (s) api("POST", sessionPath(s, "/typing"), { typing: on }, s.token).catch(function () {});
}
