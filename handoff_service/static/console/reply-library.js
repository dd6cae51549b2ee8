// #19: the reply library in the console. Typing "/" at the start of the reply box searches it
// (↑/↓ choose, Enter inserts, Esc closes), in the tone suggested for this shopper or the one chosen;
// supervisors create, edit and archive replies in the supervisor view.

import { $, clear, el, toast } from "../desk-common.js";
import { api, chatPath, errorText } from "./api.js";
import { label, t } from "./language.js";
import { isSupervisor, state } from "./state.js";

const lib = { open: false, items: [], index: 0, timer: null, tone: "", seq: 0, all: [], editing: null };

function box() {
  return $("reply-input");
}

function closeLibrary() {
  lib.open = false;
  $("reply-library").hidden = true;
}

function renderLibrary(res) {
  lib.items = res.replies || [];
  lib.index = 0;
  var list = $("reply-library-list");
  clear(list);
  var suggestion = res.suggested_tone || {};
  $("reply-tone-suggestion").textContent = t("toneSuggested", { tone: label("tone_", suggestion.tone || "professional") });
  $("reply-tone-suggestion").setAttribute("data-tone", suggestion.tone || "");
  if (!lib.tone) $("reply-tone").value = res.tone || "";
  lib.items.forEach(function (r, i) {
    list.appendChild(
      el("li", { className: "library-reply", "data-testid": "library-reply", "data-tone": r.tone, "data-index": String(i), role: "option" }, [
        el("b", { text: r.title }),
        el("span", { className: "library-text", text: r.text }),
      ])
    );
  });
  $("reply-library-empty").hidden = lib.items.length > 0;
  highlight();
  lib.open = true;
  $("reply-library").hidden = false;
}

function highlight() {
  var rows = $("reply-library-list").children;
  for (var i = 0; i < rows.length; i++) rows[i].setAttribute("aria-selected", String(i === lib.index));
}

function searchNow() {
  var id = state.selectedId;
  var value = box().value;
  if (!id || value.charAt(0) !== "/") return closeLibrary();
  var seq = ++lib.seq;
  var params = "?q=" + encodeURIComponent(value.slice(1).trim()) + (lib.tone ? "&tone=" + encodeURIComponent(lib.tone) : "");
  api("GET", chatPath(id, "/replies" + params)).then(
    function (res) {
      if (seq === lib.seq && box().value.charAt(0) === "/") renderLibrary(res);
    },
    function (err) {
      toast(errorText(err), "error");
    }
  );
}

function insert(index) {
  var r = lib.items[index];
  if (!r) return;
  box().value = r.text;
  closeLibrary();
  box().focus();
  box().dispatchEvent(new Event("input", { bubbles: true }));
}

// ---------------------------------------------------------------- supervisors: managing the library

export function loadLibraryAdmin() {
  if (!isSupervisor() || !$("library-items")) return;
  api("GET", "/api/agent/replies").then(
    function (res) {
      lib.all = res.replies || [];
      renderLibraryAdmin();
    },
    function () {}
  );
}

function renderLibraryAdmin() {
  var list = $("library-items");
  if (!list) return;
  clear(list);
  lib.all.forEach(function (r) {
    list.appendChild(
      el("li", { className: "sv-item", "data-testid": "library-item", "data-reply-id": String(r.id), "data-archived": String(!!r.archived), "data-tone": r.tone }, [
        el("div", { className: "sv-item-main" }, [
          el("div", { className: "sv-item-top" }, [el("b", { text: r.title }), el("span", { className: "pill", text: label("tone_", r.tone) })]),
          el("div", { className: "sv-reason", text: r.zh || r.en }),
        ]),
        el("div", { className: "sv-item-actions" }, [
          el("button", { type: "button", className: "btn btn-secondary btn-sm", "data-testid": "library-edit", text: t("libraryEdit"), on: { click: function () { editReply(r); } } }),
          el("button", {
            type: "button",
            className: "btn btn-quiet btn-sm",
            "data-testid": "library-archive",
            text: r.archived ? t("libraryRestore") : t("libraryArchive"),
            on: {
              click: function () {
                api("POST", "/api/agent/replies/" + r.id + "/archive", { archived: !r.archived }).then(loadLibraryAdmin, function (err) {
                  toast(errorText(err), "error");
                });
              },
            },
          }),
        ]),
      ])
    );
  });
}

function editReply(r) {
  lib.editing = r ? r.id : null;
  $("library-title").value = r ? r.title : "";
  $("library-tone").value = r ? r.tone : "warm";
  $("library-zh").value = r ? r.zh : "";
  $("library-en").value = r ? r.en : "";
  $("library-tags").value = r ? (r.tags || []).join(", ") : "";
  $("library-title").focus();
}

function saveReply(e) {
  e.preventDefault();
  var body = {
    title: $("library-title").value.trim(),
    tone: $("library-tone").value,
    zh: $("library-zh").value.trim(),
    en: $("library-en").value.trim(),
    tags: $("library-tags").value.split(/[,，]/).map(function (s) { return s.trim(); }).filter(Boolean),
  };
  var path = lib.editing ? "/api/agent/replies/" + lib.editing : "/api/agent/replies";
  api(lib.editing ? "PUT" : "POST", path, body).then(
    function () {
      toast(t("librarySaved"));
      editReply(null);
      loadLibraryAdmin();
    },
    function (err) {
      var node = $("library-error");
      node.hidden = false;
      node.textContent = err.message;
    }
  );
}

export function bindReplyLibrary() {
  box().addEventListener("input", function () {
    clearTimeout(lib.timer);
    if (box().value.charAt(0) !== "/") return closeLibrary();
    lib.timer = setTimeout(searchNow, 150);
  });
  // capture: at the box itself these run before the reply box's own keys (Enter, Ctrl+Enter)
  box().addEventListener(
    "keydown",
    function (e) {
      if (!lib.open) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        e.stopImmediatePropagation();
        lib.index = Math.max(0, Math.min(lib.items.length - 1, lib.index + (e.key === "ArrowDown" ? 1 : -1)));
        highlight();
      } else if (e.key === "Enter") {
        e.preventDefault();
        e.stopImmediatePropagation();
        insert(lib.index);
      } else if (e.key === "Escape") {
        e.preventDefault();
        e.stopImmediatePropagation();
        closeLibrary();
      }
    },
    true
  );
  $("reply-library-list").addEventListener("mousedown", function (e) {
    var row = e.target.closest("[data-index]");
    if (!row) return;
    e.preventDefault();
    insert(Number(row.getAttribute("data-index")));
  });
  $("reply-tone").addEventListener("change", function () {
    lib.tone = $("reply-tone").value;
    searchNow();
  });
  $("library-form").addEventListener("submit", saveReply);
  $("library-new").addEventListener("click", function () {
    editReply(null);
  });
}

export function relabelReplyLibrary() {
  var tone = $("reply-tone");
  ["warm", "professional", "brief"].forEach(function (k, i) {
    tone.options[i].textContent = label("tone_", k);
    $("library-tone").options[i].textContent = label("tone_", k);
  });
  renderLibraryAdmin();
}
