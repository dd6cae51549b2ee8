// The live link: the agent WebSocket (/ws/agent) and its frames, 5 s polling while it is down, the top bar's state.

import { $ } from "../desk-common.js";
import { api } from "./api.js";
import { onAgentEvent, refreshDetail } from "./conversation.js";
import { hooks } from "./hooks.js";
import { t } from "./language.js";
import { loadQueue, onAssigned, onQueue } from "./queue.js";
import { isSupervisor, state } from "./state.js";
import { onPromiseFrame } from "./promises.js";
import { onHelpFrame, onRemedyApprovalNeeded, onRemedyDecided, onWhisper } from "./service-tools.js";
import { loadApprovals, onApprovalNeeded, onSlaAlert } from "./supervisor.js";
import { onShopperTyping } from "./typing.js";

let socket = null;
let socketGen = 0; // bumped on every disconnect: callbacks of an older socket do nothing
let reconnectTimer = null;
let backoff = 1000;
let pollTimer = null;
let connState = "connecting";

function wsUrl() {
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/agent";
}

export function connect() {
  disconnect();
  if (!state.token) return;
  var gen = ++socketGen;
  setConn("connecting");
  var ws;
  try {
    // The token rides as a subprotocol, never in the URL (which access logs keep).
    ws = new WebSocket(wsUrl(), ["kefu", "kefu.token." + state.token]);
  } catch (e) {
    return onSocketDown(gen);
  }
  socket = ws;
  ws.onopen = function () {
    if (gen !== socketGen) return;
    backoff = 1000;
    stopPolling();
    setConn("live");
    // we may have missed events while disconnected: re-read the open chat
    if (state.selectedId) refreshDetail();
  };
  ws.onmessage = function (m) {
    if (gen !== socketGen) return;
    var frame;
    try {
      frame = JSON.parse(m.data);
    } catch (e) {
      return;
    }
    if (!frame) return;
    if (frame.type === "queue" && Array.isArray(frame.items)) onQueue(frame.items);
    else if (frame.type === "event" && frame.event) onAgentEvent(frame.event);
    else if (frame.type === "assigned") onAssigned(frame);
    else if (frame.type === "typing") onShopperTyping(frame);
    else if (frame.type === "sla_alert") onSlaAlert(frame);
    else if (frame.type === "approval_needed" && frame.remedy_request_id) onRemedyApprovalNeeded(frame);
    else if (frame.type === "approval_needed") onApprovalNeeded(frame);
    else if (frame.type === "remedy_decided") onRemedyDecided(frame);
    else if (frame.type === "whisper") onWhisper(frame);
    else if (frame.type === "promise_due" || frame.type === "promise_overdue") onPromiseFrame(frame);
    else if (/^help_/.test(frame.type)) onHelpFrame(frame);
  };
  ws.onclose = function (e) {
    if (gen !== socketGen) return;
    socket = null;
    if (e.code === 4401) return hooks.expire();
    onSocketDown(gen);
  };
}

function onSocketDown(gen) {
  if (gen !== socketGen || !state.token) return;
  startPolling();
  clearTimeout(reconnectTimer);
  var delay = Math.min(backoff, 30000) * (0.8 + Math.random() * 0.4);
  backoff = Math.min(backoff * 2, 30000);
  reconnectTimer = setTimeout(function () {
    if (gen !== socketGen || !state.token) return;
    // the handshake is refused (not a close code) when the token expired: check it over HTTP
    api("GET", "/api/agent/me").then(
      function () {
        if (gen === socketGen) connect();
      },
      function (err) {
        if (err.status !== 401 && gen === socketGen) connect();
      }
    );
  }, delay);
}

export function disconnect() {
  socketGen += 1;
  clearTimeout(reconnectTimer);
  stopPolling();
  if (socket) {
    var s = socket;
    socket = null;
    try {
      s.close(1000);
    } catch (e) {
      /* closed */
    }
  }
}

function startPolling() {
  setConn("polling");
  if (pollTimer) return;
  pollTimer = setInterval(function () {
    if (!state.token) return stopPolling();
    loadQueue();
    if (state.selectedId) refreshDetail();
    if (isSupervisor()) loadApprovals();
  }, 5000);
}

function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = null;
}

function setConn(state) {
  connState = state;
  renderConn();
}

export function renderConn() {
  var node = $("conn-status");
  node.setAttribute("data-state", connState);
  node.textContent = t(connState === "live" ? "live" : connState === "polling" ? "polling" : "connecting");
}

/** Back online: connect again if the socket is down. */
export function reconnectIfDown() {
  if (state.token && !socket) connect();
}
