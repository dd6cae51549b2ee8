// The widget's fixed frame in a shadow root: launcher, header, banners, message list, composer (ui.* are its parts).

import { config } from "./config.js";
import { el, ICON, svg, withTid } from "./dom.js";
import { lang } from "./language.js";
import { widgetCss } from "./styles.js";

export const ui = {};
export let host = null; // <kefu-widget id="kefu-widget">, added to the page by main.js

/** Builds the frame once, empty of texts (applyTexts fills them). */
export function buildUi() {
  host = document.createElement("kefu-widget");
  host.id = "kefu-widget";
  host.setAttribute("data-testid", "kefu-widget");
  const root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  const style = document.createElement("style");
  style.textContent = widgetCss(config.brand);
  root.appendChild(style);

  ui.unread = el("span", withTid("kefu-unread", { className: "kefu-unread", hidden: true, "aria-hidden": "true" }));
  const icChat = svg(ICON.chat, 28);
  icChat.setAttribute("class", "kefu-ic-chat");
  const icClose = svg(ICON.close, 26);
  icClose.setAttribute("class", "kefu-ic-close");
  ui.launcher = el(
    "button",
    withTid("kefu-launcher", { className: "kefu-launcher", type: "button", "aria-expanded": "false", "aria-controls": "kefu-panel" }),
    [icChat, icClose, ui.unread]
  );

  ui.avatar = el("div", { className: "kefu-avatar", "aria-hidden": "true" });
  ui.statusTitle = el("div", withTid("kefu-status-title", { className: "kefu-status-title" }));
  ui.statusSub = el("div", { className: "kefu-status-sub" });
  ui.status = el("div", withTid("kefu-status", { className: "kefu-status", role: "status", "aria-live": "polite" }), [
    ui.statusTitle,
    ui.statusSub,
  ]);
  ui.langBtn = el("button", withTid("kefu-lang", { className: "kefu-hbtn kefu-lang", type: "button" }));
  ui.closeBtn = el("button", withTid("kefu-close", { className: "kefu-hbtn kefu-close", type: "button" }), [svg(ICON.down, 24)]);
  ui.endBtn = el("button", withTid("kefu-end", { className: "kefu-hbtn kefu-end", type: "button", hidden: true }));
  const header = el("div", { className: "kefu-header" }, [ui.avatar, ui.status, ui.endBtn, ui.langBtn, ui.closeBtn]);

  ui.conn = el("div", withTid("kefu-conn", { className: "kefu-conn", role: "status", hidden: true }));
  ui.queuePos = el("div", withTid("kefu-queue-position", { className: "kefu-qpos", "aria-hidden": "true" }));
  ui.queueWait = el("b", withTid("kefu-queue-wait", {}));
  ui.queueNote = el("span");
  ui.leave = el("button", withTid("kefu-leave", { className: "kefu-leave", type: "button" }));
  ui.queue = el("div", withTid("kefu-queue", { className: "kefu-queue", role: "group", hidden: true }), [
    ui.queuePos,
    el("div", { className: "kefu-qtext" }, [ui.queueWait, ui.queueNote, el("div", { className: "kefu-qbar", "aria-hidden": "true" }, [el("i")])]),
    ui.leave,
  ]);
  ui.greetingText = el("div", { className: "kefu-bubble" });
  ui.greeting = el("div", withTid("kefu-greeting", { className: "kefu-row kefu-greeting", "data-sender": "bot" }), [
    ui.greetingText,
  ]);
  ui.messages = el(
    "div",
    withTid("kefu-messages", { className: "kefu-messages", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" }),
    [ui.greeting]
  );
  ui.typingWho = el("div", { className: "kefu-typing-who" });
  ui.typing = el("div", withTid("kefu-typing", { className: "kefu-row", "data-sender": "bot", "data-who": "bot", hidden: true }), [
    ui.typingWho,
    el("div", { className: "kefu-bubble kefu-typing", "aria-hidden": "true" }, [el("i"), el("i"), el("i")]),
  ]);
  ui.quick = el("div", withTid("kefu-quick", { className: "kefu-quick", role: "group" }));
  ui.input = el(
    "textarea",
    withTid("kefu-input", { className: "kefu-input", rows: "1", maxlength: "2000", enterkeyhint: "send", autocomplete: "off" })
  );
  ui.send = el("button", withTid("kefu-send", { className: "kefu-send", type: "button", disabled: true }), [svg(ICON.send, 20)]);
  ui.hint = el("div", { className: "kefu-hint", role: "alert", hidden: true });
  // #19: a photo from the gallery or, on phones, the camera
  ui.file = el("input", withTid("kefu-photo-input", { type: "file", accept: "image/*", capture: "environment", hidden: true }));
  ui.attach = el("button", withTid("kefu-attach", { className: "kefu-attach", type: "button" }), [svg(ICON.camera, 22)]);
  ui.composer = el("div", { className: "kefu-composer" }, [ui.attach, ui.file, ui.input, ui.send]);
  ui.endedText = el("p");
  ui.newChat = el("button", withTid("kefu-new-chat", { className: "kefu-primary", type: "button" }));
  ui.ended = el("div", withTid("kefu-ended", { className: "kefu-ended", hidden: true }), [ui.endedText, ui.newChat]);
  ui.panel = el(
    "div",
    withTid("kefu-panel", { className: "kefu-panel", role: "dialog", "aria-modal": "false", "data-open": "false" }),
    [header, ui.conn, ui.queue, ui.messages, ui.quick, ui.hint, ui.composer, ui.ended]
  );
  ui.root = el("div", { className: "kefu-root", "data-open": "false", "data-state": "bot", lang: lang === "zh" ? "zh-CN" : "en" }, [
    ui.panel,
    ui.launcher,
  ]);
  root.appendChild(ui.root);
}

/** Keyboard users land in the input; on phones that would pop the keyboard over the chat, so not there. */
export function focusInput() {
  if (window.matchMedia && matchMedia("(max-width: 479.98px), (pointer: coarse)").matches) return;
  ui.input.focus();
}

// (a smooth scroll we started is still "at the bottom" while it runs)
let autoScrolledAt = 0;

/** Is the message list scrolled to (or scrolling to) its end? New rows then keep it there. */
export function nearBottom() {
  const m = ui.messages;
  return m.scrollHeight - m.scrollTop - m.clientHeight < 80 || Date.now() - autoScrolledAt < 800;
}

export function scrollToBottom() {
  autoScrolledAt = Date.now();
  ui.messages.scrollTop = ui.messages.scrollHeight;
}
