// The two views of the console: the desk (queue and chat) and, for supervisors, the supervisor view (tabs, ← → keys).

import { $ } from "../desk-common.js";
import { loadColleagues } from "./colleagues.js";
import { loadProactive } from "./proactive.js";
import { isSupervisor, state } from "./state.js";
import { loadStaffing } from "./promises.js";
import { loadApprovals, renderSupervisor } from "./supervisor.js";

export function showView(next) {
  if (next === "supervisor" && !isSupervisor()) next = "desk";
  state.view = next;
  $("desk-view").hidden = state.view !== "desk";
  $("supervisor-view").hidden = state.view !== "supervisor";
  $("tab-desk").setAttribute("aria-selected", String(state.view === "desk"));
  $("tab-supervisor").setAttribute("aria-selected", String(state.view === "supervisor"));
  $("tab-desk").tabIndex = state.view === "desk" ? 0 : -1;
  $("tab-supervisor").tabIndex = state.view === "supervisor" ? 0 : -1;
  if (state.view === "supervisor") {
    state.alertsSeen = state.slaAlerts.length;
    loadColleagues();
    loadApprovals();
    loadProactive();
    loadStaffing(); // #19
  }
  renderSupervisor();
}

export function bindViews() {
  $("tab-desk").addEventListener("click", function () {
    showView("desk");
  });
  $("tab-supervisor").addEventListener("click", function () {
    showView("supervisor");
  });
  $("tabs").addEventListener("keydown", function (e) {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    if ($("tab-supervisor").hidden) return;
    e.preventDefault();
    showView(state.view === "desk" ? "supervisor" : "desk");
    $(state.view === "desk" ? "tab-desk" : "tab-supervisor").focus();
  });
}
