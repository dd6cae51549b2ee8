// The satisfaction form after the agent closed the chat: 1–5 stars (a keyboard radio group) and a comment.

import { el, ICON, svg } from "./dom.js";
import { api, sessionPath } from "./http.js";
import { t } from "./language.js";
import { state } from "./state.js";

function starLabel(n) {
  return t("csatStar", { n: n }) + " · " + t("csatLabels")[n - 1];
}

/** The form for a "csat_request" event (its text is the intro). */
export function csatBlock(ev, text) {
  var score = 0;
  var intro = el("p", { className: "kefu-form-title", text: text || null });
  var stars = el("div", { className: "kefu-stars", role: "radiogroup" });
  var starLabelNode = el("div", { className: "kefu-star-label", "aria-hidden": "true" });
  var starButtons = [];
  var comment = el("textarea", { className: "kefu-field", "data-testid": "kefu-csat-comment", rows: "2", maxlength: "1000" });
  var submitBtn = el("button", { className: "kefu-primary", type: "submit", "data-testid": "kefu-csat-submit" });
  var error = el("div", { className: "kefu-form-error", "data-testid": "kefu-csat-error", role: "alert", hidden: true });
  var thanks = el("div", { className: "kefu-form-done", "data-testid": "kefu-csat-thanks", hidden: true });
  var given = el("div", { className: "kefu-csat-given", hidden: true });
  var givenStars = el("span", { className: "kefu-csat-stars", "aria-hidden": "true" });
  var givenComment = el("q", { className: "kefu-csat-comment" });
  given.appendChild(givenStars);
  given.appendChild(givenComment);
  var fields = el("div", null, [stars, starLabelNode, comment, submitBtn, error]);
  var form = el("form", { className: "kefu-form kefu-csat", "data-testid": "kefu-csat", "data-score": "0", novalidate: true }, [intro, fields, thanks, given]);
  var errorKey = null;
  var thanksKey = "csatThanks";

  function paint(hover) {
    var shown = hover || score;
    starButtons.forEach(function (b, i) {
      b.setAttribute("data-on", String(i < shown));
      b.setAttribute("aria-checked", String(i + 1 === score));
      // one tab stop for the group: the chosen star, or the first
      b.tabIndex = (score ? i + 1 === score : i === 0) ? 0 : -1;
    });
    starLabelNode.textContent = shown ? t("csatLabels")[shown - 1] : "";
  }
  function pick(n, focus) {
    score = Math.max(1, Math.min(5, n));
    form.setAttribute("data-score", String(score));
    if (errorKey === "csatPick") showError(null);
    paint();
    if (focus) starButtons[score - 1].focus();
  }
  for (var n = 1; n <= 5; n++) {
    (function (n) {
      var b = el("button", { className: "kefu-star", type: "button", role: "radio", "data-testid": "kefu-csat-star", "data-score": String(n) }, [
        svg(ICON.star, 30),
      ]);
      b.addEventListener("click", function () {
        pick(n, false);
      });
      b.addEventListener("mouseenter", function () {
        paint(n);
      });
      b.addEventListener("mouseleave", function () {
        paint();
      });
      b.addEventListener("keydown", function (e) {
        // a radio group: the arrows move the choice (from the focused star when none is chosen yet)
        if (e.key === "ArrowRight" || e.key === "ArrowUp") {
          e.preventDefault();
          pick((score || n) + 1, true);
        } else if (e.key === "ArrowLeft" || e.key === "ArrowDown") {
          e.preventDefault();
          pick((score || n) - 1, true);
        }
      });
      starButtons.push(b);
      stars.appendChild(b);
    })(n);
  }
  var label = function () {
    stars.setAttribute("aria-label", t("csatTitle"));
    starButtons.forEach(function (b, i) {
      b.setAttribute("aria-label", starLabel(i + 1));
      b.setAttribute("title", starLabel(i + 1));
    });
    comment.setAttribute("placeholder", t("csatComment"));
    comment.setAttribute("aria-label", t("csatComment"));
    submitBtn.textContent = t("csatSubmit");
    error.textContent = errorKey ? t(errorKey) : "";
    thanks.textContent = t(thanksKey);
    given.setAttribute("aria-label", score ? t("csatYour", { n: score }) : "");
    paint();
  };
  function showError(key) {
    errorKey = key;
    error.hidden = !key;
    label();
  }
  function finish(key, finalScore, finalComment) {
    thanksKey = key;
    if (finalScore) {
      score = finalScore;
      form.setAttribute("data-score", String(score));
    }
    if (typeof finalComment === "string") givenComment.textContent = finalComment;
    givenComment.hidden = !givenComment.textContent;
    givenStars.textContent = score ? "★★★★★".slice(0, score) + "☆☆☆☆☆".slice(0, 5 - score) : "";
    given.hidden = !score;
    intro.hidden = true;
    fields.hidden = true;
    thanks.hidden = false;
    form.setAttribute("data-done", "true");
    label();
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!score) return showError("csatPick");
    showError(null);
    submitBtn.disabled = true;
    var s = state.session;
    api("POST", sessionPath(s, "/csat"), { score: score, comment: comment.value.trim() }, s.token).then(
      function () {
        finish("csatThanks", score, comment.value.trim());
      },
      function (err) {
        submitBtn.disabled = false;
        if (err && err.status === 409) finish("csatAlready");
        else showError("actionFailed");
      }
    );
  });
  label();
  state.relabelHooks.push(label);
  state.csatForms.push({ finish: finish });
  return el("div", { className: "kefu-stack", "data-seq": String(ev.seq) }, [form]);
}

// the echo of a rating (also on reload): the form shows what was given, no extra row
export function csatResult(ev) {
  var score = Number(ev.payload && ev.payload.score) || 0;
  state.csatForms.forEach(function (f) {
    f.finish("csatThanks", score, typeof ev.text === "string" ? ev.text : "");
  });
  return null;
}
