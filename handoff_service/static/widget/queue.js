// The waiting banner while the shopper is queued for a person: their place and the wait estimate, both live.

import { t } from "./language.js";
import { ui } from "./layout.js";
import { state } from "./state.js";

function waitText(seconds) {
  if (typeof seconds !== "number") return t("queuedWait");
  if (seconds <= 0) return t("waitNow");
  if (seconds < 60) return t("waitUnderMinute");
  return t("waitMinutes", { m: Math.ceil(seconds / 60) });
}

export function positionText() {
  if (!state.conv.position) return t("queuedWait");
  return state.conv.position === 1 ? t("queuedNext") : t("queuedPos", { n: state.conv.position });
}

export function renderQueueBanner() {
  var queued = state.conv.state === "queued";
  ui.queue.hidden = !queued;
  if (!queued) return;
  ui.queuePos.textContent = state.conv.position ? String(state.conv.position) : "…";
  ui.queuePos.setAttribute("data-position", state.conv.position ? String(state.conv.position) : "");
  ui.queuePos.setAttribute("title", positionText());
  ui.queueWait.textContent = waitText(state.conv.waitSeconds);
  ui.queueNote.textContent = t("queueNote");
  ui.queueWait.setAttribute("data-wait-seconds", typeof state.conv.waitSeconds === "number" ? String(state.conv.waitSeconds) : "");
}
