// Suggested replies for my chat (knowledge base, canned): a click or Alt+1…5 puts one in the reply box to edit.

import { $, clear, el } from "../desk-common.js";
import { api, chatPath } from "./api.js";
import { t } from "./language.js";
import { isMine, state } from "./state.js";
import { noteMyTyping } from "./typing.js";

let suggestTimer = null;

export function scheduleSuggestions() {
  clearTimeout(suggestTimer);
  suggestTimer = setTimeout(loadSuggestions, 500);
}

function loadSuggestions() {
  var id = state.selectedId;
  if (!id || !state.detail || !isMine(state.detail) || state.detail.state !== "agent") return;
  var keep = state.suggestions && state.suggestions.conversationId === id ? state.suggestions.items : [];
  state.suggestions = { conversationId: id, state: "loading", forMessage: state.suggestions && state.suggestions.forMessage, items: keep };
  renderSuggestions();
  api("GET", chatPath(id, "/suggestions")).then(
    function (res) {
      if (state.selectedId !== id) return;
      var items = [];
      (res.knowledge || []).forEach(function (k) {
        if (k && k.text) items.push({ kind: "knowledge", title: t("suggestionKb"), text: String(k.text), score: k.score, id: k.id });
      });
      (res.canned || []).forEach(function (c) {
        if (c && c.text) items.push({ kind: "canned", title: String(c.title || t("canned")), text: String(c.text), id: c.id });
      });
      state.suggestions = { conversationId: id, state: "ok", forMessage: res.for_message || "", items: items };
      renderSuggestions();
    },
    function () {
      if (state.selectedId !== id) return;
      state.suggestions = { conversationId: id, state: "failed", forMessage: "", items: keep };
      renderSuggestions();
    }
  );
}

export function renderSuggestions() {
  var list = $("suggestion-list");
  var box = $("suggestions");
  clear(list);
  var s = state.suggestions && state.suggestions.conversationId === state.selectedId ? state.suggestions : null;
  box.setAttribute("data-state", s ? s.state : "none");
  var forNode = $("suggestions-for");
  forNode.textContent = s && s.forMessage ? t("suggestionsFor", { m: s.forMessage.length > 40 ? s.forMessage.slice(0, 40) + "…" : s.forMessage }) : "";
  forNode.setAttribute("title", (s && s.forMessage) || "");
  if (!s) return;
  if (!s.items.length) {
    list.appendChild(el("span", { className: "muted", text: s.state === "loading" ? t("suggestionsLoading") : s.state === "failed" ? t("suggestionsFailed") : t("suggestionsNone") }));
    return;
  }
  s.items.forEach(function (item, i) {
    var key = i < 5 ? "Alt+" + (i + 1) : "";
    list.appendChild(
      el(
        "button",
        {
          type: "button",
          className: "suggestion",
          "data-testid": "suggestion",
          "data-kind": item.kind,
          "data-text": item.text,
          title: t("suggestionInsert") + (key ? " (" + key + ")" : "") + "\n\n" + item.text,
          on: {
            click: function () {
              insertSuggestion(item.text);
            },
          },
        },
        [
          el("span", { className: "suggestion-kind", "data-kind": item.kind }, [
            item.title,
            typeof item.score === "number" ? el("span", { className: "suggestion-score", text: t("suggestionScore", { p: Math.round(item.score * 100) }) }) : null,
          ]),
          el("span", { className: "suggestion-text", text: item.text }),
        ]
      )
    );
  });
}

function insertSuggestion(text) {
  var input = $("reply-input");
  if (!input || $("composer").hidden) return;
  var current = input.value;
  input.value = current.trim() ? current + (/\s$/.test(current) ? "" : "\n") + text : text;
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
  noteMyTyping();
}

export function bindSuggestions() {
  $("suggestions-refresh").addEventListener("click", loadSuggestions);
}
