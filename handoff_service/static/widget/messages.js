// The message list's rows: how each event from the service looks, the shopper's own pending messages, seq order.

import { callbackForm } from "./callback.js";
import { renderCard } from "./cards.js";
import { config } from "./config.js";
import { el } from "./dom.js";
import { feedbackBar } from "./feedback.js";
import { hooks } from "./hooks.js";
import { t } from "./language.js";
import { focusInput, ui } from "./layout.js";
import { npsBlock, npsResult } from "./nps.js";
import { photoNode } from "./photos.js";
import { csatBlock, csatResult } from "./rating.js";
import { state } from "./state.js";
import { updateBotButtons } from "./status.js";
import { formatTime } from "./time.js";

/** A row's labels in the current language. */
export function relabel(row) {
  var who = row.querySelector(".kefu-who");
  var sender = row.getAttribute("data-sender");
  if (who && sender === "bot") who.textContent = t("botName");
  if (who && sender === "agent") who.textContent = row.getAttribute("data-agent") || t("agentFallback");
  var meta = row.querySelector(".kefu-meta");
  if (meta && sender === "shopper") renderShopperMeta(row);
}

// insert a row in seq order; rows without a seq (pending) stay last
export function placeRow(row, seq) {
  var rows = ui.messages.children;
  for (var i = 0; i < rows.length; i++) {
    var other = rows[i];
    var s = Number(other.getAttribute("data-seq"));
    if (other === ui.typing) break;
    if (s && s > seq) {
      ui.messages.insertBefore(row, other);
      return;
    }
    if (!s && other !== ui.greeting) {
      // the first pending (unconfirmed) row: confirmed rows go before it
      ui.messages.insertBefore(row, other);
      return;
    }
  }
  ui.messages.insertBefore(row, ui.typing.parentNode === ui.messages ? ui.typing : null);
}

/** The line under a shopper's message: sending…, failed with a retry button, or its time. */
export function renderShopperMeta(row) {
  var meta = row.querySelector(".kefu-meta");
  meta.textContent = "";
  var status = row.getAttribute("data-status");
  if (status === "pending") {
    meta.appendChild(el("span", { text: t("sending") }));
  } else if (status === "failed") {
    meta.appendChild(el("span", { className: "kefu-bad", text: t("failed") }));
    var cid = row.getAttribute("data-client-id");
    meta.appendChild(
      el("button", {
        className: "kefu-retry",
        type: "button",
        "data-testid": "kefu-retry",
        text: t("retry"),
        on: {
          click: function () {
            var item = state.pending[cid];
            if (item) hooks.deliver(item);
          },
        },
      })
    );
  } else {
    meta.appendChild(el("span", { text: row.getAttribute("data-time") || "" }));
  }
}

/** A row for the shopper's own message, pending until the service confirms it. */
export function shopperRow(text, clientId) {
  var row = el("div", {
    className: "kefu-row",
    "data-testid": "kefu-message",
    "data-sender": "shopper",
    "data-client-id": clientId || null,
    "data-status": "pending",
  });
  // a clicked bot button sends its payload (e.g. "/check_order"); show the shopper what they clicked
  var shown = Object.prototype.hasOwnProperty.call(state.buttonTitles, text) ? state.buttonTitles[text] : text;
  row.appendChild(el("div", { className: "kefu-bubble", text: shown }));
  row.appendChild(el("div", { className: "kefu-meta" }));
  renderShopperMeta(row);
  return row;
}

