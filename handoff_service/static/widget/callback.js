// The contact form offered when nobody could answer in time: the shopper leaves a phone number or e-mail for a callback.

import { el } from "./dom.js";
import { hooks } from "./hooks.js";
import { api, sessionPath } from "./http.js";
import { t } from "./language.js";
import { state } from "./state.js";

/** A new contact form (shown under the "callback" notice). */
export function callbackForm() {
  var id = "kefu-cb-" + Math.random().toString(36).slice(2, 8);
  var title = el("p", { className: "kefu-form-title" });
  var lbl = el("label", { for: id });
  var input = el("input", {
    className: "kefu-field",
    id: id,
    "data-testid": "kefu-callback-input",
    type: "text",
    inputmode: "email",
    autocomplete: "tel",
    maxlength: "128",
  });
  var submitBtn = el("button", { className: "kefu-primary", type: "submit", "data-testid": "kefu-callback-submit" });
  var error = el("div", { className: "kefu-form-error", "data-testid": "kefu-callback-error", role: "alert", hidden: true });
  var fields = el("div", null, [lbl, el("div", { className: "kefu-form-row" }, [input, submitBtn]), error]);
  var form = el("form", { className: "kefu-form", "data-testid": "kefu-callback", novalidate: true }, [title, fields]);
  var errorKey = null;
  var label = function () {
    title.textContent = t("callbackFormTitle");
    lbl.textContent = t("callbackLabel");
    input.setAttribute("placeholder", t("callbackPlaceholder"));
    submitBtn.textContent = t("callbackSubmit");
    error.textContent = errorKey ? t(errorKey) : "";
  };
  var showError = function (key) {
    errorKey = key;
    error.hidden = !key;
    label();
  };
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var contact = input.value.trim();
    var digits = contact.replace(/\D/g, "");
    var isEmail = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(contact);
    var isPhone = /^[+\d][\d\s()\-]*$/.test(contact) && digits.length >= 6 && digits.length <= 20;
    if (!isEmail && !isPhone) return showError("callbackInvalid");
    showError(null);
    submitBtn.disabled = true;
    var s = state.session;
    api("POST", sessionPath(s, "/callback"), { contact: contact }, s.token).then(
      function (res) {
        if (res && res.event) hooks.addEvent(res.event, true);
      },
      function (err) {
        submitBtn.disabled = false;
        showError(err && err.status === 400 ? "callbackInvalid" : "actionFailed");
      }
    );
  });
  label();
  state.relabelHooks.push(label);
  var entry = { form: form };
  state.callbackForms.push(entry);
  return form;
}

/** Hides the forms once the contact is saved or an agent took the chat first. */
export function updateForms() {
  state.callbackForms.forEach(function (f) {
    var saved = state.conv.contactSaved;
    f.form.setAttribute("data-done", String(saved));
    // sent (the service confirms it in the chat), or an agent took the chat first: nothing to do
    f.form.hidden = saved || state.conv.state !== "callback";
  });
}
