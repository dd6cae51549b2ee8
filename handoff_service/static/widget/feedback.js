// Thumbs up/down under a bot answer: "down" sends the shopper's question to the trainers' review inbox.

import { el, ICON, svg } from "./dom.js";
import { api, sessionPath } from "./http.js";
import { t } from "./language.js";
import { state } from "./state.js";

/** The bar for the bot answer with this seq (in its meta line). */
export function feedbackBar(seq) {
  var bar = el("span", { className: "kefu-feedback", "data-testid": "kefu-feedback", role: "group", "data-seq": String(seq) });
  var up = el("button", { type: "button", className: "kefu-fb", "data-testid": "kefu-feedback-up" }, [svg(ICON.thumb, 14)]);
  var down = el("button", { type: "button", className: "kefu-fb kefu-fb-down", "data-testid": "kefu-feedback-down" }, [svg(ICON.thumb, 14)]);
  var note = el("span", { "data-testid": "kefu-feedback-thanks", role: "status", hidden: true });
  function label() {
    bar.setAttribute("aria-label", t("feedbackLabel"));
    up.setAttribute("aria-label", t("feedbackUp"));
    up.title = t("feedbackUp");
    down.setAttribute("aria-label", t("feedbackDown"));
    down.title = t("feedbackDown");
    note.textContent = bar.getAttribute("data-failed") ? t("actionFailed") : t("feedbackThanks");
  }
  function send(helpful, button) {
    var s = state.session;
    if (!s || up.disabled) return;
    up.disabled = down.disabled = true;
    button.setAttribute("aria-pressed", "true");
    bar.removeAttribute("data-failed");
    var path = sessionPath(s, "/events/") + encodeURIComponent(seq) + "/feedback";
    api("POST", path, { helpful: helpful }, s.token).then(
      function () {
        bar.setAttribute("data-done", "true");
        label();
        note.hidden = false;
      },
      function () {
        up.disabled = down.disabled = false;
        button.removeAttribute("aria-pressed");
        bar.setAttribute("data-failed", "true");
        label();
        note.hidden = false;
      }
    );
  }
  up.addEventListener("click", function () {
    send(true, up);
  });
  down.addEventListener("click", function () {
    send(false, down);
  });
  bar.appendChild(up);
  bar.appendChild(down);
  bar.appendChild(note);
  label();
  state.relabelHooks.push(label);
  return bar;
}
