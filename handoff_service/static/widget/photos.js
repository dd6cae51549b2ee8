// #19: the shopper sends a photo (the camera on phones) and sees the chat's photos, fetched with the chat's token.

import { config } from "./config.js";
import { addEvent } from "./events.js";
import { el } from "./dom.js";
import { sessionPath } from "./http.js";
import { t } from "./language.js";
import { ui } from "./layout.js";
import { ensureSession } from "./session.js";
import { state } from "./state.js";

const urls = Object.create(null); // attachment id -> object URL

function showHint(text) {
  ui.hint.textContent = text;
  ui.hint.hidden = false;
}

/** The photo of an event: an <img> filled once the bytes arrive (a plain src could not carry the token). */
export function photoNode(attachment) {
  if (!attachment || typeof attachment.id !== "string" || !/^[0-9a-f]{32}$/.test(attachment.id)) return null;
  var img = el("img", { className: "kefu-img kefu-photo", "data-testid": "kefu-photo", "data-attachment-id": attachment.id, alt: t("image") });
  if (attachment.width && attachment.height) img.style.aspectRatio = attachment.width + " / " + attachment.height;
  var s = state.session;
  // "loaded" once the picture is really decoded, not merely fetched
  img.addEventListener("load", function () {
    img.setAttribute("data-loaded", "true");
  });
  img.addEventListener("error", function () {
    img.alt = t("photoUnavailable");
    img.setAttribute("data-loaded", "false");
  });
  if (urls[attachment.id]) {
    img.src = urls[attachment.id];
  } else if (s) {
    fetch(config.base + sessionPath(s, "/attachments/" + attachment.id), {
      headers: { Authorization: "Bearer " + s.token },
      credentials: "omit",
      cache: "no-store",
    })
      .then(function (res) {
        if (!res.ok) throw new Error(String(res.status));
        return res.blob();
      })
      .then(function (blob) {
        urls[attachment.id] = URL.createObjectURL(blob);
        img.src = urls[attachment.id];
      })
      .catch(function () {
        img.alt = t("photoUnavailable");
        img.setAttribute("data-loaded", "false");
      });
  }
  return img;
}

function refusal(res, data) {
  if (data && data.error === "unsupported_file") return t("photoUnsupported");
  if (res.status === 413) return t("photoTooLarge");
  if (res.status === 429) return t("rateLimited", { seconds: (data && data.retry_after) || 1 });
  if (res.status === 409) return t("photoEnded");
  return t("actionFailed");
}

/** Sends the chosen file as it is: the service checks it is a photo and strips its location. */
export function sendPhoto(file) {
  if (!file) return;
  if (file.size > config.photoMaxBytes) return showHint(t("photoTooLarge"));
  ui.hint.hidden = true;
  ui.attach.disabled = true;
  ui.attach.setAttribute("data-busy", "true");
  ensureSession()
    .then(function (s) {
      return fetch(config.base + sessionPath(s, "/attachments"), {
        method: "POST",
        headers: { Authorization: "Bearer " + s.token, "Content-Type": file.type || "application/octet-stream" },
        body: file,
        credentials: "omit",
      });
    })
    .then(function (res) {
      return res
        .json()
        .catch(function () {
          return null;
        })
        .then(function (data) {
          if (!res.ok) return showHint(refusal(res, data));
          if (data && data.event) addEvent(data.event, true);
        });
    })
    .catch(function () {
      showHint(t("actionFailed"));
    })
    .then(function () {
      ui.attach.disabled = false;
      ui.attach.removeAttribute("data-busy");
      ui.file.value = "";
    });
}

export function bindPhotos() {
  ui.attach.addEventListener("click", function () {
    ui.file.click();
  });
  ui.file.addEventListener("change", function () {
    sendPhoto(ui.file.files && ui.file.files[0]);
  });
}
