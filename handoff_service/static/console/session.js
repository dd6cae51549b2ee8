// Signing in and out of the console (desk roles only): the session kept for this tab, checked again on a reload.

import { $, bindLogin, readSession, saveSession, showLogin } from "../desk-common.js";
import { api } from "./api.js";
import { loadColleagues } from "./colleagues.js";
import { connect, disconnect } from "./connection.js";
import { label, t } from "./language.js";
import { unlockAudio, updateTitle } from "./notify.js";
import { closePanel } from "./panels.js";
import { renderStatusToggle } from "./presence.js";
import { loadQueue } from "./queue.js";
import { isSupervisor, SESSION_KEYS, state } from "./state.js";
import { loadPromises, loadStaffing } from "./promises.js";
import { loadLibraryAdmin } from "./reply-library.js";
import { startServiceTools } from "./service-tools.js";
import { loadApprovals } from "./supervisor.js";
import { showView } from "./views.js";

const DESK_ROLES = { agent: true, supervisor: true, admin: true };

/** The signed-in session of this tab, if any (before start). */
export function restoreSession() {
  const saved = readSession(SESSION_KEYS);
  state.token = saved.token;
  state.me = saved.agent;
}

/** With a stored token: check it (and who I am) and show the workspace; else the login form. */
export function resumeOrLogIn() {
  if (!state.token) return showLogin();
  $("login-view").hidden = true;
  api("GET", "/api/agent/me").then(
    function (agent) {
      state.me = agent;
      saveSession(SESSION_KEYS, state.token, state.me);
      showApp();
    },
    function (err) {
      if (err.status === 401) return; // expire() already showed the login form
      if (err.status === 403) return logout(t("loginNoDesk"));
      showApp(); // server unreachable: the workspace retries by itself
    }
  );
}

function showApp() {
  const me = state.me;
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  $("agent-name").textContent = me ? me.display_name || me.username : "";
  $("agent-name").setAttribute("title", me ? label("role_", me.role) + " · " + me.username : "");
  $("tab-supervisor").hidden = !isSupervisor();
  $("audit-card").hidden = true;
  renderStatusToggle();
  showView("desk");
  connect();
  loadQueue();
  loadColleagues();
  if (isSupervisor()) loadApprovals();
  startServiceTools();
  loadPromises();
  loadStaffing();
  loadLibraryAdmin();
}

/** The server no longer accepts our token: back to the login form, saying why. */
export function expire() {
  if (!state.token) return;
  logout(t("sessionExpired"));
}

function logout(message) {
  state.token = null;
  state.me = null;
  saveSession(SESSION_KEYS, null, null);
  disconnect();
  state.selectedId = null;
  state.detail = null;
  state.queueItems = [];
  state.queueLoaded = false;
  state.knownQueued = Object.create(null);
  state.unseenNew = Object.create(null);
  state.unseenAssigned = Object.create(null);
  state.unreadMine = Object.create(null);
  state.colleagues = null;
  state.approvals = [];
  state.slaAlerts = [];
  updateTitle();
  closePanel();
  $("conv").hidden = true;
  $("no-selection").hidden = false;
  showLogin(message);
}

export function bindSession() {
  bindLogin({
    api: api,
    t: t,
    session: SESSION_KEYS,
    allowed: function (agent) {
      return !!DESK_ROLES[agent.role];
    },
    refusedKey: "loginNoDesk",
    submitting: unlockAudio,
    loggedIn: function (res) {
      state.token = res.token;
      state.me = res.agent;
      showApp();
    },
  });
  $("logout").addEventListener("click", function () {
    // Ends the session on the server too (a copied token stops working); the form shows at once.
    if (state.token) api("POST", "/api/agent/logout").catch(function () {});
    logout();
  });
}
