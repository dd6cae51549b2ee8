// "How likely are you to recommend us?" 0–10 (asked at most once per customer per 90 days) and ending a chat
// with the assistant (the service may then ask for a rating).

import { el } from "./dom.js";
import { api, sessionPath } from "./http.js";
import { t } from "./language.js";
import { ui } from "./layout.js";
import { state } from "./state.js";


/** The form for an "nps_request" event (its text is the question): an 11-point radio group, a comment. */
export function npsBlock(ev, text) {
  var score = null;
  var intro = el("p", { className: "kefu-form-title", text: text || null });
  var scale = el("div", { className: "kefu-nps-scale", role: "radiogroup", "data-testid": "kefu-nps-scale" });
  var ends = el("div", { className: "kefu-nps-ends", "aria-hidden": "true" }, [el("span"), el("span")]);
  var comment = el("textarea", { className: "kefu-field", "data-testid": "kefu-nps-comment", rows: "2", maxlength: "1000" });
  var submitBtn = el("button", { className: "kefu-primary", type: "submit", "data-testid": "kefu-nps-submit" });
  var error = el("div", { className: "kefu-form-error", role: "alert", hidden: true });
  var done = el("div", { className: "kefu-form-done", "data-testid": "kefu-nps-thanks", hidden: true });
  var fields = el("div", null, [scale, ends, comment, submitBtn, error]);
  var form = el("form", { className: "kefu-form kefu-nps", "data-testid": "kefu-nps", novalidate: true }, [intro, fields, done]);
  var buttons = [];
  var errorKey = null;

  function paint() {
    buttons.forEach(function (b, i) {
      b.setAttribute("aria-checked", String(i === score));
      b.tabIndex = (score === null ? i === 0 : i === score) ? 0 : -1;
    });
  }
  function pick(n, focus) {
    score = Math.max(0, Math.min(10, n));
    if (errorKey) showError(null);
    paint();
    if (focus) buttons[score].focus();
  }
  for (var n = 0; n <= 10; n++) {
    (function (n) {
      var b = el("button", { className: "kefu-nps-point", type: "button", role: "radio", "data-testid": "kefu-nps-point", "data-score": String(n), text: String(n) });
      b.addEventListener("click", function () { pick(n, false); });
      b.addEventListener("keydown", function (e) {
        if (e.key === "ArrowRight" || e.key === "ArrowUp") { e.preventDefault(); pick((score === null ? n : score) + 1, true); }
        else if (e.key === "ArrowLeft" || e.key === "ArrowDown") { e.preventDefault(); pick((score === null ? n : score) - 1, true); }
      });
      buttons.push(b);
      scale.appendChild(b);
    })(n);
  }
  function label() {
    scale.setAttribute("aria-label", t("npsTitle"));
    ends.children[0].textContent = t("npsLow");
    ends.children[1].textContent = t("npsHigh");
    comment.setAttribute("placeholder", t("csatComment"));
    comment.setAttribute("aria-label", t("csatComment"));
    submitBtn.textContent = t("csatSubmit");
    error.textContent = errorKey ? t(errorKey) : "";
    if (!done.hidden) done.textContent = t("npsThanks", { n: score });
    paint();
  }
  function showError(key) {
    errorKey = key;
    error.hidden = !key;
    label();
  }
  function finish(finalScore) {
    if (typeof finalScore === "number") score = finalScore;
    fields.hidden = true;
    intro.hidden = true;
    done.hidden = false;
    form.setAttribute("data-done", "true");
    label();
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (score === null) return showError("npsPick");
    submitBtn.disabled = true;
    var s = state.session;
    api("POST", sessionPath(s, "/nps"), { score: score, comment: comment.value.trim() }, s.token).then(
      function () { finish(score); },
      function (err) {
        submitBtn.disabled = false;
        if (err && err.status === 409) finish(null);
        else showError("actionFailed");
      }
    );
  });
  label();
  state.relabelHooks.push(label);
  state.npsForms.push({ finish: finish });
  return el("div", { className: "kefu-stack", "data-seq": String(ev.seq) }, [form]);
}

/** The echo of an answer (also on reload): the form shows it, no extra row. */
export function npsResult(ev) {
  var score = Number(ev.payload && ev.payload.score);
  state.npsForms.forEach(function (f) { f.finish(isNaN(score) ? null : score); });
  return null;
}

/** The header's "end chat": only while the assistant answers; the closing event follows over the transport. */
export function endChat() {
  var s = state.session;
  if (!s || state.conv.state !== "bot") return;
  ui.endBtn.disabled = true;
  api("POST", sessionPath(s, "/end"), null, s.token).then(
    function () {},
    function () {
      ui.hint.textContent = t("actionFailed");
      ui.hint.hidden = false;
    }
  ).finally(function () { ui.endBtn.disabled = false; });
}

export function renderEndButton() {
  ui.endBtn.hidden = !(state.session && state.conv.state === "bot");
  ui.endBtn.textContent = t("endChat");
  ui.endBtn.setAttribute("aria-label", t("endChatAria"));
}
