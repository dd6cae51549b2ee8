// #19: photos in the console: shown inline in the transcript (fetched with my token: a plain <img src>
// could not carry it) and sent from the reply box to the shopper.

import { $, el, toast } from "../desk-common.js";
import { chatPath } from "./api.js";
import { t } from "./language.js";
import { state } from "./state.js";

const photoUrls = Object.create(null);

function loadPhoto(conversationId, id) {
  if (photoUrls[id]) return Promise.resolve(photoUrls[id]);
  return fetch(chatPath(conversationId, "/attachments/" + encodeURIComponent(id)), {
    headers: { Authorization: "Bearer " + state.token },
    cache: "no-store",
  })
    .then(function (res) {
      if (!res.ok) throw new Error(String(res.status));
      return res.blob();
    })
    .then(function (blob) {
      photoUrls[id] = URL.createObjectURL(blob);
      return photoUrls[id];
    });
}

/** The photo of a transcript event, fetched with my token (a plain <img src> could not carry it). */
export function photoNode(conversationId, attachment) {
  if (!attachment || typeof attachment.id !== "string") return null;
  var img = el("img", {
    className: "msg-photo",
    "data-testid": "transcript-photo",
    "data-attachment-id": attachment.id,
    alt: t("photo"),
    width: String(Math.min(240, attachment.width || 240)),
  });
  if (attachment.width && attachment.height) img.style.aspectRatio = attachment.width + " / " + attachment.height;
  img.addEventListener("load", function () {
    img.setAttribute("data-loaded", "true"); // decoded, not merely fetched
  });
  img.addEventListener("error", function () {
    img.alt = t("photoUnavailable");
    img.setAttribute("data-loaded", "false");
  });
  loadPhoto(conversationId, attachment.id).then(
    function (url) {
      img.src = url;
    },
    function () {
      img.alt = t("photoUnavailable");
      img.setAttribute("data-loaded", "false");
    }
  );
  var link = el("a", { href: "#", className: "msg-photo-link", title: t("photo") }, [img]);
  link.addEventListener("click", function (e) {
    e.preventDefault();
    if (img.src) window.open(img.src, "_blank", "noopener");
  });
  return link;
}

function photoError(data, status) {
  var code = data && data.error;
  if (code === "unsupported_file") return t("photoUnsupported");
  if (status === 413) return t("photoTooLarge");
  return t("photoFailed", { m: (data && data.message) || status });
}

function sendPhoto(file) {
  var id = state.selectedId;
  if (!file || !id) return;
  var btn = $("reply-photo-button");
  btn.disabled = true;
  fetch(chatPath(id, "/attachments"), {
    method: "POST",
    headers: { Authorization: "Bearer " + state.token, "Content-Type": file.type || "application/octet-stream" },
    body: file,
  })
    .then(function (res) {
      return res
        .json()
        .catch(function () {
          return null;
        })
        .then(function (data) {
          if (!res.ok) throw new Error(photoError(data, res.status));
          toast(t("photoSent"));
        });
    })
    .catch(function (err) {
      toast(err.message || t("networkError"), "error");
    })
    .then(function () {
      btn.disabled = false;
      $("reply-photo").value = "";
    });
}

export function bindPhotos() {
  $("reply-photo-button").addEventListener("click", function () {
    $("reply-photo").click();
  });
  $("reply-photo").addEventListener("change", function (e) {
    sendPhoto(e.target.files && e.target.files[0]);
  });
}
