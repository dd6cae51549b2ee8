// The live connection: a WebSocket, long-polling when sockets keep failing, backoff; the history after a reload.

import { config } from "./config.js";
import { addEvent, applyQueue, syncState } from "./events.js";
import { hooks } from "./hooks.js";
import { api, sessionPath } from "./http.js";
import { scrollToBottom, ui } from "./layout.js";
import { state } from "./state.js";
import { renderUnread, setConn } from "./status.js";
import { onTypingFrame } from "./typing.js";

let socketFailures = 0;
let reconnectTimer = null;
let backoff = 1000;
let polling = false;
let pollAbort = null;
let transportGen = 0; // bumped on every stop: callbacks of an older transport do nothing

/** "websocket", "long-poll" or "none" (for window.kefuWidget.state()). */
export function transportName() {
  return state.socket ? "websocket" : polling ? "long-poll" : "none";
}

/** Nothing is connected or about to reconnect. */
export function transportIdle() {
  return !state.socket && !polling && !reconnectTimer;
}

/** Back online or back to the tab: connect again now, not after the backoff. */
export function reconnectSoon(evenWhilePolling) {
  if (!state.session || state.socket || (polling && !evenWhilePolling)) return;
  backoff = 1000;
  connect();
}

/** Closes the socket and stops polling and any pending reconnect. */
export function stopTransport() {
  transportGen += 1;
  clearTimeout(reconnectTimer);
  reconnectTimer = null;
  if (state.socket) {
    var s = state.socket;
    state.socket = null;
    try {
      s.close(1000);
    } catch (e) {
      /* already closed */
    }
  }
  polling = false;
  if (pollAbort) {
    try {
      pollAbort.abort();
    } catch (e) {
      /* ignore */
    }
    pollAbort = null;
  }
}

/** Goes live for the current session: a WebSocket, or long-polling once sockets failed twice. */
export function connect() {
  if (!state.session) return;
  stopTransport();
  if (!window.WebSocket || socketFailures >= 2) startPolling();
  else openSocket();
}

function openSocket() {
  var gen = transportGen;
  var url =
    config.wsBase +
    "/ws/sessions/" +
    encodeURIComponent(state.session.conversation_id) +
    "?after=" +
    state.lastSeq;
  var ws;
  try {
    // The token rides as a subprotocol, never in the URL (which access logs keep).
    ws = new WebSocket(url, ["kefu", "kefu.token." + state.session.token]);
  } catch (e) {
    socketFailures += 1;
    return scheduleReconnect(gen);
  }
  state.socket = ws;
  var opened = false;
  ws.onopen = function () {
    opened = true;
    socketFailures = 0;
    backoff = 1000;
    setConn("ok");
  };
  ws.onmessage = function (m) {
    var frame;
    try {
      frame = JSON.parse(m.data);
    } catch (e) {
      return;
    }
    if (!frame) return;
    if (frame.type === "event" && frame.event) addEvent(frame.event, true);
    else if (frame.type === "queue") applyQueue(frame.queue);
    else if (frame.type === "typing") onTypingFrame(frame);
  };
  ws.onclose = function (e) {
    if (gen !== transportGen || state.socket !== ws) return;
    state.socket = null;
    if (e.code === 4403) return hooks.dropSession(true);
    if (!opened) socketFailures += 1;
    scheduleReconnect(gen);
  };
}

function scheduleReconnect(gen) {
  if (gen !== transportGen || !state.session) return;
  setConn(navigator.onLine === false ? "offline" : "reconnecting");
  var delay = Math.min(backoff, 30000) * (0.8 + Math.random() * 0.4);
  backoff = Math.min(backoff * 2, 30000);
  clearTimeout(reconnectTimer);
  reconnectTimer = setTimeout(function () {
    if (gen !== transportGen || !state.session) return;
    // the socket keeps failing (proxy without WebSocket, or a refused handshake): long-poll instead
    if (socketFailures >= 2 || !window.WebSocket) startPolling();
    else openSocket();
  }, delay);
}

function startPolling() {
  if (polling || !state.session) return;
  polling = true;
  var gen = transportGen;
  var delay = 1000;
  (function loop(first) {
    if (gen !== transportGen || !state.session) return;
    pollAbort = window.AbortController ? new AbortController() : null;
    var s = state.session;
    api(
      "GET",
      sessionPath(s, "/events?after=") + state.lastSeq + "&wait=" + (first ? "false" : "true"),
      null,
      s.token,
      pollAbort && pollAbort.signal
    ).then(
      function (res) {
        if (gen !== transportGen) return;
        delay = 1000;
        setConn("ok");
        (res.events || []).forEach(function (ev) {
          addEvent(ev, true);
        });
        syncState(res.state);
        if ("queue" in res) applyQueue(res.queue);
        loop(false);
      },
      function (err) {
        if (gen !== transportGen) return;
        if (err && err.status === 403) return hooks.dropSession(true);
        setConn(navigator.onLine === false ? "offline" : "reconnecting");
        setTimeout(function () {
          loop(true);
        }, delay);
        delay = Math.min(delay * 2, 30000);
      }
    );
  })(true);
}

// reload: fetch the whole history from seq 0 (dedupe by seq), then go live from the last seq
export function restore() {
  if (!state.session) return Promise.resolve();
  state.loadingHistory = true;
  ui.messages.setAttribute("aria-busy", "true");
  var s = state.session;
  var seenBefore = Number(s.seq) || 0; // what arrived after it while the page was away is unread
  var all = [];
  function page(after) {
    return api(
      "GET",
      sessionPath(s, "/events?after=") + after + "&wait=false",
      null,
      s.token
    ).then(function (res) {
      var evs = res.events || [];
      all = all.concat(evs);
      if (evs.length >= 500) return page(evs[evs.length - 1].seq);
      return res;
    });
  }
  return page(0)
    .then(
      function (last) {
        if (state.session !== s) return;
        var missed = 0;
        all.forEach(function (ev) {
          if (ev.seq > seenBefore && ev.kind === "message" && ev.sender !== "shopper" && !state.seen[ev.seq]) missed += 1;
          addEvent(ev, false);
        });
        if (missed && !state.isOpen) {
          state.unread += missed;
          renderUnread();
        }
        syncState(last.state);
        if ("queue" in last) applyQueue(last.queue);
        scrollToBottom();
        connect();
      },
      function (err) {
        if (state.session !== s) return;
        if (err && (err.status === 403 || err.status === 404)) return hooks.dropSession(true);
        connect(); // server unreachable: the transport retries with backoff
      }
    )
    .finally(function () {
      state.loadingHistory = false;
      ui.messages.removeAttribute("aria-busy");
    });
}
