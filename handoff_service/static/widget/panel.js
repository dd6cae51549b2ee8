// Opening and closing the chat panel, switching its language (every text on screen follows), and the header's buttons.

import { config } from "./config.js";
import { el } from "./dom.js";
import { chooseLang, lang, t } from "./language.js";
import { focusInput, scrollToBottom, ui } from "./layout.js";
import { relabel } from "./messages.js";
import { submit } from "./sending.js";
import { endChat } from "./nps.js";
import { leaveQueue } from "./session.js";
import { state } from "./state.js";
import { renderConn, renderStatus, renderUnread } from "./status.js";
import { relabelTyping } from "./typing.js";

/** Every text on screen in the current language. */
export function applyTexts() {
  ui.root.setAttribute("lang", lang === "zh" ? "zh-CN" : "en");
  ui.panel.setAttribute("aria-label", t("panelLabel"));
  ui.launcher.setAttribute("aria-label", state.isOpen ? t("launcherClose") : t("launcherOpen"));
  ui.langBtn.textContent = t("langButton");
  ui.langBtn.setAttribute("aria-label", t("langAria"));
  ui.langBtn.setAttribute("title", t("langAria"));
  ui.langBtn.setAttribute("data-lang", lang);
  ui.closeBtn.setAttribute("aria-label", t("close"));
  ui.closeBtn.setAttribute("title", t("close"));
  ui.messages.setAttribute("aria-label", t("messagesLabel"));
  var shop = config.shopName || (lang === "zh" ? "本店" : "our shop");
  ui.greetingText.textContent = t("greeting", { shop: shop });
  ui.input.setAttribute("placeholder", t("placeholder"));
  ui.input.setAttribute("aria-label", t("inputLabel"));
  ui.send.setAttribute("aria-label", t("send"));
  ui.send.setAttribute("title", t("send"));
  ui.attach.setAttribute("aria-label", t("attach"));
  ui.attach.setAttribute("title", t("attach"));
  ui.quick.setAttribute("aria-label", t("quickLabel"));
  ui.quick.textContent = "";
  t("quick").forEach(function (q) {
    ui.quick.appendChild(
      el("button", {
        className: "kefu-chip",
        type: "button",
        "data-testid": "kefu-quick-item",
        text: q,
        on: {
          click: function () {
            submit(q);
            focusInput();
          },
        },
      })
    );
  });
  ui.leave.textContent = t("leave");
  ui.leave.setAttribute("aria-label", t("leaveAria"));
  ui.queue.setAttribute("aria-label", t("queueLabel"));
  ui.newChat.textContent = t("newChat");
  // per-message labels, cards and forms
  var rows = ui.messages.querySelectorAll(".kefu-row[data-seq], .kefu-row[data-client-id]");
  for (var i = 0; i < rows.length; i++) relabel(rows[i]);
  state.relabelHooks.forEach(function (fn) {
    fn();
  });
  relabelTyping();
  renderStatus();
  renderUnread();
  renderConn();
}

export function setOpen(open) {
  state.isOpen = !!open;
  ui.root.setAttribute("data-open", String(state.isOpen));
  ui.panel.setAttribute("data-open", String(state.isOpen));
  ui.launcher.setAttribute("aria-expanded", String(state.isOpen));
  if (state.isOpen) {
    state.unread = 0;
    renderUnread();
    scrollToBottom();
    setTimeout(focusInput, 60);
  } else {
    renderUnread();
  }
}

export function setLang(next) {
  if (next !== "zh" && next !== "en") return;
  chooseLang(next);
  applyTexts();
}

export function bindPanel() {
  ui.launcher.addEventListener("click", function () {
    setOpen(!state.isOpen);
    if (!state.isOpen) ui.launcher.focus();
  });
  ui.closeBtn.addEventListener("click", function () {
    setOpen(false);
    ui.launcher.focus();
  });
  ui.langBtn.addEventListener("click", function () {
    setLang(lang === "zh" ? "en" : "zh");
  });
  ui.panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      setOpen(false);
      ui.launcher.focus();
    }
  });
  ui.leave.addEventListener("click", leaveQueue);
  ui.endBtn.addEventListener("click", endChat);
}
