// How the console writes times, waits, money and ids (and the SVG elements of its sparkline).

import * as desk from "../desk-common.js";
import { lang, t } from "./language.js";

const SVG_NS = "http://www.w3.org/2000/svg";

export function svgEl(tag, attrs) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const k in attrs) node.setAttribute(k, attrs[k]);
  return node;
}

/** "14:05". */
export function hhmm(iso) {
  const d = desk.parseTime(iso);
  return d ? desk.pad(d.getHours()) + ":" + desk.pad(d.getMinutes()) : "";
}

/** "14:05" today, "3月2日 14:05" / "2 Mar 14:05" on another day. */
export function dayTime(iso) {
  return desk.dayTime(iso, lang);
}

/** "2024-03-02". */
export function day(iso) {
  const d = desk.parseTime(iso);
  if (!d) return iso || "";
  return d.getFullYear() + "-" + desk.pad(d.getMonth() + 1) + "-" + desk.pad(d.getDate());
}

export function durationText(seconds) {
  const mins = Math.max(0, Math.floor((Number(seconds) || 0) / 60));
  return mins < 1 ? t("waitLess") : mins < 60 ? t("waitMin", { m: mins }) : t("waitHour", { h: Math.floor(mins / 60), m: mins % 60 });
}

/** How long since iso, and whether that is long ("warn" from 5 min, "late" from 10). */
export function waitLabel(iso) {
  const d = desk.parseTime(iso);
  if (!d) return { text: "", level: "" };
  const secs = Math.max(0, (Date.now() - d.getTime()) / 1000);
  return { text: durationText(secs), level: secs >= 600 ? "late" : secs >= 300 ? "warn" : "" };
}

/** "¥1,234.50". */
export function money(n) {
  const v = Number(n) || 0;
  try {
    return "¥" + v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  } catch (e) {
    return "¥" + v.toFixed(2);
  }
}

/** "12.5" (at most two decimals). */
export function amount(n) {
  const v = Number(n) || 0;
  return String(Math.round(v * 100) / 100);
}

export function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
  return Date.now().toString(36) + Math.random().toString(36).slice(2);
}

export function cssEscape(s) {
  return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, "\\$&");
}
