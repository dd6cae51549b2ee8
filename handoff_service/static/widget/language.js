// The shopper's language (their saved choice, the tag's data-lang, the browser's) and t(), a text in it.

import { config } from "./config.js";
import { safeGet, safeSet } from "./storage.js";
import { TEXT } from "./texts.js";

export let lang = "zh";

/** Chooses the language at start. */
export function initLang() {
  lang = pickLang();
}

function pickLang() {
  const saved = safeGet(config.langKey);
  if (saved === "zh" || saved === "en") return saved;
  const wanted = config.langAttr;
  if (wanted.indexOf("zh") === 0) return "zh";
  if (wanted.indexOf("en") === 0) return "en";
  const nav = (navigator.language || (navigator.languages && navigator.languages[0]) || "").toLowerCase();
  return nav.indexOf("zh") === 0 ? "zh" : "en";
}

/** Switches and remembers the language (the caller re-renders the texts). */
export function chooseLang(next) {
  lang = next;
  safeSet(config.langKey, lang);
}

/** The text for key (Chinese when the English one is missing), with {name} filled from vars. */
export function t(key, vars) {
  let s = TEXT[lang][key];
  if (s === undefined) s = TEXT.zh[key];
  if (typeof s === "string" && vars) {
    s = s.replace(/\{(\w+)\}/g, function (_, k) {
      return vars[k] !== undefined ? String(vars[k]) : "";
    });
  }
  return s;
}
