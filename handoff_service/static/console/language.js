// The console's language (shared with the trainer's page) and t()/label(), its texts.

import * as desk from "../desk-common.js";
import { TEXT } from "./texts.js";

export let lang = desk.pickLang();

export function t(key, vars) {
  return desk.translate(TEXT, lang, key, vars);
}

/** The text for a server code (prefix + code), or the code itself. */
export function label(prefix, code) {
  return desk.label(TEXT, lang, prefix, code);
}

/** The help text of an escalation reason, or undefined. */
export function reasonHelp(reason) {
  return TEXT[lang]["help_" + reason];
}

/** Switches and remembers the language (the caller re-renders). */
export function chooseLang(next) {
  lang = next;
  desk.saveLang(lang);
}