function safeImageUrl(u) {
  if (typeof u !== "string") return null;
  try {
    var url = new URL(u, config.base);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch (e) {
    return null;
  }
}

/** The node for an event from the service, or null when it shows nothing (a rating's echo, an empty notice). */
export function renderEvent(ev) {
  var payload = ev.payload && typeof ev.payload === "object" ? ev.payload : {};
  var text = typeof ev.text === "string" ? ev.text : "";
  var row;
  if (ev.kind === "csat_request") return csatBlock(ev, text);
  if (ev.kind === "csat") return csatResult(ev);
  if (ev.kind === "nps_request") return npsBlock(ev, text);
  if (ev.kind === "nps") return npsResult(ev);
  if (ev.kind === "state" || ev.sender === "system") {
    if (!text) return null;
    var notice = el("div", {
      className: "kefu-notice",
      "data-testid": "kefu-notice",
      "data-state": payload.state || null,
      text: text,
    });
    if (payload.state === "callback" && !payload.contact_saved) {
      return el("div", { className: "kefu-stack", "data-seq": String(ev.seq) }, [notice, callbackForm()]);
    }
    notice.setAttribute("data-seq", String(ev.seq));
    return notice;
  }
  var sender = ev.sender === "agent" ? "agent" : ev.sender === "shopper" ? "shopper" : "bot";
  if (sender === "shopper" && payload.attachment) {
    // #19: a photo the shopper sent
    row = el("div", { className: "kefu-row", "data-testid": "kefu-message", "data-sender": "shopper", "data-status": "sent" });
    var mine = photoNode(payload.attachment);
    if (mine) row.appendChild(mine);
    if (text) row.appendChild(el("div", { className: "kefu-bubble", text: text }));
    row.appendChild(el("div", { className: "kefu-meta" }));
  } else if (sender === "shopper") {
    row = shopperRow(text, ev.client_id);
    row.setAttribute("data-status", "sent");
  } else {
    row = el("div", {
      className: "kefu-row",
      "data-testid": "kefu-message",
      "data-sender": sender,
      "data-agent": sender === "agent" ? payload.agent_name || null : null,
    });
    row.appendChild(
      el("div", { className: "kefu-who", text: sender === "agent" ? payload.agent_name || t("agentFallback") : t("botName") })
    );
    if (text) row.appendChild(el("div", { className: "kefu-bubble", text: text }));
    // an agent's card is the payload's; the bot's comes in its custom payload (#19: product recommendations)
    var cardData = payload.card || (payload.custom && typeof payload.custom === "object" ? payload.custom.card : null);
    var card = cardData && typeof cardData === "object" ? renderCard(cardData) : null;
    if (card) row.appendChild(card);
    var photo = payload.attachment ? photoNode(payload.attachment) : null;
    if (photo) row.appendChild(photo);
    var img = safeImageUrl(payload.image);
    if (img) row.appendChild(el("img", { className: "kefu-img", src: img, alt: t("image"), loading: "lazy", referrerpolicy: "no-referrer" }));
    if (Array.isArray(payload.buttons) && payload.buttons.length) {
      var group = el("div", { className: "kefu-buttons", "data-testid": "kefu-buttons", role: "group" });
      payload.buttons.forEach(function (b) {
        if (!b || typeof b !== "object") return;
        var title = String(b.title || b.payload || "");
        var value = String(b.payload || b.title || "");
        if (!title || !value) return;
        state.buttonTitles[value] = title;
        group.appendChild(
          el("button", {
            className: "kefu-chip",
            type: "button",
            "data-testid": "kefu-button",
            "data-payload": value,
            text: title,
            on: {
              click: function () {
                if (state.conv.state !== "bot") return;
                group.setAttribute("data-used", "true");
                updateBotButtons();
                hooks.submit(value);
                focusInput();
              },
            },
          })
        );
      });
      if (group.children.length) row.appendChild(group);
    }
    if (!row.querySelector(".kefu-bubble, .kefu-img, .kefu-buttons, .kefu-card")) return null;
    var meta = el("div", { className: "kefu-meta" }, [el("span", { text: formatTime(ev.created_at) })]);
    if (sender === "bot" && text && !payload.holding) meta.appendChild(feedbackBar(ev.seq));
    row.appendChild(meta);
  }
  row.setAttribute("data-seq", String(ev.seq));
  row.setAttribute("data-time", formatTime(ev.created_at));
  if (sender === "shopper") renderShopperMeta(row);
  return row;
}
