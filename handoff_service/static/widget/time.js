// Times as the widget shows them: "14:05" under a message, and a callback's due time in the shopper's language.

import { lang } from "./language.js";

/** The server's ISO time as a Date; a time without an offset (rows read back from SQLite) is UTC. */
function parseTime(iso) {
  if (!iso) return null;
  let s = String(iso);
  if (!/(Z|[+-]\d\d:?\d\d)$/.test(s)) s += "Z";
  const d = new Date(s);
  return isNaN(d.getTime()) ? null : d;
}

function pad2(n) {
  return (n < 10 ? "0" : "") + n;
}

export function formatTime(iso) {
  const d = parseTime(iso);
  return d ? pad2(d.getHours()) + ":" + pad2(d.getMinutes()) : "";
}

/** "14:05" today, "3月2日 14:05" / "2 Mar 14:05" on another day. */
export function dueText(iso) {
  const d = parseTime(iso);
  if (!d) return "";
  const today = new Date();
  const same = d.toDateString() === today.toDateString();
  const day = same ? "" : lang === "zh" ? d.getMonth() + 1 + "月" + d.getDate() + "日 " : d.toLocaleDateString("en-GB", { day: "numeric", month: "short" }) + " ";
  return day + pad2(d.getHours()) + ":" + pad2(d.getMinutes());
}
