/*
 * kefu knowledge page (served at /knowledge): browse and edit the knowledge base, try a question,
 * proposals from agents' answers, coverage, import and export. An ES module, no build step.
 * Texts: knowledge-texts.js. API: /api/knowledge/… (trainers, supervisors, admins).
 * Every text from the server is put in the page with textContent: an answer with HTML shows as text.
 *
 * Stable test hooks (data-testid): tab-entries, tab-proposals, tab-coverage, tab-transfer,
 *   kb-search, kb-category, kb-validity, kb-new, kb-count, kb-list, kb-row (many, data-id, data-validity),
 *   kb-editor, kb-title, kb-validity-pill, kb-where, kb-conflict, kb-reload, kb-form-error,
 *   f-id, f-category, f-questions-zh, f-questions-en, f-answer-zh, f-answer-en, f-valid-from, f-valid-until,
 *   f-variables, f-related, f-tags, f-image, kb-image-preview, kb-image-upload, kb-image-file, kb-image-remove, field-error (many, data-error = the field), kb-save, kb-undo,
 *   kb-archive, kb-restore, kb-dirty, kb-history, history-row (many, data-action),
 *   try-text, try-lang, try-submit, try-now, try-draft (each with try-decision[data-decision], try-hit (many, data-id), try-image),
 *   proposals, proposal (many, data-item, data-kind), proposal-phrasing, proposal-edit, proposal-dismiss, proposals-empty,
 *   coverage-table, coverage-row (many, data-id),
 *   import-file, import-dry, import-apply, import-summary, import-error, import-row (many, data-status, data-row), export-csv, export-xlsx
 */
import * as desk from "./desk-common.js";
import { TEXT } from "./knowledge-texts.js";

