// The widget's header and bars: who is answering, queue banner, "chat ended" bar, unread badge, connection banner.

import { renderEndButton } from "./nps.js";
import { updateForms } from "./callback.js";
import { ICON, svg } from "./dom.js";
import { t } from "./language.js";
import { nearBottom, scrollToBottom, ui } from "./layout.js";
import { positionText, renderQueueBanner } from "./queue.js";
import { state } from "./state.js";
import { dueText } from "./time.js";

let connState = "ok"; // ok | reconnecting | offline

/** The header (who is answering) and everything else that follows who owns the chat. */
export function renderStatus() {
  var conv = state.conv;
  var shown = conv.state; // closed and abandoned look the same
  var title, sub, avatar;
  if (shown === "queued") {
    title = t("queued");
    sub = positionText();
    avatar = svg(ICON.clock, 22);
  } else if (shown === "agent") {
    title = conv.agentName || t("agentFallback");
    sub = t("agentSub");
    avatar = document.createTextNode((conv.agentName || t("agentFallback")).trim().charAt(0).toUpperCase());
  } else if (shown === "callback") {
    title = t("callback");
    sub = conv.contactSaved && conv.callbackDue ? t("callbackSubSaved", { due: dueText(conv.callbackDue) }) : t("callbackSub");
    avatar = svg(ICON.clock, 22);
  } else if (shown === "closed" || shown === "abandoned") {
    title = shown === "abandoned" ? t("abandoned") : t("closed");
    sub = shown === "abandoned" ? t("abandonedSub") : t("closedSub");
    shown = "closed";
    avatar = svg(ICON.bot, 22);
  } else {
    shown = "bot";
    title = t("bot");
    sub = t("botSub");
    avatar = svg(ICON.bot, 22);
  }
  ui.root.setAttribute("data-state", shown);
  renderEndButton();
  ui.status.setAttribute("data-state", shown);
  ui.statusTitle.textContent = title;
  ui.statusSub.textContent = sub;
  ui.avatar.textContent = "";
  ui.avatar.appendChild(avatar);
  renderQueueBanner();
  renderEnded();
  updateBotButtons();
  updateForms();
}

function ended() {
  return !!state.session && (state.conv.state === "closed" || state.conv.state === "abandoned");
}

function renderEnded() {
  var over = ended();
  var stick = over !== !ui.ended.hidden && nearBottom();
  ui.ended.hidden = !over;
  ui.composer.hidden = over;
  if (over) {
    ui.hint.hidden = true;
    ui.quick.hidden = true;
    ui.endedText.textContent = state.conv.state === "abandoned" ? t("abandonedSub") : t("ended");
  } else {
    updateQuickChips();
  }
  // the bar under the messages changed height: stay at the bottom if we were there
  if (stick) scrollToBottom();
}

// bot buttons answer the bot: once used, or while a person owns the chat, they do nothing
export function updateBotButtons() {
  var buttons = ui.messages.querySelectorAll('[data-testid="kefu-button"]');
  for (var i = 0; i < buttons.length; i++) {
    var group = buttons[i].parentNode;
    buttons[i].disabled = group.getAttribute("data-used") === "true" || state.conv.state !== "bot";
  }
}

export function renderUnread() {
  ui.unread.hidden = state.unread === 0;
  ui.unread.textContent = state.unread > 99 ? "99+" : String(state.unread);
  var label = state.isOpen ? t("launcherClose") : t("launcherOpen");
  if (state.unread && !state.isOpen) label += " · " + t("unread", { n: state.unread });
  ui.launcher.setAttribute("aria-label", label);
}

/** The connection banner: "ok" (hidden), "reconnecting" or "offline". */
export function setConn(s) {
  connState = s;
  renderConn();
}

export function renderConn() {
  if (connState === "ok" || !state.session) {
    ui.conn.hidden = true;
    ui.conn.textContent = "";
  } else {
    ui.conn.hidden = false;
    ui.conn.textContent = connState === "offline" ? t("offline") : t("reconnecting");
  }
}

/** The quick-question chips show only before the first message. */
export function updateQuickChips() {
  ui.quick.hidden = !!ui.messages.querySelector('[data-testid="kefu-message"]');
}
