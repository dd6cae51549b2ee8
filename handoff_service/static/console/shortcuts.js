// Keyboard shortcuts and their help (?): Alt+↓/↑ next/previous chat, Alt+1…5 a suggestion, Esc closes what is open.

import { $ } from "../desk-common.js";
import { closePanel } from "./panels.js";
import { step } from "./queue.js";
import { state } from "./state.js";

function toggleHelp(show) {
  var help = $("shortcuts-help");
  var open = show === undefined ? help.hidden : show;
  help.hidden = !open;
  $("shortcuts-button").setAttribute("aria-expanded", String(open));
}

function typingInField(target) {
  return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
}

export function bindShortcuts() {
  $("shortcuts-button").addEventListener("click", function (e) {
    e.stopPropagation();
    toggleHelp();
  });
  document.addEventListener("click", function (e) {
    if (!$("shortcuts-help").hidden && !e.target.closest(".help-wrap")) toggleHelp(false);
  });
  document.addEventListener("keydown", function (e) {
    if (!state.token || $("app-view").hidden) return;
    if (e.altKey && !e.ctrlKey && !e.metaKey && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      step(e.key === "ArrowDown" ? 1 : -1);
      return;
    }
    if (e.altKey && !e.ctrlKey && !e.metaKey && /^Digit[1-5]$/.test(e.code || "")) {
      var n = Number(e.code.slice(5));
      var buttons = document.querySelectorAll('[data-testid="suggestion"]');
      if (buttons[n - 1] && !$("composer").hidden) {
        e.preventDefault();
        buttons[n - 1].click();
      }
      return;
    }
    if (e.key === "Escape") {
      if (!$("shortcuts-help").hidden) {
        toggleHelp(false);
        $("shortcuts-button").focus();
      } else if (!$("action-panel").hidden) closePanel();
      return;
    }
    if (e.key === "?" && !typingInField(e.target)) {
      e.preventDefault();
      toggleHelp();
    }
  });
}
