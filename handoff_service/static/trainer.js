/*
 * kefu trainer's page (served at /trainer): the review inbox, knowledge gaps and retraining.
 * An ES module, no build step. Texts: trainer-texts.js. API: /api/trainer/… (trainer accounts only).
 * Helpers shared with the agent console (storage, texts, DOM, API, toast, login): desk-common.js.
 *
 * Stable test hooks (data-testid; the same value is the element id unless marked "(many)"):
 *   login-view, login-form, login-username, login-password, login-submit, login-error, login-lang
 *   app-view, trainer-name, lang-toggle (data-lang), logout
 *   tab-inbox (with inbox-count), tab-gaps, tab-retrain (with retrain-dot), inbox-view, gaps-view, retrain-view
 *   inbox-lang (<select> "" | zh | en), inbox-refresh, inbox-summary, inbox-groups, inbox-empty
 *   inbox-group (many)  one group of similar messages: data-group-id, data-state=open|labelled|dismissed|error
 *     group-size, group-lang, group-reason (many, data-reason), group-text (many), group-intent (many, data-intent),
 *     group-label, group-new-intent, group-knowledge, group-dismiss (the actions; aria-expanded),
 *     group-label-form: group-intent-select, group-text-choice (many checkboxes), group-label-submit
 *     group-new-intent-form: group-new-intent-name, group-new-intent-submit
 *     group-knowledge-form: group-kb-category, group-kb-questions-zh, group-kb-questions-en,
 *                           group-kb-answer-zh, group-kb-answer-en, group-kb-submit
 *     group-form-error (a form's validation or server message), group-cancel
 *     group-result (data-status=written|dismissed|error), group-written (many, data-file, data-line)
 *   gaps-refresh, gaps-groups, gaps-empty, gap-group (many, data-group-id) with the same knowledge form
 *   retrain-start, retrain-run, retrain-status (data-status=training|evaluating|ready|needs_confirmation|
 *     switched|failed), retrain-elapsed, retrain-progress (role=log), retrain-step (many, data-step), retrain-error
 *   retrain-report, report-overall, report-metric (many, data-metric=accuracy|macro_f1, data-direction=up|down|same),
 *     report-models, report-fixed, report-still-wrong, report-broken, report-message (many, data-outcome),
 *     report-still-right, report-intents, report-intent (many, data-intent, data-changed, data-direction),
 *     report-worse, retrain-switch, retrain-switch-confirm, retrain-switch-cancel
 *   toast
 */
import * as desk from "./desk-common.js"; // what this page shares with the agent console
import { TEXT } from "./trainer-texts.js";