(function () {
  "use strict";

  var SESSION = { token: "kefu.knowledge.token", agent: "kefu.knowledge.agent" };
  var EDITORS = { trainer: true, supervisor: true, admin: true };
  // A field's name as the page labels it (import reasons name fields by their API key).
  var FIELD_LABELS = {
    id: "fieldId", category: "category", questions: "questionsZh", "questions.zh": "questionsZh", "questions.en": "questionsEn",
    "answer.zh": "answerZh", "answer.en": "answerEn", valid_from: "validFrom", valid_until: "validUntil",
    variables: "variables", related: "related", tags: "tags", image: "imageField",
  };
  var FIELDS = ["id", "category", "questions.zh", "questions.en", "answer.zh", "answer.en", "valid_from", "valid_until", "variables", "related", "tags", "image"];

  var lang = desk.pickLang();
  function t(key, vars) {
    return desk.translate(TEXT, lang, key, vars);
  }
  var $ = desk.$, el = desk.el, clear = desk.clear;

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
  var view = "entries";
  var entries = []; // the list as last loaded
  var total = 0;
  var current = null; // the entry open in the editor (as the server sent it), or null for a new one
  var editing = false; // the editor is shown
  var proposalFor = null; // the proposal a new entry is being made from
  var fieldErrors = {}; // field → code
  var proposals = [];
  var importRows = null;
  var lastTry = null;
  var searchTimer = null;

  // ------------------------------------------------------------------ texts
  function applyTexts() {
    desk.applyTexts(lang, t);
    document.title = t("pageTitle");
    var nodes = document.querySelectorAll("[data-i18n-placeholder]");
    for (var i = 0; i < nodes.length; i++) nodes[i].setAttribute("placeholder", t(nodes[i].getAttribute("data-i18n-placeholder")));
    renderList();
    renderEditorHead();
    renderErrors();
    renderTry();
    renderProposals();
    renderImport();
  }
  desk.onLangButtons(function () {
    lang = lang === "zh" ? "en" : "zh";
    desk.saveLang(lang);
    applyTexts();
    if (view === "coverage") loadCoverage();
  });

  // ------------------------------------------------------------------ login
  function logout(message) {
    token = null;
    me = null;
    desk.saveSession(SESSION, null, null);
    desk.showLogin(message);
  }
  function showApp() {
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    $("me").textContent = me ? me.display_name || me.username : "";
    $("to-trainer").hidden = !(me && me.role === "trainer");
    showView("entries");
    loadEntries();
    loadProposals();
  }
  desk.bindLogin({
    api: api,
    t: t,
    session: SESSION,
    allowed: function (agent) {
      return !!EDITORS[agent.role];
    },
    refusedKey: "loginNotEditor",
    loggedIn: function (res) {
      token = res.token;
      me = res.agent;
      showApp();
    },
  });
  $("logout").addEventListener("click", function () {
    if (token) api("POST", "/api/agent/logout").catch(function () {});
    logout();
  });

  // ------------------------------------------------------------------ tabs
  var VIEWS = ["entries", "proposals", "coverage", "transfer"];
  function showView(name) {
    view = name;
    VIEWS.forEach(function (v) {
      var tab = $("tab-" + v);
      tab.setAttribute("aria-selected", String(v === name));
      tab.setAttribute("tabindex", v === name ? "0" : "-1");
      $(v + "-view").hidden = v !== name;
    });
    if (name === "proposals") loadProposals();
    if (name === "coverage") loadCoverage();
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

  function failed(err) {
    if (err.code === "knowledge_unreadable") toast(t("unreadable", { message: err.message }), "error");
    else toast(err.message || t("networkError"), "error");
  }

  // ------------------------------------------------------------------ the list
  function loadEntries() {
    var params = new URLSearchParams({ q: $("kb-search").value.trim(), category: $("kb-category").value, validity: $("kb-validity").value });
    return api("GET", "/api/knowledge/entries?" + params.toString())
      .then(function (res) {
        entries = res.entries;
        total = res.total;
        fillCategories(res.categories);
        renderList();
      })
      .catch(failed);
  }
  function fillCategories(categories) {
    var select = $("kb-category");
    var chosen = select.value;
    while (select.options.length > 1) select.remove(1);
    var list = $("category-options");
    clear(list);
    categories.forEach(function (c) {
      select.appendChild(el("option", { value: c, text: c }));
      list.appendChild(el("option", { value: c }));
    });
    select.value = chosen;
  }
  function renderList() {
    var ul = $("kb-list");
    clear(ul);
    $("kb-count").textContent = t("count", { shown: entries.length, total: total });
    var ids = $("entry-options");
    clear(ids);
    entries.forEach(function (e) {
      ids.appendChild(el("option", { value: e.id }));
      var first = (e.questions[lang] && e.questions[lang][0]) || e.questions.zh[0] || e.questions.en[0] || "";
      var selected = current && current.id === e.id;
      ul.appendChild(
        el("li", {}, [
          el(
            "button",
            {
              type: "button", className: "kb-row", "data-testid": "kb-row", "data-id": e.id, "data-validity": e.validity,
              "aria-current": selected ? "true" : null,
              on: { click: function () { openEntry(e.id); } },
            },
            [
              el("span", { className: "kb-row-top" }, [
                el("code", { text: e.id }),
                el("span", { className: "pill", "data-validity": e.validity, text: t("validity_" + e.validity) }),
              ]),
              el("span", { className: "kb-row-q", text: first }),
              el("span", { className: "kb-row-a muted", text: e.answer[lang] || e.answer.zh }),
            ]
          ),
        ])
      );
    });
  }
  $("kb-search").addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(loadEntries, 200);
  });
  $("kb-category").addEventListener("change", loadEntries);
  $("kb-validity").addEventListener("change", loadEntries);
  $("kb-new").addEventListener("click", function () {
    proposalFor = null;
    startEditor(null, { id: "", category: $("kb-category").value, questions: { zh: [], en: [] }, answer: { zh: "", en: "" } });
  });

  // ------------------------------------------------------------------ the editor
  function openEntry(id) {
    proposalFor = null;
    return api("GET", "/api/knowledge/entries/" + encodeURIComponent(id))
      .then(function (entry) {
        startEditor(entry, entry);
      })
      .catch(failed);
  }
  function lines(list) {
    return (list || []).join("\n");
  }
  function startEditor(entry, form) {
    current = entry;
    editing = true;
    fieldErrors = {};
    $("kb-placeholder").hidden = true;
    $("kb-editor").hidden = false;
    $("kb-conflict").hidden = true;
    $("kb-form-error").hidden = true;
    $("f-id").value = form.id || "";
    $("f-id").readOnly = !!entry;
    $("f-category").value = form.category || "";
    $("f-questions-zh").value = lines(form.questions && form.questions.zh);
    $("f-questions-en").value = lines(form.questions && form.questions.en);
    $("f-answer-zh").value = (form.answer && form.answer.zh) || "";
    $("f-answer-en").value = (form.answer && form.answer.en) || "";
    $("f-valid-from").value = form.valid_from || "";
    $("f-valid-until").value = form.valid_until || "";
    $("f-variables").value = (form.variables || []).join(", ");
    $("f-related").value = (form.related || []).join(", ");
    $("f-tags").value = (form.tags || []).join(", ");
    $("f-image").value = form.image || "";
    renderImage();
    renderEditorHead();
    renderErrors();
    renderHistory();
    markDirty();
    renderList();
  }
  function renderEditorHead() {
    if (!editing) return;
    $("kb-title").textContent = current ? current.id : t("newTitle");
    var pill = $("kb-validity-pill");
    pill.hidden = !current;
    if (current) {
      pill.textContent = t("validity_" + current.validity);
      pill.setAttribute("data-validity", current.validity);
      $("kb-where").textContent = t("where", { file: current.file, line: current.line });
    } else {
      $("kb-where").textContent = "";
    }
    $("kb-archive").hidden = !current || current.archived;
    $("kb-restore").hidden = !current || !current.archived;
    $("kb-undo").hidden = !current;
  }
  function renderHistory() {
    var ol = $("kb-history");
    clear(ol);
    var rows = (current && current.history) || [];
    if (!rows.length) ol.appendChild(el("li", { className: "muted", text: t("historyEmpty") }));
    rows.forEach(function (h) {
      ol.appendChild(
        el("li", { "data-testid": "history-row", "data-action": h.action }, [
          t("historyRow", { at: desk.dayTime(h.at, lang), by: h.by, action: t("action_" + h.action) }) + (h.undone ? t("undone") : ""),
        ])
      );
    });
  }
  function splitList(text, byLine) {
    return text
      .split(byLine ? /\n/ : /[,，\n]/)
      .map(function (s) {
        return s.trim();
      })
      .filter(Boolean);
  }
  function formValues() {
    return {
      id: $("f-id").value.trim(),
      category: $("f-category").value.trim(),
      questions: { zh: splitList($("f-questions-zh").value, true), en: splitList($("f-questions-en").value, true) },
      answer: { zh: $("f-answer-zh").value.trim(), en: $("f-answer-en").value.trim() },
      valid_from: $("f-valid-from").value || null,
      valid_until: $("f-valid-until").value || null,
      variables: splitList($("f-variables").value),
      related: splitList($("f-related").value),
      tags: splitList($("f-tags").value),
      image: $("f-image").value.trim() || null,
      archived: !!(current && current.archived),
    };
  }
  function isDirty() {
    if (!editing) return false;
    if (!current) return true;
    var f = formValues();
    var same = function (a, b) {
      return JSON.stringify(a || []) === JSON.stringify(b || []);
    };
    return !(
      f.category === current.category && same(f.questions.zh, current.questions.zh) && same(f.questions.en, current.questions.en) &&
      f.answer.zh === current.answer.zh && f.answer.en === current.answer.en && (f.valid_from || null) === (current.valid_from || null) &&
      (f.valid_until || null) === (current.valid_until || null) && same(f.variables, current.variables) &&
      same(f.related, current.related) && same(f.tags, current.tags) && (f.image || null) === (current.image || null)
    );
  }
  function markDirty() {
    $("kb-dirty").hidden = !(current && isDirty());
  }
  $("kb-editor").addEventListener("input", markDirty);

  function renderErrors() {
    var nodes = document.querySelectorAll("[data-error]");
    for (var i = 0; i < nodes.length; i++) {
      var field = nodes[i].getAttribute("data-error");
      var code = fieldErrors[field];
      nodes[i].hidden = !code;
      nodes[i].textContent = code ? t("err_" + code) : "";
      nodes[i].setAttribute("data-testid", "field-error");
    }
    FIELDS.forEach(function (field) {
      var input = document.querySelector('[data-field="' + field + '"]');
      if (input) input.setAttribute("aria-invalid", fieldErrors[field] ? "true" : "false");
    });
  }
  function showFieldErrors(err) {
    fieldErrors = {};
    var fields = (err.data && err.data.fields) || {};
    Object.keys(fields).forEach(function (k) {
      fieldErrors[k] = fields[k].code;
    });
    renderErrors();
    $("kb-form-error").textContent = t("fixFields");
    $("kb-form-error").hidden = false;
    $("kb-form-error").scrollIntoView({ block: "nearest" });
    var first = FIELDS.filter(function (f) {
      return fieldErrors[f];
    })[0];
    var input = first && document.querySelector('[data-field="' + first + '"]');
    if (input) input.focus();
  }
  function showConflict() {
    $("kb-conflict-text").textContent = t("conflict");
    $("kb-conflict").hidden = false;
    $("kb-conflict").scrollIntoView({ block: "nearest" });
  }
  // A write's refusal: field problems next to the fields, a conflict as a banner, the rest as a toast.
  function refused(err) {
    if (err.code === "invalid_entry") return showFieldErrors(err);
    if (err.status === 409 && err.code === "edit_conflict") return showConflict();
    failed(err);
  }
  function written(res, message) {
    fieldErrors = {};
    $("kb-form-error").hidden = true;
    toast(res.indexed === false ? t("savedNotIndexed") : message, res.indexed === false ? "error" : "info");
    loadEntries();
    if (res.entry) return openEntry(res.entry.id);
    current = null;
    editing = false;
    $("kb-editor").hidden = true;
    $("kb-placeholder").hidden = false;
  }

  // The API client keeps only `message`; the page needs the body's `fields` too.
  function send(method, path, body, contentType) {
    var headers = { Accept: "application/json", "Content-Type": contentType || "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    var payload = contentType ? body : body === undefined ? undefined : JSON.stringify(body);
    return fetch(path, { method: method, headers: headers, body: payload, cache: "no-store" }).then(
      function (res) {
        return res
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            if (res.ok) return data;
            if (res.status === 401) logout(t("sessionExpired"));
            var err = new desk.ApiError(res.status, data && data.error, (data && data.message) || res.statusText);
            err.data = data;
            throw err;
          });
      },
      function () {
        throw new desk.ApiError(0, "network", t("networkError"));
      }
    );
  }

  $("kb-editor").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = formValues();
    var request;
    if (proposalFor) request = send("POST", "/api/knowledge/proposals/" + proposalFor.item_id + "/entry", { entry: form });
    else if (current) request = send("PUT", "/api/knowledge/entries/" + encodeURIComponent(current.id), { version: current.version, entry: form });
    else request = send("POST", "/api/knowledge/entries", form);
    var wasNew = !current;
    $("kb-save").disabled = true;
    request
      .then(function (res) {
        if (proposalFor) {
          proposalFor = null;
          loadProposals();
        }
        return written(res, wasNew ? t("created", { id: res.entry.id }) : t("saved"));
      })
      .catch(refused)
      .then(function () {
        $("kb-save").disabled = false;
      });
  });
  $("kb-reload").addEventListener("click", function () {
    if (current) openEntry(current.id);
  });
  $("kb-archive").addEventListener("click", function () {
    send("POST", "/api/knowledge/entries/" + encodeURIComponent(current.id) + "/archive", { version: current.version })
      .then(function (res) {
        return written(res, t("archivedToast"));
      })
      .catch(refused);
  });
  $("kb-restore").addEventListener("click", function () {
    send("POST", "/api/knowledge/entries/" + encodeURIComponent(current.id) + "/restore", { version: current.version })
      .then(function (res) {
        return written(res, t("restoredToast"));
      })
      .catch(refused);
  });
  $("kb-undo").addEventListener("click", function () {
    var id = current.id;
    send("POST", "/api/knowledge/entries/" + encodeURIComponent(id) + "/undo", {})
      .then(function (res) {
        return written(res, t("undoneToast"));
      })
      .catch(function (err) {
        if (err.status === 409 && err.code === "conflict") return toast(t("nothingToUndo"), "error");
        refused(err);
      });
  });

  // ------------------------------------------------------------------ the entry's picture
  // An upload or a removal is written at once (only the image: line changes); other unsaved edits stay in the form.
  function renderImage() {
    var value = $("f-image").value.trim();
    var preview = $("kb-image-preview");
    var shown = /^(https:\/\/|\/)[^\s<>"']+$/.test(value);
    preview.hidden = !shown;
    if (shown) preview.setAttribute("src", value);
    else preview.removeAttribute("src");
    preview.alt = shown ? t("imageField") : "";
    $("kb-image-remove").hidden = !value;
  }
  $("f-image").addEventListener("input", renderImage);
  function imageWritten(res, message) {
    delete fieldErrors.image;
    renderErrors();
    if (!isDirty()) return written(res, message);
    current.version = res.entry.version;
    current.image = res.entry.image;
    $("f-image").value = res.entry.image || "";
    renderImage();
    markDirty();
    toast(message);
  }
  function imageRefused(err) {
    if (err.status === 409 && err.code === "edit_conflict") return showConflict();
    if (["unsupported_file", "file_too_large", "too_large", "invalid_entry"].indexOf(err.code) < 0) return failed(err);
    fieldErrors.image = err.code === "invalid_entry" ? "invalid_image" : err.code;
    renderErrors();
  }
  $("kb-image-upload").addEventListener("click", function () {
    if (!current) {
      fieldErrors.image = "save_first";
      return renderErrors();
    }
    $("kb-image-file").click();
  });
  $("kb-image-file").addEventListener("change", function () {
    var file = this.files && this.files[0];
    this.value = "";
    if (!file || !current) return;
    var path = "/api/knowledge/entries/" + encodeURIComponent(current.id) + "/image?version=" + encodeURIComponent(current.version);
    $("kb-image-upload").disabled = true;
    send("POST", path, file, file.type || "application/octet-stream")
      .then(function (res) {
        return imageWritten(res, t("imageUploaded"));
      })
      .catch(imageRefused)
      .then(function () {
        $("kb-image-upload").disabled = false;
      });
  });
  $("kb-image-remove").addEventListener("click", function () {
    if (!current || !current.image) {
      $("f-image").value = "";
      renderImage();
      return markDirty();
    }
    var path = "/api/knowledge/entries/" + encodeURIComponent(current.id) + "/image?version=" + encodeURIComponent(current.version);
    send("DELETE", path)
      .then(function (res) {
        return imageWritten(res, t("imageRemoved"));
      })
      .catch(imageRefused);
  });

  // ------------------------------------------------------------------ try it
  $("try-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("try-text").value.trim();
    if (!text) return;
    var body = { text: text, lang: $("try-lang").value };
    if (editing && isDirty()) {
      body.draft = formValues();
      if (current) body.editing = current.id;
      else if (!body.draft.id) body.draft.id = "draft_entry";
    }
    send("POST", "/api/knowledge/try", body)
      .then(function (res) {
        lastTry = res;
        renderTry();
      })
      .catch(function (err) {
        if (err.code === "invalid_entry") return showFieldErrors(err);
        failed(err);
      });
  });
  function renderResult(node, titleKey, result) {
    clear(node);
    node.hidden = !result;
    if (!result) return;
    var best = result.hits[0];
    node.appendChild(el("h3", { text: t(titleKey) }));
    node.appendChild(
      el("p", { className: "kb-decision", "data-testid": "try-decision", "data-decision": result.decision }, [
        el("b", { text: t("decision_" + result.decision) }),
        " · " + t("threshold", { threshold: result.threshold }),
      ])
    );
    if (best) node.appendChild(hitNode(best, true));
    if (result.hits.length > 1) {
      node.appendChild(el("p", { className: "muted small", text: t("runnersUp") }));
      result.hits.slice(1).forEach(function (h) {
        node.appendChild(hitNode(h, false));
      });
    }
  }
  function hitNode(hit, best) {
    return el("div", { className: best ? "kb-hit kb-hit-best" : "kb-hit", "data-testid": "try-hit", "data-id": hit.id }, [
      el("span", { className: "kb-hit-top" }, [
        el("code", { text: hit.id }),
        el("span", { className: "kb-score", text: hit.score.toFixed(3) }),
      ]),
      best ? el("span", { className: "kb-hit-answer", "data-testid": "try-answer", text: hit.answer }) : null,
      best && hit.image
        ? el("img", { className: "kb-hit-image", "data-testid": "try-image", src: hit.image, alt: t("imageField"), loading: "lazy", referrerpolicy: "no-referrer" })
        : null,
    ]);
  }
  function renderTry() {
    renderResult($("try-now"), "tryNow", lastTry && lastTry.now);
    renderResult($("try-draft"), "tryDraft", lastTry && lastTry.draft);
  }

  // ------------------------------------------------------------------ proposals
  function loadProposals() {
    return api("GET", "/api/knowledge/proposals")
      .then(function (res) {
        proposals = res.proposals;
        renderProposals();
      })
      .catch(failed);
  }
  function renderProposals() {
    var ul = $("proposals");
    clear(ul);
    var count = $("proposals-count");
    count.hidden = !proposals.length;
    count.textContent = String(proposals.length);
    $("proposals-empty").hidden = proposals.length > 0;
    proposals.forEach(function (p) {
      var reasons = p.reasons.map(function (r) {
        return el("span", { className: "chip", "data-reason": r, text: t("reason_" + r) });
      });
      var actions =
        p.kind === "phrasing"
          ? [el("button", { type: "button", className: "btn btn-primary btn-sm", "data-testid": "proposal-phrasing", text: t("addPhrasing"), on: { click: function () { acceptPhrasing(p); } } })]
          : [el("button", { type: "button", className: "btn btn-primary btn-sm", "data-testid": "proposal-edit", text: t("editAndAdd"), on: { click: function () { editProposal(p); } } })];
      actions.push(el("button", { type: "button", className: "btn btn-quiet btn-sm", "data-testid": "proposal-dismiss", text: t("dismiss"), on: { click: function () { dismissProposal(p); } } }));
      ul.appendChild(
        el("li", { className: "group", "data-testid": "proposal", "data-item": p.item_id, "data-kind": p.kind }, [
          el("div", { className: "group-head" }, reasons),
          el("p", { className: "kb-said" }, [el("b", { text: t("proposalQuestion") + "：" }), p.question]),
          el("p", { className: "kb-said" }, [el("b", { text: t("proposalReply") + "：" }), p.agent_reply]),
          el("p", { className: "muted small", text: p.kind === "phrasing" ? t("proposalPhrasing", { id: p.entry_id }) : t("proposalEntry") }),
          el("div", { className: "group-actions" }, actions),
        ])
      );
    });
  }
  function acceptPhrasing(p) {
    api("GET", "/api/knowledge/entries/" + encodeURIComponent(p.entry_id))
      .then(function (entry) {
        return send("POST", "/api/knowledge/proposals/" + p.item_id + "/phrasing", {
          entry_id: p.entry_id, version: entry.version, question: p.question, lang: p.lang,
        });
      })
      .then(function () {
        toast(t("phrasingAdded", { id: p.entry_id }));
        loadProposals();
        loadEntries();
      })
      .catch(failed);
  }
  function editProposal(p) {
    proposalFor = p;
    showView("entries");
    startEditor(null, p.form);
    proposalFor = p; // startEditor is for a new entry; saving it accepts the proposal
    $("f-id").focus();
  }
  function dismissProposal(p) {
    api("POST", "/api/knowledge/proposals/" + p.item_id + "/dismiss")
      .then(function () {
        toast(t("dismissed"));
        loadProposals();
      })
      .catch(failed);
  }
  $("proposals-refresh").addEventListener("click", loadProposals);

  // ------------------------------------------------------------------ coverage
  function loadCoverage() {
    return api("GET", "/api/knowledge/coverage")
      .then(function (res) {
        var body = $("coverage-body");
        clear(body);
        res.entries.forEach(function (r) {
          body.appendChild(
            el("tr", { "data-testid": "coverage-row", "data-id": r.id, "data-never": r.answered_ever ? null : "true" }, [
              el("td", {}, [el("code", { text: r.id })]),
              el("td", { text: r.category }),
              el("td", { text: String(r.answered) }),
              el("td", { text: r.answered_ever ? String(r.answered_ever) : t("never") }),
              el("td", { className: r.thumbs_down ? "kb-bad" : null, text: String(r.thumbs_down) }),
              el("td", { className: r.escalated_after ? "kb-bad" : null, text: String(r.escalated_after) }),
              el("td", { text: r.last_answered ? desk.dayTime(r.last_answered, lang) : "–" }),
            ])
          );
        });
      })
      .catch(failed);
  }
  $("coverage-refresh").addEventListener("click", loadCoverage);

  // ------------------------------------------------------------------ import and export
  function upload(dryRun) {
    var file = $("import-file").files[0];
    var error = $("import-error");
    error.hidden = true;
    if (!file) {
      error.textContent = t("pickFile");
      error.hidden = false;
      return;
    }
    var headers = { Accept: "application/json", "Content-Type": "application/octet-stream", Authorization: "Bearer " + token };
    var url = "/api/knowledge/import?" + new URLSearchParams({ name: file.name, dry_run: String(dryRun) }).toString();
    fetch(url, { method: "POST", headers: headers, body: file })
      .then(function (res) {
        return res.json().then(function (data) {
          if (!res.ok) throw new desk.ApiError(res.status, data && data.error, (data && data.message) || res.statusText);
          return data;
        });
      })
      .then(function (res) {
        importRows = res;
        renderImport();
        $("import-apply").disabled = !dryRun ? true : res.counts.added + res.counts.changed === 0;
        if (!dryRun) {
          toast(t("importDone", res.counts));
          loadEntries();
        }
      })
      .catch(function (err) {
        error.textContent = err.message || t("networkError");
        error.hidden = false;
      });
  }
  function renderImport() {
    var table = $("import-table");
    var body = $("import-body");
    clear(body);
    table.hidden = !importRows;
    $("import-summary").textContent = importRows ? t("importCounts", importRows.counts) : "";
    if (!importRows) return;
    importRows.rows.forEach(function (r) {
      var reasons = Object.keys(r.reasons).map(function (field) {
        return (FIELD_LABELS[field] ? t(FIELD_LABELS[field]) : field) + ": " + t("err_" + r.reasons[field].code);
      });
      body.appendChild(
        el("tr", { "data-testid": "import-row", "data-status": r.status, "data-row": r.row }, [
          el("td", { text: String(r.row) }),
          el("td", {}, [el("code", { text: r.id })]),
          el("td", {}, [el("span", { className: "pill", "data-status": r.status, text: t("status_" + r.status) })]),
          el("td", { text: reasons.join("; ") }),
        ])
      );
    });
  }
  $("import-dry").addEventListener("click", function () {
    upload(true);
  });
  $("import-apply").addEventListener("click", function () {
    upload(false);
  });
  $("import-file").addEventListener("change", function () {
    importRows = null;
    $("import-apply").disabled = true;
    renderImport();
  });
  function download(format) {
    fetch("/api/knowledge/export?format=" + format, { headers: { Authorization: "Bearer " + token } })
      .then(function (res) {
        if (!res.ok) throw new desk.ApiError(res.status, "export", res.statusText);
        return res.blob();
      })
      .then(function (blob) {
        var link = el("a", { href: URL.createObjectURL(blob), download: "knowledge." + format });
        document.body.appendChild(link);
        link.click();
        link.remove();
      })
      .catch(failed);
  }
  $("export-csv").addEventListener("click", function () {
    download("csv");
  });
  $("export-xlsx").addEventListener("click", function () {
    download("xlsx");
  });

  // ------------------------------------------------------------------ start
  applyTexts();
  if (token && me && EDITORS[me.role]) showApp();
  else desk.showLogin();
})();
