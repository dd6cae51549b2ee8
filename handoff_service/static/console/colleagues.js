// The other agents (a supervisor sees all, with their load; an agent whom to transfer to), re-read as things move.

import { api } from "./api.js";
import { isSupervisor, state } from "./state.js";
import { loadApprovals, renderSupervisor } from "./supervisor.js";
import { renderTransferChoices } from "./transfer.js";

let svTimer = null;

export function loadColleagues() {
  if (!state.token || !state.me) return;
  // supervisors see everyone's load; plain agents get the colleagues they may transfer to
  api("GET", isSupervisor() ? "/api/agent/agents" : "/api/agent/colleagues").then(
    function (res) {
      state.colleagues = res.agents || [];
      renderTransferChoices();
      if (isSupervisor()) renderSupervisor();
    },
    function () {
      state.colleagues = null;
      renderTransferChoices();
    }
  );
}

/** The queue moved while the supervisor view is open: re-read the agents' load, at most every 1.5 s. */
export function throttledSupervisorRefresh() {
  if (svTimer) return;
  svTimer = setTimeout(function () {
    svTimer = null;
    loadColleagues();
  }, 1500);
  renderSupervisor();
}

/**
 * Re-read now and then: agents' status changes without a queue event, and the "approval_needed"
 * signal is ephemeral (and, as of this writing, /ws/agent passes it only to the requesting agent).
 */
export function startSupervisorTimer() {
  setInterval(function () {
    if (!state.token || !isSupervisor()) return;
    loadApprovals();
    if (state.view === "supervisor") loadColleagues();
  }, 10000);
}