(function () {
  "use strict";

  var SESSION = { token: "kefu.trainer.token", agent: "kefu.trainer.agent" };
  var RUNNING = { training: true, evaluating: true, ready: true };
  var INTENT_NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/; // as kefu/nlu_files.py: verb_object

  // ------------------------------------------------------------------ texts
  var lang = desk.pickLang();
  function t(key, vars) {
    return desk.translate(TEXT, lang, key, vars);
  }
  function label(prefix, code) {
    return desk.label(TEXT, lang, prefix, code);
  }

  // ------------------------------------------------------------------ DOM helpers
  var $ = desk.$, el = desk.el, clear = desk.clear, parseTime = desk.parseTime, pad = desk.pad;
  function clock(iso) {
    var d = parseTime(iso);
    return d ? pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) : "";
  }
  function dayTime(iso) {
    return desk.dayTime(iso, lang);
  }
  function pct(value) {
    return value === null || value === undefined ? "–" : (100 * value).toFixed(1) + "%";
  }
  function score(value) {
    return value === null || value === undefined ? "–" : value.toFixed(3);
  }
  function signed(value, digits) {
    var s = value.toFixed(digits);
    return value > 0 ? "+" + s : s;
  }
  function direction(delta) {
    return delta > 0.0005 ? "up" : delta < -0.0005 ? "down" : "same";
  }
  function hasCjk(text) {
    return /[\u3400-\u9fff]/.test(text);
  }

  // ------------------------------------------------------------------ API
  var saved = desk.readSession(SESSION);
  var token = saved.token;
  var me = saved.agent;
  var api = desk.apiClient({
    token: function () {
      return token;
    },
    unauthorized: function () {
      logout(t("sessionExpired"));
    },
    networkMessage: function () {
      return t("networkError");
    },
  });
  var toast = desk.toast;

  // ------------------------------------------------------------------ state
  var view = "inbox";
  var intents = []; // [{name, examples: {zh, en}}]
  var groups = []; // inbox groups
  var inboxLoaded = false;
  var gaps = [];
  var gapsLoaded = false;
  var openForm = null; // {scope: "inbox"|"gaps", id, kind: "label"|"new"|"knowledge"}
  var results = Object.create(null); // group id → {status, written, skipped, message}
  var drafts = Object.create(null); // form field id → what the trainer typed (kept across re-renders)
  var run = null; // the retrain job shown
  var pollTimer = null;
  var tickTimer = null;
  var confirmingSwitch = false;
  var labelledSinceRetrain = false;

  // ------------------------------------------------------------------ static texts
  function applyTexts() {
    desk.applyTexts(lang, t);
    document.title = t("pageTitle");
    $("retrain-dot").setAttribute("title", t("retrainDot"));
    renderInbox();
    renderGaps();
    renderRun();
  }
  function setLang(next) {
    lang = next;
    desk.saveLang(lang);
    applyTexts();
  }

  // ------------------------------------------------------------------ login / logout
  var showLogin = desk.showLogin;
  function logout(message) {
    token = null;
    me = null;
    desk.saveSession(SESSION, null, null);
    stopPolling();
    groups = [];
    gaps = [];
    inboxLoaded = gapsLoaded = false;
    run = null;
    results = Object.create(null);
    openForm = null;
    showLogin(message);
  }
  function showApp() {
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    $("trainer-name").textContent = me ? me.display_name || me.username : "";
    showView("inbox");
    loadIntents();
    loadInbox();
    loadLatestRun();
  }

  desk.bindLogin({
    api: api,
    t: t,
    session: SESSION,
    allowed: function (agent) {
      return agent.role === "trainer";
    },
    refusedKey: "loginNotTrainer",
    loggedIn: function (res) {
      token = res.token;
      me = res.agent;
      showApp();
    },
  });
  $("logout").addEventListener("click", function () {
    // Ends the session on the server too (a copied token stops working); the form shows at once.
    if (token) api("POST", "/api/agent/logout").catch(function () {});
    logout();
  });
  desk.onLangButtons(function () {
    setLang(lang === "zh" ? "en" : "zh");
  });

  // ------------------------------------------------------------------ tabs
  var VIEWS = ["inbox", "gaps", "retrain"];
  function showView(name) {
    view = name;
    VIEWS.forEach(function (v) {
      var tab = $("tab-" + v);
      tab.setAttribute("aria-selected", String(v === name));
      tab.setAttribute("tabindex", v === name ? "0" : "-1");
      $(v + "-view").hidden = v !== name;
    });
    if (name === "gaps" && !gapsLoaded) loadGaps();
    if (name === "retrain") $("retrain-dot").hidden = true;
  }
  VIEWS.forEach(function (v, n) {
    var tab = $("tab-" + v);
    tab.addEventListener("click", function () {
      showView(v);
    });
    tab.addEventListener("keydown", function (e) {
      var step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      e.preventDefault();
      var next = VIEWS[(n + step + VIEWS.length) % VIEWS.length];
      showView(next);
      $("tab-" + next).focus();
    });
  });

  // ------------------------------------------------------------------ intents
  function loadIntents() {
    return api("GET", "/api/trainer/intents").then(
      function (res) {
        intents = res.intents || [];
        renderInbox();
      },
      function (err) {
        if (err.status !== 401) toast(err.message, "error");
      }
    );
  }
  function knownIntent(name) {
    return intents.some(function (i) {
      return i.name === name;
    });
  }

  // ------------------------------------------------------------------ inbox
  function loadInbox() {
    var langFilter = $("inbox-lang").value;
    return api("GET", "/api/trainer/inbox?status=open" + (langFilter ? "&lang=" + langFilter : "")).then(
      function (res) {
        groups = res.groups || [];
        inboxLoaded = true;
        // results of groups already handled stay until the next refresh shows the inbox as it is
        results = Object.create(null);
        openForm = openForm && openForm.scope === "inbox" && groups.some(function (g) { return g.id === openForm.id; }) ? openForm : null;
        renderInbox();
      },
      function (err) {
        if (err.status !== 401) toast(err.message, "error");
      }
    );
  }
  $("inbox-refresh").addEventListener("click", loadInbox);
  $("inbox-lang").addEventListener("change", loadInbox);

  function openCount() {
    return groups.filter(function (g) {
      return !results[g.id] || results[g.id].status === "error";
    });
  }

  function renderInbox() {
    var list = $("inbox-groups");
    clear(list);
    var open = openCount();
    var items = open.reduce(function (n, g) {
      return n + g.size;
    }, 0);
    var count = $("inbox-count");
    count.hidden = !open.length;
    count.textContent = String(items);
    var summary = inboxLoaded ? (open.length ? t("inboxSummary", { items: items, groups: open.length }) : "") : t("loading");
    $("inbox-summary").textContent = summary;
    $("inbox-summary").hidden = !summary;
    $("inbox-empty").hidden = !inboxLoaded || groups.length > 0;
    groups.forEach(function (group) {
      list.appendChild(renderGroup(group, "inbox"));
    });
  }

  function renderGroup(group, scope) {
    var result = results[group.id];
    var state = result ? result.status : "open";
    var item = el("li", {
      className: "group",
      "data-testid": scope === "inbox" ? "inbox-group" : "gap-group",
      "data-group-id": group.id,
      "data-state": state,
    });
    var head = el("div", { className: "group-head" }, [
      el("span", { className: "group-size", "data-testid": "group-size", title: t("sizeTitle", { n: group.size }) }, [t("sizeLabel", { n: group.size })]),
      el("span", { className: "pill", "data-testid": "group-lang" }, [label("lang_", group.lang)]),
    ]);
    Object.keys(group.reasons || {}).forEach(function (reason) {
      head.appendChild(
        el("span", { className: "chip", "data-testid": "group-reason", "data-reason": reason, title: label("reasonHelp_", reason) }, [
          label("reason_", reason) + (group.reasons[reason] > 1 ? " ×" + group.reasons[reason] : ""),
        ])
      );
    });
    head.appendChild(el("span", { className: "muted group-seen" }, [t("lastSeen", { when: dayTime(group.last_seen) })]));
    item.appendChild(head);

    item.appendChild(
      el(
        "ul",
        { className: "group-texts", "aria-label": t("textsLabel") },
        group.texts.map(function (text) {
          return el("li", { "data-testid": "group-text", lang: hasCjk(text) ? "zh" : "en" }, [text]);
        })
      )
    );

    if (group.top_intents && group.top_intents.length) {
      var guesses = el("p", { className: "group-intents" }, [el("span", { className: "muted" }, [t("nluGuessed")])]);
      group.top_intents.forEach(function (guess) {
        guesses.appendChild(
          el("span", { className: "guess", "data-testid": "group-intent", "data-intent": guess.name, "data-confidence": guess.confidence }, [
            el("code", { text: guess.name }),
            " " + pct(guess.confidence),
          ])
        );
      });
      item.appendChild(guesses);
    }

    if (!result || result.status === "error") item.appendChild(renderActions(group, scope));
    if (openForm && openForm.scope === scope && openForm.id === group.id && (!result || result.status === "error")) {
      item.appendChild(renderForm(group, scope, openForm.kind));
    }
    if (result) item.appendChild(renderResult(result));
    return item;
  }

  function renderActions(group, scope) {
    var formId = scope + "-form-" + group.id;
    function action(kind, testid, key, extraClass) {
      var expanded = !!(openForm && openForm.scope === scope && openForm.id === group.id && openForm.kind === kind);
      return el(
        "button",
        {
          className: "btn btn-sm " + (extraClass || "btn-secondary"),
          type: "button",
          "data-testid": testid,
          "aria-expanded": kind === "dismiss" ? null : String(expanded),
          "aria-controls": kind === "dismiss" ? null : formId,
          on: {
            click: function () {
              if (kind === "dismiss") return dismiss(group);
              openForm = expanded ? null : { scope: scope, id: group.id, kind: kind };
              rerender(scope);
              if (openForm) focusFirst(formId);
            },
          },
        },
        [t(key)]
      );
    }
    var buttons = el("div", { className: "group-actions", role: "group", "aria-label": t("actionsLabel") });
    if (scope === "inbox") {
      buttons.appendChild(action("label", "group-label", "actionLabel", "btn-primary"));
      buttons.appendChild(action("new", "group-new-intent", "actionNewIntent"));
    }
    buttons.appendChild(action("knowledge", "group-knowledge", "actionKnowledge"));
    if (scope === "inbox") buttons.appendChild(action("dismiss", "group-dismiss", "actionDismiss", "btn-quiet"));
    return buttons;
  }

  function focusFirst(formId) {
    setTimeout(function () {
      var form = $(formId);
      var first = form && form.querySelector("select, input, textarea");
      if (first) first.focus();
    }, 0);
  }

  function rerender(scope) {
    if (scope === "inbox") renderInbox();
    else renderGaps();
  }

  function field(labelKey, control, hintKey) {
    return el("label", { className: "mini-field grow" }, [el("span", { text: t(labelKey) }), control, hintKey ? el("span", { className: "hint", text: t(hintKey) }) : null]);
  }
  function draftInput(tag, id, testid, initial, props) {
    var node = el(tag, Object.assign({ id: id, "data-testid": testid }, props || {}));
    node.value = drafts[id] !== undefined ? drafts[id] : initial || "";
    node.addEventListener("input", function () {
      drafts[id] = node.value;
    });
    return node;
  }

  function renderForm(group, scope, kind) {
    var formId = scope + "-form-" + group.id;
    var prefix = formId + "-";
    var error = el("div", { className: "form-error", "data-testid": "group-form-error", role: "alert", hidden: true });
    var submit = el("button", { className: "btn btn-primary btn-sm", type: "submit" });
    var cancel = el("button", {
      className: "btn btn-quiet btn-sm",
      type: "button",
      "data-testid": "group-cancel",
      text: t("cancel"),
      on: {
        click: function () {
          openForm = null;
          rerender(scope);
        },
      },
    });
    var form = el("form", { className: "group-form", id: formId, novalidate: true });
    function fail(message) {
      error.textContent = message;
      error.hidden = false;
    }
    function busy(on) {
      submit.disabled = on;
    }

    if (kind === "label") {
      form.setAttribute("data-testid", "group-label-form");
      var top = (group.top_intents || []).filter(function (g) {
        return knownIntent(g.name);
      })[0];
      var select = el("select", { id: prefix + "intent", "data-testid": "group-intent-select" });
      intents.forEach(function (intent) {
        var examples = (intent.examples && (intent.examples.zh || 0) + (intent.examples.en || 0)) || 0;
        select.appendChild(el("option", { value: intent.name, text: intent.name + " (" + t("examplesCount", { n: examples }) + ")" }));
      });
      if (drafts[prefix + "intent"]) select.value = drafts[prefix + "intent"];
      else if (top) select.value = top.name;
      select.addEventListener("change", function () {
        drafts[prefix + "intent"] = select.value;
      });
      var choices = el("fieldset", { className: "mini-field grow choices" }, [el("legend", { text: t("chooseTexts") })]);
      group.texts.forEach(function (text, n) {
        choices.appendChild(
          el("label", { className: "choice" }, [el("input", { type: "checkbox", value: text, checked: true, "data-testid": "group-text-choice", id: prefix + "text-" + n }), " ", text])
        );
      });
      form.appendChild(el("div", { className: "panel-row" }, [field("intentLabel", select, "intentHint"), choices]));
      submit.setAttribute("data-testid", "group-label-submit");
      submit.textContent = t("labelSubmit");
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var chosen = Array.prototype.filter
          .call(form.querySelectorAll('input[type="checkbox"]'), function (c) {
            return c.checked;
          })
          .map(function (c) {
            return c.value;
          });
        if (!select.value) return fail(t("chooseIntent"));
        if (!chosen.length) return fail(t("chooseOneText"));
        busy(true);
        label_(group, { kind: "intent", intent: select.value, texts: chosen.length === group.texts.length ? null : chosen }).catch(function (err) {
          busy(false);
          fail(err.message);
        });
      });
    } else if (kind === "new") {
      form.setAttribute("data-testid", "group-new-intent-form");
      var name = draftInput("input", prefix + "name", "group-new-intent-name", "", {
        autocomplete: "off",
        spellcheck: "false",
        maxlength: "64",
        placeholder: "ask_gift_wrap",
        "aria-describedby": prefix + "name-hint",
      });
      form.appendChild(
        el("div", { className: "panel-row" }, [
          el("label", { className: "mini-field grow" }, [
            el("span", { text: t("newIntentLabel") }),
            name,
            el("span", { className: "hint", id: prefix + "name-hint", text: t("newIntentHint") }),
          ]),
        ])
      );
      submit.setAttribute("data-testid", "group-new-intent-submit");
      submit.textContent = t("newIntentSubmit");
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var value = name.value.trim();
        if (value.length > 64 || !INTENT_NAME.test(value)) return fail(t("newIntentInvalid"));
        if (knownIntent(value)) return fail(t("newIntentExists", { name: value }));
        busy(true);
        label_(group, { kind: "new_intent", intent: value }).then(loadIntents, function (err) {
          busy(false);
          fail(err.message);
        });
      });
    } else {
      form.setAttribute("data-testid", "group-knowledge-form");
      var zhTexts = group.texts.filter(hasCjk);
      var enTexts = group.texts.filter(function (x) {
        return !hasCjk(x);
      });
      var category = draftInput("input", prefix + "category", "group-kb-category", "", { maxlength: "64", autocomplete: "off", placeholder: t("categoryPlaceholder") });
      var qZh = draftInput("textarea", prefix + "q-zh", "group-kb-questions-zh", zhTexts.join("\n"), { rows: "3" });
      var qEn = draftInput("textarea", prefix + "q-en", "group-kb-questions-en", enTexts.join("\n"), { rows: "3" });
      var aZh = draftInput("textarea", prefix + "a-zh", "group-kb-answer-zh", "", { rows: "3", maxlength: "2000" });
      var aEn = draftInput("textarea", prefix + "a-en", "group-kb-answer-en", "", { rows: "3", maxlength: "2000" });
      form.appendChild(el("div", { className: "panel-row" }, [field("categoryLabel", category, "categoryHint")]));
      form.appendChild(el("div", { className: "kb-grid" }, [field("questionsZh", qZh, "questionsHint"), field("questionsEn", qEn, "questionsHint"), field("answerZh", aZh), field("answerEn", aEn)]));
      submit.setAttribute("data-testid", "group-kb-submit");
      submit.textContent = t("knowledgeSubmit");
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        function lines(node) {
          return node.value
            .split("\n")
            .map(function (s) {
              return s.trim();
            })
            .filter(Boolean);
        }
        var questions = { zh: lines(qZh), en: lines(qEn) };
        var answer = {};
        if (aZh.value.trim()) answer.zh = aZh.value.trim();
        if (aEn.value.trim()) answer.en = aEn.value.trim();
        if (!category.value.trim()) return fail(t("categoryMissing"));
        if (!questions.zh.length && !questions.en.length) return fail(t("questionsMissing"));
        if (!answer.zh || !answer.en) return fail(t("answerMissing"));
        busy(true);
        api("POST", "/api/trainer/inbox/" + encodeURIComponent(group.id) + "/knowledge", { category: category.value.trim(), questions: questions, answer: answer }).then(
          function (res) {
            results[group.id] = { status: "written", knowledge: res };
            openForm = null;
            labelledSinceRetrain = true;
            rerender(scope);
          },
          function (err) {
            busy(false);
            fail(err.message);
          }
        );
      });
    }
    form.appendChild(error);
    form.appendChild(el("div", { className: "panel-buttons" }, [submit, cancel]));
    return form;
  }

  function label_(group, body) {
    return api("POST", "/api/trainer/inbox/" + encodeURIComponent(group.id) + "/label", body).then(function (res) {
      var written = res.written || [];
      results[group.id] = { status: written.length || !(res.skipped || []).length ? "written" : "error", written: written, skipped: res.skipped || [], intent: body.intent };
      if (written.length) labelledSinceRetrain = true;
      openForm = null;
      renderInbox();
      return res;
    });
  }

  function dismiss(group) {
    api("POST", "/api/trainer/inbox/" + encodeURIComponent(group.id) + "/dismiss").then(
      function () {
        results[group.id] = { status: "dismissed" };
        if (openForm && openForm.id === group.id) openForm = null;
        renderInbox();
      },
      function (err) {
        toast(err.message, "error");
      }
    );
  }

  function renderResult(result) {
    var box = el("div", { className: "group-result", "data-testid": "group-result", "data-status": result.status, role: "status" });
    if (result.status === "dismissed") {
      box.appendChild(el("p", { text: t("dismissed") }));
      return box;
    }
    if (result.knowledge) {
      box.appendChild(el("p", { text: t("knowledgeWritten", { id: result.knowledge.entry_id }) }));
      box.appendChild(el("p", {}, [el("code", { "data-testid": "group-written", "data-file": result.knowledge.file, text: result.knowledge.file })]));
      box.appendChild(el("p", { className: "muted", text: t("retrainToApply") }));
      return box;
    }
    if (result.written && result.written.length) {
      box.appendChild(el("p", { text: t("labelWritten", { n: result.written.length, intent: result.intent }) }));
      box.appendChild(
        el(
          "ul",
          { className: "written" },
          result.written.map(function (w) {
            return el("li", { "data-testid": "group-written", "data-file": w.file, "data-line": w.line }, [el("code", { text: w.file + ":" + w.line }), " ", w.text]);
          })
        )
      );
    }
    if (result.skipped && result.skipped.length) {
      box.appendChild(
        el(
          "ul",
          { className: "skipped" },
          result.skipped.map(function (s) {
            return el("li", { "data-testid": "group-skipped", "data-code": s.code || "" }, [el("b", { text: s.text }), " — " + (label("skip_", s.code) || s.reason)]);
          })
        )
      );
    }
    if (result.written && result.written.length) box.appendChild(el("p", { className: "muted", text: t("retrainToApply") }));
    return box;
  }

  // ------------------------------------------------------------------ knowledge gaps
  function loadGaps() {
    return api("GET", "/api/trainer/gaps").then(
      function (res) {
        gaps = res.groups || [];
        gapsLoaded = true;
        renderGaps();
      },
      function (err) {
        if (err.status !== 401) toast(err.message, "error");
      }
    );
  }
  $("gaps-refresh").addEventListener("click", loadGaps);
  function renderGaps() {
    var list = $("gaps-groups");
    clear(list);
    $("gaps-empty").hidden = !gapsLoaded || gaps.length > 0;
    gaps.forEach(function (group) {
      list.appendChild(renderGroup(group, "gaps"));
    });
  }

  // ------------------------------------------------------------------ retrain
  function loadLatestRun() {
    return api("GET", "/api/trainer/retrain").then(
      function (res) {
        run = res.latest;
        renderRun();
        if (run && RUNNING[run.status]) startPolling();
      },
      function () {}
    );
  }
  $("retrain-start").addEventListener("click", function () {
    var btn = $("retrain-start");
    btn.disabled = true;
    confirmingSwitch = false;
    api("POST", "/api/trainer/retrain").then(
      function (res) {
        run = res;
        labelledSinceRetrain = false;
        renderRun();
        startPolling();
        $("retrain-progress").focus();
      },
      function (err) {
        toast(err.message, "error");
        loadLatestRun();
      }
    );
  });

  function startPolling() {
    stopPolling();
    pollTimer = setInterval(poll, 1000);
    tickTimer = setInterval(renderElapsed, 1000);
  }
  function stopPolling() {
    clearInterval(pollTimer);
    clearInterval(tickTimer);
    pollTimer = tickTimer = null;
  }
  var polling = false;
  function poll() {
    if (!run || polling) return;
    polling = true;
    api("GET", "/api/trainer/retrain/" + encodeURIComponent(run.id))
      .then(
        function (res) {
          run = res;
          if (!RUNNING[run.status]) {
            stopPolling();
            if (view !== "retrain") $("retrain-dot").hidden = false;
            if (run.status === "switched") loadInbox();
          }
          renderRun();
        },
        function () {}
      )
      .then(function () {
        polling = false;
      });
  }

  function renderElapsed() {
    var node = $("retrain-elapsed");
    if (!run) return;
    var started = parseTime(run.started_at);
    var ended = parseTime(run.finished_at) || (RUNNING[run.status] ? new Date() : null);
    if (!started || !ended) {
      node.textContent = "";
      return;
    }
    var seconds = Math.max(0, Math.round((ended - started) / 1000));
    node.textContent = t("elapsed", { m: Math.floor(seconds / 60), s: pad(seconds % 60) });
  }

  function stepText(step) {
    var key = "step_" + step.step;
    var text = TEXT[lang][key] !== undefined ? t(key, step.detail || {}) : step.message || step.step;
    if (step.step === "failed" && step.detail && step.detail.error) text = t("step_failed", { error: step.detail.error });
    return text;
  }

  function renderRun() {
    var running = !!(run && RUNNING[run.status]);
    var btn = $("retrain-start");
    btn.disabled = running;
    btn.textContent = running ? t("retrainRunning") : t("retrainStart");
    btn.setAttribute("aria-busy", String(running));
    $("retrain-run").hidden = !run;
    if (!run) {
      $("retrain-report").hidden = true;
      return;
    }
    var status = $("retrain-status");
    status.setAttribute("data-status", run.status);
    status.textContent = label("status_", run.status);
    renderElapsed();
    var list = $("retrain-progress");
    clear(list);
    (run.progress || []).forEach(function (step) {
      list.appendChild(el("li", { "data-testid": "retrain-step", "data-step": step.step }, [el("time", { datetime: step.at, text: clock(step.at) }), " ", stepText(step)]));
    });
    var error = $("retrain-error");
    error.hidden = !run.error;
    error.textContent = run.error ? t("failedBecause", { error: run.error }) : "";
    renderReport(run.report);
  }

  function metric(name, before, after) {
    var delta = before === null || before === undefined || after === null || after === undefined ? 0 : after - before;
    var digits = name === "accuracy" ? pct : score;
    return el("div", { className: "metric", "data-testid": "report-metric", "data-metric": name, "data-direction": direction(delta) }, [
      el("span", { className: "metric-name", text: t("metric_" + name) }),
      el("span", { className: "metric-values" }, [
        el("span", { text: digits(before) }),
        el("span", { className: "arrow", "aria-label": t("becomes"), text: " → " }),
        el("b", { text: digits(after) }),
      ]),
      el("span", {
        className: "metric-delta",
        text: direction(delta) === "same" ? t("noChange") : name === "accuracy" ? signed(100 * delta, 1) + " " + t("points") : signed(delta, 3),
      }),
    ]);
  }

  function messageRow(m) {
    return el("li", { "data-testid": "report-message", "data-outcome": m.outcome }, [
      el("span", { className: "message-text", lang: hasCjk(m.text) ? "zh" : "en", text: m.text }),
      el("span", { className: "muted small" }, [
        t("expected") + " ",
        el("code", { text: m.expected }),
        " · " + t("was") + " ",
        el("code", { text: m.before || "–" }),
        " → " + t("now") + " ",
        el("code", { text: m.after || "–" }),
        m.after_confidence !== null && m.after_confidence !== undefined ? " (" + pct(m.after_confidence) + ")" : "",
      ]),
    ]);
  }

  function renderReport(report) {
    var box = $("retrain-report");
    box.hidden = !report;
    if (!report) return;
    var worse = run.status === "needs_confirmation" || (run.status === "failed" && report.worse);
    $("report-worse").hidden = !worse;
    $("switch-confirm-wrap").hidden = !confirmingSwitch;
    $("retrain-switch").hidden = confirmingSwitch;

    var overall = $("report-overall");
    clear(overall);
    if (report.before && report.after) {
      overall.appendChild(metric("accuracy", report.before.accuracy, report.after.accuracy));
      overall.appendChild(metric("macro_f1", report.before.macro_f1, report.after.macro_f1));
      overall.appendChild(el("p", { className: "muted small", text: t("heldOutSize", { n: report.after.n }) }));
    } else {
      overall.appendChild(el("p", { className: "muted", text: t("noHeldOut") }));
    }
    var knowledge = report.knowledge || {};
    $("report-models").textContent =
      t("modelsLine", { before: report.model_before, after: report.model_after }) +
      (report.trained ? " · " + t("trainedIn", { s: Math.round(report.train_seconds || 0) }) : " · " + t("notRetrained")) +
      (knowledge.entries !== undefined ? " · " + t("knowledgeLine", { added: knowledge.added, changed: knowledge.changed, removed: knowledge.removed }) : "");

    var byOutcome = { fixed: [], still_wrong: [], broken: [], still_right: [] };
    (report.inbox || []).forEach(function (m) {
      (byOutcome[m.outcome] || []).push(m);
    });
    [
      ["report-fixed", byOutcome.fixed, "noneFixed"],
      ["report-still-wrong", byOutcome.still_wrong, "noneStillWrong"],
      ["report-broken", byOutcome.broken, null],
    ].forEach(function (entry) {
      var list = $(entry[0]);
      clear(list);
      entry[1].forEach(function (m) {
        list.appendChild(messageRow(m));
      });
      if (!entry[1].length && entry[2]) list.appendChild(el("li", { className: "muted none", text: t(entry[2]) }));
    });
    $("report-broken-col").hidden = !byOutcome.broken.length;
    $("report-still-right").textContent = byOutcome.still_right.length ? t("stillRight", { n: byOutcome.still_right.length }) : "";

    var body = $("report-intents-body");
    clear(body);
    (report.per_intent || []).forEach(function (row) {
      var dir = direction(row.delta);
      body.appendChild(
        el("tr", { "data-testid": "report-intent", "data-intent": row.intent, "data-changed": String(row.changed), "data-direction": dir }, [
          el("th", { scope: "row" }, [el("code", { text: row.intent })]),
          el("td", { text: score(row.before) }),
          el("td", { text: score(row.after) }),
          el("td", { className: "delta", text: row.changed ? signed(row.delta, 3) + (dir === "up" ? " ▲" : " ▼") : "–" }),
          el("td", { text: String(row.support) }),
        ])
      );
    });
  }

  $("retrain-switch").addEventListener("click", function () {
    confirmingSwitch = true;
    renderRun();
    $("retrain-switch-confirm").focus();
  });
  $("retrain-switch-cancel").addEventListener("click", function () {
    confirmingSwitch = false;
    renderRun();
    $("retrain-switch").focus();
  });
  $("retrain-switch-confirm").addEventListener("click", function () {
    var btn = $("retrain-switch-confirm");
    btn.disabled = true;
    api("POST", "/api/trainer/retrain/" + encodeURIComponent(run.id) + "/switch", { confirm: true }).then(
      function (res) {
        run = res;
        confirmingSwitch = false;
        btn.disabled = false;
        renderRun();
        toast(t("switched"));
      },
      function (err) {
        btn.disabled = false;
        toast(err.message, "error");
      }
    );
  });

  // ------------------------------------------------------------------ start
  applyTexts();
  if (token) {
    $("login-view").hidden = true;
    // the session is checked by the first trainer call: 401 shows the login, 403 says who this page is for
    api("GET", "/api/trainer/retrain").then(
      function () {
        showApp();
      },
      function (err) {
        if (err.status === 401) return;
        if (err.status === 403) return logout(t("loginNotTrainer"));
        showApp();
      }
    );
  } else {
    showLogin();
  }
})();
