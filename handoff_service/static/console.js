/*
 * kefu agent console (served at /console): vanilla JS, no build step. Texts: console-texts.js.
 * Helpers shared with the trainer's page (storage, texts, DOM, API, toast, login): desk-common.js.
 *
 * Stable test hooks (data-testid; the same value is the element id unless marked "(many)"):
 *   login-view, login-form, login-username, login-password, login-submit, login-error, login-lang
 *   app-view, agent-name, conn-status (data-state=live|polling|connecting), lang-toggle (data-lang), logout
 *   status-toggle (data-status=online|away|offline), status-online, status-away, status-offline (aria-pressed)
 *   tab-desk, tab-supervisor (supervisors and admins only), supervisor-badge, desk-view, supervisor-view
 *   shortcuts-button, shortcuts-help
 *   queue               the live queue list (<ul>)
 *   queue-count         number of chats in the queue list
 *   queue-empty         shown when nobody is waiting
 *   queue-item (many)   one chat, a <button> with data-conversation-id, data-state, data-priority,
 *                       data-mine="true|false", aria-current="true" when selected, data-new="true" when unread
 *     queue-priority, queue-name, queue-wait, queue-reason, queue-lang, queue-state, queue-owner (many, inside each item)
 *   conversation        the right-hand pane; no-selection (placeholder when nothing is selected)
 *   conv-name, conv-state (data-state), conv-priority (data-priority), conv-lang, conv-owner, conv-id
 *   claim               Claim button (visible when state is queued or callback)
 *   action-bar          one-click actions on my chat: action-coupon, action-return, action-transfer,
 *                       handback-outcome (<select> resolved | unresolved) + handback, action-close
 *   action-panel        the open action's form (data-panel=coupon|return|transfer|close):
 *     coupon-form: coupon-amount, coupon-reason, coupon-submit, coupon-limit,
 *                  coupon-result (data-status=issued|pending|error)
 *     return-form: return-order (<select> of the customer's orders), return-kind-refund, return-kind-exchange,
 *                  return-reason, return-submit, return-result (data-status=started|error)
 *     transfer-form: transfer-agent (<select>, supervisors) or transfer-team (input), transfer-submit, transfer-result
 *     close-form: close-submit
 *   transcript          messages (role=log, aria-live=polite)
 *   transcript-message (many)  data-sender=shopper|bot|agent, data-seq, data-client-id, data-status
 *   transcript-notice  (many)  centred state notices, data-seq, data-state (csat_request / csat too, data-kind)
 *   transcript-card    (many)  a coupon or return card under an agent message, data-card-type
 *   shopper-typing      "… is typing" under the transcript (my chats)
 *   composer, reply-input (Ctrl/Cmd+Enter sends), reply-send, composer-note
 *   suggestions, suggestions-for, suggestions-refresh, suggestion-list, suggestion (many, data-kind=knowledge|canned,
 *     data-text = what it inserts)
 *   escalation-card, escalation-reason (data-reason), escalation-priority, escalation-summary, escalation-slots,
 *     escalation-transcript, escalation-history, escalation-history-item (many, data-reason),
 *     sentiment-trend, sentiment-dot (many, data-sentiment, data-level=calm|uneasy|upset)
 *   customer-panel, customer-name, customer-tags, customer-order-count, customer-total-spend, customer-aov,
 *     customer-complaints, customer-orders, customer-order (many, data-order-id), customer-store-error,
 *     customer-past-chats, customer-past-chat (many, data-conversation-id), customer-notes, customer-note (many),
 *     note-text, note-tags, note-save
 *   audit-card (supervisors), audit-entry (many, data-action)
 *   agents-table, agent-row (many, data-username, data-status), sv-agents-summary
 *   approvals, approval (many, data-request-id), approval-approve, approval-reject (inside each), approvals-count
 *   sla-alerts, sla-alert (many, data-conversation-id), alerts-count
 *   toast
 *
 * The page title is "kefu", or "(N) kefu" while N chats newly queued or assigned to me have not been opened.
 * A chat assigned to me also plays a short sound (WebAudio).
 */
(function () {
  "use strict";

  var desk = window.kefuDesk; // desk-common.js: what the console shares with the trainer's page
  var SESSION = { token: "kefu.console.token", agent: "kefu.console.agent" };
  var DESK_ROLES = { agent: true, supervisor: true, admin: true };
  var SUPERVISOR_ROLES = { supervisor: true, admin: true };
  var TEXT = window.KEFU_CONSOLE_TEXT;

  // ------------------------------------------------------------------ texts
  var lang = desk.pickLang();
  function t(key, vars) {
    return desk.translate(TEXT, lang, key, vars);
  }
  function label(prefix, code) {
    return desk.label(TEXT, lang, prefix, code);
  }

  // ------------------------------------------------------------------ tiny DOM helpers
  var $ = desk.$, el = desk.el, clear = desk.clear, parseTime = desk.parseTime, pad = desk.pad;
  var SVG_NS = "http://www.w3.org/2000/svg";
  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    return node;
  }

  function hhmm(iso) {
    var d = parseTime(iso);
    return d ? pad(d.getHours()) + ":" + pad(d.getMinutes()) : "";
  }
  function dayTime(iso) {
    return desk.dayTime(iso, lang);
  }
  function day(iso) {
    var d = parseTime(iso);
    if (!d) return iso || "";
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }
  function durationText(seconds) {
    var mins = Math.max(0, Math.floor((Number(seconds) || 0) / 60));
    return mins < 1 ? t("waitLess") : mins < 60 ? t("waitMin", { m: mins }) : t("waitHour", { h: Math.floor(mins / 60), m: mins % 60 });
  }
  function waitLabel(iso) {
    var d = parseTime(iso);
    if (!d) return { text: "", level: "" };
    var secs = Math.max(0, (Date.now() - d.getTime()) / 1000);
    return { text: durationText(secs), level: secs >= 600 ? "late" : secs >= 300 ? "warn" : "" };
  }
  function money(n) {
    var v = Number(n) || 0;
    try {
      return "¥" + v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    } catch (e) {
      return "¥" + v.toFixed(2);
    }
  }
  function amount(n) {
    var v = Number(n) || 0;
    return String(Math.round(v * 100) / 100);
  }
  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function cssEscape(s) {
    return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, "\\$&");
  }
  function isSupervisor() {
    return !!(me && SUPERVISOR_ROLES[me.role]);
  }

  // ------------------------------------------------------------------ state
  var saved = desk.readSession(SESSION);
  var token = saved.token;
  var me = saved.agent;
  var queueItems = [];
  var queueLoaded = false;
  var knownQueued = Object.create(null); // conversation ids seen queued
  var unseenNew = Object.create(null); // newly queued chats not opened yet (title badge)
  var unseenAssigned = Object.create(null); // chats given to me that I have not opened (title badge)
  var unreadMine = Object.create(null); // my chats with new customer messages
  var names = Object.create(null); // customer_id -> name, learned from details
  var selectedId = null;
  var detail = null;
  var seenSeq = Object.create(null);
  var latestShopperSeq = 0; // of the open chat: suggestions follow the shopper's newest message
  var pendingReplies = Object.create(null); // client_id -> {text, row}
  var socket = null;
  var socketGen = 0;
  var reconnectTimer = null;
  var backoff = 1000;
  var pollTimer = null;
  var refreshTimer = null;
  var connState = "connecting";
  var view = "desk";
  var colleagues = null; // GET /api/agent/agents (supervisors); null = not allowed or not loaded
  var approvals = [];
  var slaAlerts = []; // {conversation_id, waited_seconds, at}
  var alertsSeen = 0;

  // ------------------------------------------------------------------ API
  var api = desk.apiClient({
    token: function () {
      return token;
    },
    unauthorized: expire,
    networkMessage: function () {
      return t("networkError");
    },
  });
  function chatPath(id, tail) {
    return "/api/agent/conversations/" + encodeURIComponent(id) + (tail || "");
  }

  var toast = desk.toast;

  // ------------------------------------------------------------------ i18n of static markup
  function applyTexts() {
    desk.applyTexts(lang, t);
    ["online", "away", "offline"].forEach(function (s) {
      $("status-" + s).setAttribute("title", t("statusHelp_" + s));
    });
    $("shortcuts-button").setAttribute("aria-label", t("shortcutsButton"));
    $("shortcuts-button").setAttribute("title", t("shortcutsButton"));
    $("shortcuts-help").setAttribute("aria-label", t("shortcutsTitle"));
    $("reply-input").setAttribute("placeholder", t("replyPlaceholder"));
    $("coupon-reason").setAttribute("placeholder", t("couponReasonPlaceholder"));
    $("return-reason").setAttribute("placeholder", t("returnReasonPlaceholder"));
    $("transfer-team").setAttribute("placeholder", t("transferTeamPlaceholder"));
    $("conversation").setAttribute("aria-label", t("conversationLabel"));
    renderConn();
    renderStatusToggle();
    renderQueue();
    renderSupervisor();
    if (detail) renderDetail(true);
  }

  function setLang(next) {
    lang = next;
    desk.saveLang(lang);
    applyTexts();
  }

  // ------------------------------------------------------------------ login / logout
  var showLogin = desk.showLogin;

  function showApp() {
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
  }

  function expire() {
    if (!token) return;
    logout(t("sessionExpired"));
  }

  function logout(message) {
    token = null;
    me = null;
    desk.saveSession(SESSION, null, null);
    disconnect();
    selectedId = null;
    detail = null;
    queueItems = [];
    queueLoaded = false;
    knownQueued = Object.create(null);
    unseenNew = Object.create(null);
    unseenAssigned = Object.create(null);
    unreadMine = Object.create(null);
    colleagues = null;
    approvals = [];
    slaAlerts = [];
    updateTitle();
    closePanel();
    $("conv").hidden = true;
    $("no-selection").hidden = false;
    showLogin(message);
  }

  desk.bindLogin({
    api: api,
    t: t,
    session: SESSION,
    allowed: function (agent) {
      return !!DESK_ROLES[agent.role];
    },
    refusedKey: "loginNoDesk",
    submitting: unlockAudio,
    loggedIn: function (res) {
      token = res.token;
      me = res.agent;
      showApp();
    },
  });
  $("logout").addEventListener("click", function () {
    logout();
  });
  desk.onLangButtons(function () {
    setLang(lang === "zh" ? "en" : "zh");
  });

  // ------------------------------------------------------------------ my status: online / away / offline
  function renderStatusToggle() {
    var status = (me && me.status) || "offline";
    $("status-toggle").setAttribute("data-status", status);
    ["online", "away", "offline"].forEach(function (s) {
      $("status-" + s).setAttribute("aria-pressed", String(s === status));
    });
  }
  ["online", "away", "offline"].forEach(function (s) {
    $("status-" + s).addEventListener("click", function () {
      if (!me || me.status === s) return;
      var before = me.status;
      me.status = s; // at once; put back if the server says no
      renderStatusToggle();
      api("PUT", "/api/agent/status", { status: s }).then(
        function () {
          desk.saveSession(SESSION, token, me);
          toast(t("statusChanged", { s: t("status_" + s) }));
          if (isSupervisor()) loadColleagues();
        },
        function (err) {
          me.status = before;
          renderStatusToggle();
          toast(t("actionFailed", { m: err.message }), "error");
        }
      );
    });
  });

  // ------------------------------------------------------------------ views: desk / supervisor
  function showView(next) {
    if (next === "supervisor" && !isSupervisor()) next = "desk";
    view = next;
    $("desk-view").hidden = view !== "desk";
    $("supervisor-view").hidden = view !== "supervisor";
    $("tab-desk").setAttribute("aria-selected", String(view === "desk"));
    $("tab-supervisor").setAttribute("aria-selected", String(view === "supervisor"));
    $("tab-desk").tabIndex = view === "desk" ? 0 : -1;
    $("tab-supervisor").tabIndex = view === "supervisor" ? 0 : -1;
    if (view === "supervisor") {
      alertsSeen = slaAlerts.length;
      loadColleagues();
      loadApprovals();
    }
    renderSupervisor();
  }
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
    showView(view === "desk" ? "supervisor" : "desk");
    $(view === "desk" ? "tab-desk" : "tab-supervisor").focus();
  });

  // ------------------------------------------------------------------ realtime: /ws/agent, polling as fallback
  function wsUrl() {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/agent?token=" + encodeURIComponent(token);
  }

  function connect() {
    disconnect();
    if (!token) return;
    var gen = ++socketGen;
    setConn("connecting");
    var ws;
    try {
      ws = new WebSocket(wsUrl());
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
      if (selectedId) refreshDetail();
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
      else if (frame.type === "approval_needed") onApprovalNeeded(frame);
    };
    ws.onclose = function (e) {
      if (gen !== socketGen) return;
      socket = null;
      if (e.code === 4401) return expire();
      onSocketDown(gen);
    };
  }

  function onSocketDown(gen) {
    if (gen !== socketGen || !token) return;
    startPolling();
    clearTimeout(reconnectTimer);
    var delay = Math.min(backoff, 30000) * (0.8 + Math.random() * 0.4);
    backoff = Math.min(backoff * 2, 30000);
    reconnectTimer = setTimeout(function () {
      if (gen !== socketGen || !token) return;
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

  function disconnect() {
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
      if (!token) return stopPolling();
      loadQueue();
      if (selectedId) refreshDetail();
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
  function renderConn() {
    var node = $("conn-status");
    node.setAttribute("data-state", connState);
    node.textContent = t(connState === "live" ? "live" : connState === "polling" ? "polling" : "connecting");
  }

  // ------------------------------------------------------------------ notifications: sound, title badge
  var audio = null;
  // browsers only let a page make sound after a click or key press: prepare the context then
  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    try {
      if (!audio) audio = new Ctx();
      if (audio.state === "suspended") audio.resume();
    } catch (e) {
      audio = null;
    }
  }
  document.addEventListener("pointerdown", unlockAudio, { passive: true });
  document.addEventListener("keydown", unlockAudio);
  function chime() {
    if (!audio) return;
    try {
      var start = audio.currentTime + 0.01;
      [880, 1320].forEach(function (freq, i) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = "sine";
        osc.frequency.value = freq;
        var at = start + i * 0.14;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.12, at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.13);
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(at);
        osc.stop(at + 0.15);
      });
    } catch (e) {
      /* no sound is not an error */
    }
  }

  function updateTitle() {
    var n = Object.keys(unseenNew).length + Object.keys(unseenAssigned).length;
    document.title = n ? "(" + n + ") kefu" : "kefu";
  }

  function onAssigned(frame) {
    if (!me || frame.agent_id !== me.id) return;
    var id = frame.conversation_id;
    if (id !== selectedId || document.hidden) unseenAssigned[id] = true;
    updateTitle();
    chime();
    var item = findItem(id);
    toast(t("assignedToYou", { name: item ? customerLabel(item) : "#" + String(id).slice(0, 8) }));
    loadQueue();
  }

  // ------------------------------------------------------------------ queue
  function loadQueue() {
    if (!token) return Promise.resolve();
    return api("GET", "/api/agent/queue").then(
      function (res) {
        onQueue(res.items || []);
      },
      function () {
        /* shown by the connection state; retried by polling */
      }
    );
  }

  function isMine(item) {
    return !!(me && item && item.assigned_agent_id === me.id);
  }
  function findItem(id) {
    for (var i = 0; i < queueItems.length; i++) if (queueItems[i].conversation_id === id) return queueItems[i];
    return null;
  }
  function customerLabel(item) {
    if (!item.customer_id) return t("guest");
    return item.customer_name || names[item.customer_id] || item.customer_id;
  }

  function onQueue(items) {
    var firstLoad = !queueLoaded;
    queueLoaded = true;
    var present = Object.create(null);
    items.forEach(function (it) {
      present[it.conversation_id] = it;
      if (it.customer_id && it.customer_name) names[it.customer_id] = it.customer_name;
      if (it.state === "queued") {
        if (!knownQueued[it.conversation_id] && !firstLoad && it.conversation_id !== selectedId) {
          unseenNew[it.conversation_id] = true;
          toast(t("newChat"));
        }
        knownQueued[it.conversation_id] = true;
      }
    });
    // forget badges of chats that are no longer waiting (or no longer mine)
    Object.keys(unseenNew).forEach(function (id) {
      if (!present[id] || present[id].state !== "queued") delete unseenNew[id];
    });
    Object.keys(knownQueued).forEach(function (id) {
      if (!present[id] || present[id].state !== "queued") delete knownQueued[id];
    });
    Object.keys(unseenAssigned).forEach(function (id) {
      if (!present[id] || !isMine(present[id])) delete unseenAssigned[id];
    });
    queueItems = items;
    slaAlerts = slaAlerts.filter(function (a) {
      return present[a.conversation_id];
    });
    updateTitle();
    renderQueue();
    if (view === "supervisor") throttledSupervisorRefresh();
    else renderSupervisorBadge();
    // keep the open chat fresh: my chats get their events over the socket, others are re-read
    if (selectedId && detail) {
      var it = present[selectedId];
      var open = detail.state === "queued" || detail.state === "agent" || detail.state === "callback";
      var changed = !it ? open : it.state !== detail.state || it.assigned_agent_id !== detail.assigned_agent_id;
      if (changed || (open && !isMine(detail))) scheduleRefresh();
    }
  }

  function orderedItems() {
    var rank = { queued: 0, callback: 1, agent: 2 };
    return queueItems.slice().sort(function (a, b) {
      var ra = rank[a.state] === undefined ? 3 : rank[a.state];
      var rb = rank[b.state] === undefined ? 3 : rank[b.state];
      if (ra !== rb) return ra - rb;
      if (ra === 2 && isMine(a) !== isMine(b)) return isMine(a) ? -1 : 1; // my chats first
      return (a.position || 0) - (b.position || 0);
    });
  }

  function renderQueue() {
    var list = $("queue");
    if (!list) return;
    var focusedId = document.activeElement && document.activeElement.getAttribute && document.activeElement.getAttribute("data-conversation-id");
    clear(list);
    var items = orderedItems();
    var groups = [
      ["queued", "groupQueued"],
      ["callback", "groupCallback"],
      ["agent", "groupActive"],
    ];
    groups.forEach(function (g) {
      var these = items.filter(function (i) {
        return i.state === g[0];
      });
      if (!these.length) return;
      list.appendChild(el("li", { className: "queue-group", role: "presentation", text: t(g[1]) + " · " + these.length }));
      these.forEach(function (i) {
        list.appendChild(queueRow(i));
      });
    });
    $("queue-count").textContent = String(queueItems.length);
    $("queue-empty").hidden = queueItems.length > 0 || !queueLoaded;
    if (focusedId) {
      var again = list.querySelector('[data-conversation-id="' + cssEscape(focusedId) + '"]');
      if (again) again.focus();
    }
  }

  function queueRow(item) {
    var mine = isMine(item);
    var wait = waitLabel(item.queued_at);
    var stateKey = item.state === "agent" && mine ? "mine" : item.state;
    var bottomNote = null;
    if (item.state === "agent" && !mine && item.assigned_agent_name) {
      bottomNote = el("span", { className: "qi-owner", "data-testid": "queue-owner", text: t("handledBy", { name: item.assigned_agent_name }) });
    } else if (item.state === "callback" && item.callback_contact) {
      bottomNote = el("span", { className: "qi-owner", "data-testid": "queue-owner", text: t("callbackContact", { c: item.callback_contact }) });
    }
    var btn = el(
      "button",
      {
        className: "queue-item",
        type: "button",
        "data-testid": "queue-item",
        "data-conversation-id": item.conversation_id,
        "data-state": item.state,
        "data-priority": item.priority,
        "data-mine": String(mine),
        "data-new": unseenNew[item.conversation_id] || unseenAssigned[item.conversation_id] || unreadMine[item.conversation_id] ? "true" : null,
        "aria-current": item.conversation_id === selectedId ? "true" : null,
        on: {
          click: function () {
            select(item.conversation_id);
          },
        },
      },
      [
        el("div", { className: "qi-top" }, [
          el("span", { className: "pill", "data-testid": "queue-priority", "data-priority": item.priority, text: label("prio_", item.priority) }),
          el("span", { className: "qi-name", "data-testid": "queue-name", text: customerLabel(item) }),
          item.state === "queued" && item.position ? el("span", { className: "qi-pos", title: t("position", { n: item.position }), text: t("position", { n: item.position }) }) : null,
          el("span", {
            className: "qi-wait",
            "data-testid": "queue-wait",
            "data-queued-at": item.queued_at || "",
            "data-level": item.state === "agent" ? null : wait.level || null,
            title: t("waited", { t: wait.text }),
            text: wait.text,
          }),
        ]),
        el("div", { className: "qi-bottom" }, [
          el("span", { className: "qi-reason", "data-testid": "queue-reason", "data-reason": item.reason || "", text: item.reason ? label("reason_", item.reason) : t("reason_unknown") }),
          el("span", { className: "lang-tag", "data-testid": "queue-lang", title: item.lang === "en" ? t("langEn") : t("langZh"), text: item.lang === "en" ? "EN" : "中" }),
          el("span", { className: "pill", "data-testid": "queue-state", "data-state": stateKey, text: label("state_", stateKey) }),
        ]),
        bottomNote ? el("div", { className: "qi-note" }, [bottomNote]) : null,
      ]
    );
    return el("li", null, [btn]);
  }

  // waiting times tick without a server round trip
  setInterval(function () {
    var nodes = document.querySelectorAll('[data-testid="queue-wait"]');
    for (var i = 0; i < nodes.length; i++) {
      var w = waitLabel(nodes[i].getAttribute("data-queued-at"));
      nodes[i].textContent = w.text;
      var state = nodes[i].closest("[data-state]");
      if (w.level && !(state && state.getAttribute("data-state") === "agent")) nodes[i].setAttribute("data-level", w.level);
      else nodes[i].removeAttribute("data-level");
    }
  }, 15000);

  // Alt+↓ / Alt+↑: the next / previous chat in the list as shown
  function step(delta) {
    var buttons = Array.prototype.slice.call(document.querySelectorAll('#queue [data-testid="queue-item"]'));
    if (!buttons.length) return;
    var ids = buttons.map(function (b) {
      return b.getAttribute("data-conversation-id");
    });
    var at = ids.indexOf(selectedId);
    var next = at === -1 ? (delta > 0 ? 0 : ids.length - 1) : Math.max(0, Math.min(ids.length - 1, at + delta));
    if (ids[next] === selectedId) return;
    var focusOnList = document.activeElement && document.activeElement.getAttribute("data-testid") === "queue-item";
    select(ids[next]);
    var target = document.querySelector('#queue [data-conversation-id="' + cssEscape(ids[next]) + '"]');
    if (target) {
      target.scrollIntoView({ block: "nearest" });
      if (focusOnList) target.focus();
    }
  }

  // ------------------------------------------------------------------ a conversation
  function select(id) {
    if (selectedId !== id) {
      stopMyTyping();
      selectedId = id;
      detail = null;
      seenSeq = Object.create(null);
      latestShopperSeq = 0;
      pendingReplies = Object.create(null);
      suggestions = null;
      clear($("transcript"));
      clear($("suggestion-list"));
      $("suggestions-for").textContent = "";
      hideShopperTyping();
      closePanel();
      clear($("audit-body"));
      $("audit-card").hidden = true;
    }
    delete unseenNew[id];
    delete unseenAssigned[id];
    delete unreadMine[id];
    updateTitle();
    renderQueue();
    if (view !== "desk") showView("desk");
    $("no-selection").hidden = true;
    $("conv").hidden = false;
    refreshDetail();
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refreshDetail, 250);
  }

  var refreshing = null;
  function refreshDetail() {
    var id = selectedId;
    if (!id || !token) return;
    if (refreshing === id) {
      scheduleRefresh(); // one at a time; ask again afterwards
      return;
    }
    refreshing = id;
    api("GET", chatPath(id))
      .then(function (res) {
        if (selectedId === id) setDetail(res);
      })
      .catch(function (err) {
        if (err.status && err.status !== 401) toast(err.message, "error");
      })
      .then(function () {
        if (refreshing === id) refreshing = null;
      });
  }

  function setDetail(res) {
    var first = !detail || detail.conversation_id !== res.conversation_id;
    var wasMine = detail && isMine(detail) && detail.state === "agent";
    detail = res;
    if (res.customer && res.customer.name && res.customer_id) names[res.customer_id] = res.customer.name;
    renderDetail(first);
    var mineNow = isMine(detail) && detail.state === "agent";
    if (mineNow && (first || !wasMine || !suggestions)) scheduleSuggestions();
    if (!mineNow && !$("action-panel").hidden) closePanel();
    if (isSupervisor()) loadAudit();
  }

  function renderDetail(full) {
    if (!detail) return;
    var d = detail;
    var mine = isMine(d);
    var who = (d.customer && d.customer.name) || d.customer_id || t("guest");
    $("conv-name").textContent = who;
    var stateKey = d.state === "agent" && mine ? "mine" : d.state;
    var st = $("conv-state");
    st.setAttribute("data-state", stateKey);
    st.textContent = label("state_", stateKey);
    var pr = $("conv-priority");
    pr.setAttribute("data-priority", d.priority || "routine");
    pr.textContent = label("prio_", d.priority || "routine");
    pr.setAttribute("title", t("priority"));
    $("conv-lang").textContent = d.lang === "en" ? t("langEn") : t("langZh");
    var owner = $("conv-owner");
    owner.textContent = d.state === "agent" && !mine && d.assigned_agent_name ? t("handledBy", { name: d.assigned_agent_name }) : d.state === "callback" && d.callback_contact ? t("callbackContact", { c: d.callback_contact }) : "";
    owner.hidden = !owner.textContent;
    $("conv-id").textContent = "#" + String(d.conversation_id).slice(0, 8);
    $("conv-id").setAttribute("title", d.conversation_id);

    var myChat = d.state === "agent" && mine;
    $("claim").hidden = !(d.state === "queued" || d.state === "callback");
    $("action-bar").hidden = !myChat;
    $("handback-group").hidden = !myChat;
    var noCustomer = !d.customer_id;
    $("action-coupon").disabled = noCustomer;
    $("action-return").disabled = noCustomer;
    $("composer").hidden = !myChat;
    var note = $("composer-note");
    var noteKey =
      d.state === "queued" ? "noteQueued" : d.state === "callback" ? "noteCallback" : d.state === "agent" && !mine ? "noteOther" : d.state === "bot" ? "noteBot" : d.state === "agent" ? null : "noteClosed";
    note.hidden = !noteKey;
    note.textContent = noteKey ? t(noteKey) : "";
    if (!myChat) hideShopperTyping();

    if (full) {
      clear($("transcript"));
      seenSeq = Object.create(null);
    }
    (d.events || []).forEach(function (ev) {
      addTranscriptEvent(ev);
    });
    if (full) scrollTranscript(true);
    renderEscalation();
    renderCustomer();
    renderSuggestions();
    renderPanels();
    renderQueue();
  }

  function scrollTranscript(force) {
    var tr = $("transcript");
    if (force || tr.scrollHeight - tr.scrollTop - tr.clientHeight < 120) tr.scrollTop = tr.scrollHeight;
  }

  function senderLabel(ev) {
    if (ev.sender === "shopper") return (detail && detail.customer && detail.customer.name) || t("shopper");
    if (ev.sender === "bot") return t("bot");
    if (ev.sender === "agent") {
      var name = ev.payload && ev.payload.agent_name;
      if (me && name && name === me.display_name) return t("you") + " · " + name;
      return name || t("agent");
    }
    return "";
  }

  function cardRow(card) {
    if (!card || typeof card !== "object") return null;
    var text;
    if (card.type === "coupon") {
      text = t("couponCard", { n: amount(card.amount), title: lang === "en" ? card.title_en || card.title_zh : card.title_zh || card.title_en, code: card.code, d: card.valid_until });
    } else if (card.type === "return") {
      text = t("returnCard", { kind: label("kind_", card.kind), id: card.return_id, order: card.order_id });
    } else return null;
    return el("div", { className: "msg-card", "data-testid": "transcript-card", "data-card-type": card.type }, [
      el("b", { text: label("card_", card.type) }),
      el("span", { text: text }),
    ]);
  }

  function transcriptRow(ev) {
    var payload = ev.payload && typeof ev.payload === "object" ? ev.payload : {};
    if (ev.kind === "csat") {
      var score = Number(payload.score) || 0;
      var stars = "★★★★★".slice(0, score) + "☆☆☆☆☆".slice(0, 5 - score);
      return el("div", {
        className: "notice notice-csat",
        "data-testid": "transcript-notice",
        "data-kind": "csat",
        "data-score": String(score),
        "data-seq": String(ev.seq),
        text: t("csatAnswer", { n: score }) + " " + stars + (ev.text ? "\n“" + ev.text + "”" : ""),
      });
    }
    if (ev.kind === "csat_request") {
      return el("div", { className: "notice", "data-testid": "transcript-notice", "data-kind": "csat_request", "data-seq": String(ev.seq), text: t("csatRequested") });
    }
    if (ev.kind === "state" || ev.sender === "system") {
      return el("div", { className: "notice", "data-testid": "transcript-notice", "data-seq": String(ev.seq), "data-state": payload.state || null, text: ev.text || "" });
    }
    var row = el("div", {
      className: "msg",
      "data-testid": "transcript-message",
      "data-sender": ev.sender,
      "data-seq": ev.seq ? String(ev.seq) : null,
      "data-client-id": ev.client_id || null,
    });
    row.appendChild(el("div", { className: "msg-who" }, [el("span", { className: "msg-name", text: senderLabel(ev) })]));
    row.appendChild(el("div", { className: "bubble", text: ev.text || "" }));
    var card = cardRow(payload.card);
    if (card) row.appendChild(card);
    if (Array.isArray(payload.buttons) && payload.buttons.length) {
      row.appendChild(
        el(
          "div",
          { className: "msg-buttons" },
          payload.buttons.map(function (b) {
            return el("span", { text: String((b && (b.title || b.payload)) || "") });
          })
        )
      );
    }
    row.appendChild(el("div", { className: "msg-time", text: hhmm(ev.created_at) }));
    return row;
  }

  function insertBySeq(container, node, seq) {
    var kids = container.children;
    for (var i = kids.length - 1; i >= 0; i--) {
      var s = Number(kids[i].getAttribute("data-seq"));
      if (s && s < seq) {
        container.insertBefore(node, kids[i].nextSibling);
        return;
      }
    }
    container.insertBefore(node, container.firstChild);
  }

  function addTranscriptEvent(ev) {
    if (!ev || typeof ev.seq !== "number" || seenSeq[ev.seq]) return false;
    seenSeq[ev.seq] = true;
    var tr = $("transcript");
    var stick = tr.scrollHeight - tr.scrollTop - tr.clientHeight < 120;
    var pending = ev.client_id && pendingReplies[ev.client_id];
    if (pending) {
      delete pendingReplies[ev.client_id];
      pending.row.parentNode && pending.row.parentNode.removeChild(pending.row);
    }
    // a new question from the shopper: new suggestions (whichever way the event came in)
    if (ev.sender === "shopper" && ev.kind === "message" && ev.seq > latestShopperSeq) {
      latestShopperSeq = ev.seq;
      if (detail && isMine(detail) && detail.state === "agent") scheduleSuggestions();
    }
    var row = transcriptRow(ev);
    var pendingRows = tr.querySelectorAll('[data-status="pending"], [data-status="failed"]');
    var lastSeqNode = null;
    var kids = tr.children;
    for (var i = kids.length - 1; i >= 0; i--) {
      if (kids[i].getAttribute("data-seq")) {
        lastSeqNode = kids[i];
        break;
      }
    }
    if (!lastSeqNode || Number(lastSeqNode.getAttribute("data-seq")) < ev.seq) {
      // newest confirmed event: after the confirmed ones, before any pending reply
      tr.insertBefore(row, pendingRows.length ? pendingRows[0] : null);
    } else {
      insertBySeq(tr, row, ev.seq);
    }
    if (stick || ev.sender === "agent") scrollTranscript(true);
    return true;
  }

  function onAgentEvent(ev) {
    if (ev.conversation_id === selectedId && detail) {
      var added = addTranscriptEvent(ev);
      if (ev.kind === "state") scheduleRefresh();
      else if (added && detail.events) detail.events.push(ev);
      if (added && ev.sender === "shopper" && ev.kind === "message") hideShopperTyping();
    } else if (ev.sender === "shopper" && ev.kind === "message") {
      unreadMine[ev.conversation_id] = true;
      renderQueue();
    }
  }

  // ------------------------------------------------------------------ the shopper typing (my chats only)
  var typingTimer = null;
  function onShopperTyping(frame) {
    if (frame.conversation_id !== selectedId || !detail || !isMine(detail)) return;
    if (!frame.typing) return hideShopperTyping();
    var node = $("shopper-typing");
    node.querySelector("span").textContent = t("shopperTyping", { name: (detail.customer && detail.customer.name) || t("shopper") });
    node.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideShopperTyping, 6000); // the "stopped" signal may be lost
  }
  function hideShopperTyping() {
    clearTimeout(typingTimer);
    $("shopper-typing").hidden = true;
  }

  // my typing, for the shopper: at most one "typing" every 3 s, "stopped" after 4 s idle or on send
  var myTyping = null; // conversation id I told I am typing in
  var myTypingAt = 0;
  var myTypingIdle = null;
  function noteMyTyping() {
    if (!detail || !isMine(detail) || detail.state !== "agent") return;
    var id = detail.conversation_id;
    if (myTyping !== id || Date.now() - myTypingAt > 3000) sendMyTyping(id, true);
    clearTimeout(myTypingIdle);
    myTypingIdle = setTimeout(stopMyTyping, 4000);
  }
  function stopMyTyping() {
    clearTimeout(myTypingIdle);
    if (myTyping) sendMyTyping(myTyping, false);
  }
  function sendMyTyping(id, on) {
    myTyping = on ? id : null;
    myTypingAt = Date.now();
    api("POST", chatPath(id, "/typing"), { typing: on }).catch(function () {
      /* ephemeral: nothing to retry */
    });
  }

  // ------------------------------------------------------------------ why the bot escalated, history, sentiment
  // the bot's bookkeeping, not something an agent acts on
  var HIDDEN_SLOTS = { session_started_metadata: true, requested_slot: true, handoff_outcome: true, failed_turns: true };

  function sentimentLevel(v) {
    return v >= 0.65 ? "upset" : v >= 0.35 ? "uneasy" : "calm";
  }

  function sentimentTrend(points) {
    var wrap = el("div", { className: "trend", "data-testid": "sentiment-trend" });
    wrap.appendChild(el("div", { className: "sub-title" }, [el("span", { text: t("sentiment") }), el("span", { className: "muted", text: t("sentimentHelp") })]));
    var w = 260,
      h = 44,
      padX = 8,
      padY = 7;
    var svg = svgEl("svg", { viewBox: "0 0 " + w + " " + h, class: "sparkline", role: "img", "aria-label": t("sentiment") });
    var xs = points.map(function (_, i) {
      return points.length === 1 ? w / 2 : padX + (i * (w - 2 * padX)) / (points.length - 1);
    });
    var ys = points.map(function (p) {
      var v = Math.max(0, Math.min(1, Number(p.sentiment) || 0));
      return padY + (1 - v) * (h - 2 * padY);
    });
    svg.appendChild(svgEl("line", { x1: 0, x2: w, y1: padY + 0.35 * (h - 2 * padY), y2: padY + 0.35 * (h - 2 * padY), class: "spark-grid" }));
    if (points.length > 1) {
      svg.appendChild(
        svgEl("polyline", {
          points: xs
            .map(function (x, i) {
              return x.toFixed(1) + "," + ys[i].toFixed(1);
            })
            .join(" "),
          class: "spark-line",
        })
      );
    }
    wrap.appendChild(svg);
    var dots = el("ol", { className: "trend-dots" });
    points.forEach(function (p, i) {
      var v = Math.max(0, Math.min(1, Number(p.sentiment) || 0));
      var level = sentimentLevel(v);
      var tip = label("sentiment_", level) + " · " + Math.round(v * 100) + "% · " + String(p.text || "");
      svg.appendChild(svgEl("circle", { cx: xs[i].toFixed(1), cy: ys[i].toFixed(1), r: 4, class: "spark-dot", "data-level": level }));
      dots.appendChild(el("li", { className: "trend-dot", "data-testid": "sentiment-dot", "data-sentiment": String(v), "data-level": level, title: tip }, [el("span", { className: "sr-only", text: tip })]));
    });
    wrap.appendChild(dots);
    return wrap;
  }

  function renderEscalation() {
    var body = $("escalation-body");
    clear(body);
    var esc = detail && detail.escalation;
    if (!esc) {
      body.appendChild(el("p", { className: "muted", "data-testid": "escalation-reason", "data-reason": "", text: t("noEscalation") }));
      return;
    }
    body.appendChild(
      el("div", { className: "reason" }, [
        el("strong", { id: "escalation-reason", "data-testid": "escalation-reason", "data-reason": esc.reason || "", text: esc.reason ? label("reason_", esc.reason) : t("reason_unknown") }),
        el("span", { className: "pill", "data-testid": "escalation-priority", "data-priority": esc.priority || "routine", text: label("prio_", esc.priority || "routine") }),
      ])
    );
    var help = TEXT[lang]["help_" + esc.reason];
    if (help) body.appendChild(el("p", { className: "reason-help", text: help }));
    body.appendChild(
      el("div", { className: "summary" + (esc.summary ? "" : " empty"), id: "escalation-summary", "data-testid": "escalation-summary", text: esc.summary || t("noSummary") })
    );
    var slots = esc.slots && typeof esc.slots === "object" ? esc.slots : {};
    var keys = Object.keys(slots).filter(function (k) {
      return !HIDDEN_SLOTS[k] && slots[k] !== null && slots[k] !== undefined && slots[k] !== "";
    });
    if (keys.length) {
      var dl = el("dl", { className: "kv", "data-testid": "escalation-slots", "aria-label": t("slots") });
      keys.forEach(function (k) {
        var v = slots[k];
        dl.appendChild(el("dt", { text: label("slot_", k) }));
        dl.appendChild(el("dd", { text: typeof v === "object" ? JSON.stringify(v) : String(v) }));
      });
      body.appendChild(dl);
    }
    var trend = Array.isArray(detail.sentiment_trend) ? detail.sentiment_trend : [];
    if (trend.length) body.appendChild(sentimentTrend(trend));
    var history = Array.isArray(detail.escalations) ? detail.escalations : [];
    if (history.length) {
      var ol = el("ol", { className: "history", "data-testid": "escalation-history" });
      history.forEach(function (h) {
        ol.appendChild(
          el("li", { "data-testid": "escalation-history-item", "data-reason": h.reason || "" }, [
            el("span", { className: "history-time", text: dayTime(h.created_at) }),
            el("span", { className: "history-reason", text: h.reason ? label("reason_", h.reason) : t("reason_unknown") }),
            el("span", { className: "pill", "data-priority": h.priority || "routine", text: label("prio_", h.priority || "routine") }),
          ])
        );
      });
      body.appendChild(el("div", { className: "sub-title" }, [el("span", { text: t("history") + " · " + history.length })]));
      body.appendChild(ol);
    }
    var turns = Array.isArray(esc.transcript) ? esc.transcript : [];
    if (turns.length) {
      var list = el("ol");
      turns.forEach(function (turn) {
        var conf = typeof turn.confidence === "number" ? " " + Math.round(turn.confidence * 100) + "%" : "";
        list.appendChild(
          el("li", null, [
            el("b", { text: (turn.sender === "bot" ? t("bot") : t("shopper")) + (lang === "zh" ? "：" : ": ") }),
            String(turn.text || ""),
            turn.intent ? el("span", { className: "intent", text: "  " + turn.intent + conf }) : null,
          ])
        );
      });
      body.appendChild(el("details", { className: "turns", "data-testid": "escalation-transcript" }, [el("summary", { text: t("botTurns", { n: turns.length }) }), list]));
    }
  }

  // ------------------------------------------------------------------ customer 360
  function stat(testid, value, text, alert) {
    return el("div", { className: "stat", "data-alert": alert ? "true" : null }, [el("b", { "data-testid": testid, text: value }), el("span", { text: text })]);
  }

  function renderCustomer() {
    var body = $("customer-body");
    var draft = $("note-text") ? { text: $("note-text").value, tags: $("note-tags").value, focus: document.activeElement && document.activeElement.id } : null;
    clear(body);
    var c = detail && detail.customer;
    if (!c) {
      body.appendChild(el("p", { className: "muted", "data-testid": "customer-none", text: t("noCustomer") }));
      if (detail && detail.customer_id) body.appendChild(el("div", { className: "cust-id", text: "ID: " + detail.customer_id }));
      return;
    }
    var name = c.name || c.customer_id || t("guest");
    body.appendChild(
      el("div", { className: "cust-head" }, [
        el("div", { className: "cust-avatar", "aria-hidden": "true", text: String(name).trim().charAt(0).toUpperCase() }),
        el("div", null, [el("div", { className: "cust-name", "data-testid": "customer-name", text: name }), el("div", { className: "cust-id", text: "ID: " + (c.customer_id || "") })]),
      ])
    );
    if (c.store_error) body.appendChild(el("p", { className: "warn", "data-testid": "customer-store-error", text: t("storeError", { m: c.store_error }) }));
    var tags = Array.isArray(c.tags) ? c.tags : [];
    if (tags.length) {
      body.appendChild(
        el(
          "div",
          { className: "tags", "data-testid": "customer-tags" },
          tags.map(function (tag) {
            return el("span", { text: String(tag) });
          })
        )
      );
    }
    var complaints = Number(c.past_complaints) || 0;
    body.appendChild(
      el("div", { className: "stats" }, [
        stat("customer-order-count", String(Number(c.order_count) || 0), t("orderCount")),
        stat("customer-total-spend", money(c.total_spend), t("totalSpend")),
        stat("customer-aov", money(c.average_order_value), t("aov")),
        stat("customer-complaints", String(complaints), t("complaints"), complaints > 0),
      ])
    );

    var orders = Array.isArray(c.orders) ? c.orders : [];
    body.appendChild(el("div", { className: "orders-title", text: t("orders") + (orders.length ? " · " + orders.length : "") }));
    var list = el("div", { "data-testid": "customer-orders" });
    if (!orders.length) list.appendChild(el("p", { className: "muted", text: t("noOrders") }));
    orders.forEach(function (o) {
      var items = Array.isArray(o.items) ? o.items.join(lang === "zh" ? "、" : ", ") : "";
      var sub = day(o.created_at) + (o.delivered_at ? " · " + t("deliveredAt", { d: day(o.delivered_at) }) : "");
      list.appendChild(
        el("div", { className: "order", "data-testid": "customer-order", "data-order-id": o.order_id }, [
          el("div", { className: "order-top" }, [
            el("span", { className: "order-id", text: o.order_id }),
            el("span", { className: "status", "data-status": o.status, text: label("order_", o.status) }),
            el("span", { className: "order-total", text: money(o.total) }),
          ]),
          items ? el("div", { className: "order-items", text: items }) : null,
          el("div", { className: "order-sub", text: sub }),
          o.logistics ? el("div", { className: "order-log", text: t("logistics") + (lang === "zh" ? "：" : ": ") + o.logistics }) : null,
        ])
      );
    });
    body.appendChild(list);

    // past chats: open any of them
    var past = (Array.isArray(c.past_conversations) ? c.past_conversations : []).filter(function (p) {
      return p.conversation_id !== detail.conversation_id;
    });
    body.appendChild(el("div", { className: "orders-title", text: t("pastChats") + (past.length ? " · " + past.length : "") }));
    var chats = el("ul", { className: "past", "data-testid": "customer-past-chats" });
    if (!past.length) chats.appendChild(el("li", { className: "muted", text: t("noPastChats") }));
    past.forEach(function (p) {
      chats.appendChild(
        el("li", null, [
          el(
            "button",
            {
              type: "button",
              className: "past-chat",
              "data-testid": "customer-past-chat",
              "data-conversation-id": p.conversation_id,
              title: t("openChat"),
              on: {
                click: function () {
                  select(p.conversation_id);
                },
              },
            },
            [
              el("span", { className: "past-time", text: dayTime(p.created_at) }),
              el("span", { className: "past-reason", text: p.reason ? label("reason_", p.reason) : "—" }),
              el("span", { className: "pill", "data-state": p.state, text: label("state_", p.state) }),
            ]
          ),
        ])
      );
    });
    body.appendChild(chats);

    // notes (with tags) the desk keeps about this customer
    var notes = Array.isArray(c.notes) ? c.notes : [];
    body.appendChild(el("div", { className: "orders-title", text: t("notes") + (notes.length ? " · " + notes.length : "") }));
    var noteList = el("ul", { className: "notes", "data-testid": "customer-notes" });
    if (!notes.length) noteList.appendChild(el("li", { className: "muted", text: t("noNotes") }));
    notes.forEach(function (n) {
      noteList.appendChild(
        el("li", { className: "note", "data-testid": "customer-note" }, [
          n.text ? el("div", { className: "note-text", text: n.text }) : null,
          Array.isArray(n.tags) && n.tags.length
            ? el(
                "div",
                { className: "tags" },
                n.tags.map(function (tag) {
                  return el("span", { text: String(tag) });
                })
              )
            : null,
          el("div", { className: "note-by", text: (n.by || "") + " · " + dayTime(n.created_at) }),
        ])
      );
    });
    body.appendChild(noteList);
    var form = el("form", { className: "note-form", "data-testid": "note-form", novalidate: true }, [
      el("label", { className: "sr-only", for: "note-text", text: t("notes") }),
      el("textarea", { id: "note-text", "data-testid": "note-text", rows: "2", maxlength: "2000", placeholder: t("notePlaceholder") }),
      el("div", { className: "note-row" }, [
        el("label", { className: "sr-only", for: "note-tags", text: t("noteTags") }),
        el("input", { id: "note-tags", "data-testid": "note-tags", maxlength: "200", placeholder: t("noteTagsPlaceholder"), title: t("noteTags") }),
        el("button", { className: "btn btn-secondary btn-sm", type: "submit", id: "note-save", "data-testid": "note-save", text: t("noteSave") }),
      ]),
    ]);
    form.addEventListener("submit", saveNote);
    body.appendChild(form);
    if (draft) {
      $("note-text").value = draft.text;
      $("note-tags").value = draft.tags;
      if (draft.focus === "note-text" || draft.focus === "note-tags") $(draft.focus).focus();
    }
  }

  function saveNote(e) {
    e.preventDefault();
    if (!detail || !detail.customer_id) return;
    var text = $("note-text").value.trim();
    var tags = $("note-tags")
      .value.split(/[,，、]/)
      .map(function (s) {
        return s.trim();
      })
      .filter(Boolean);
    if (!text && !tags.length) return toast(t("noteEmpty"), "error");
    var id = detail.conversation_id;
    var btn = $("note-save");
    btn.disabled = true;
    api("POST", "/api/agent/customers/" + encodeURIComponent(detail.customer_id) + "/notes", { text: text, tags: tags })
      .then(function (profile) {
        toast(t("noteSaved"));
        if (!detail || detail.conversation_id !== id) return;
        $("note-text").value = "";
        $("note-tags").value = "";
        if (profile && profile.customer_id) detail.customer = profile;
        renderCustomer();
      })
      .catch(function (err) {
        btn.disabled = false;
        toast(t("actionFailed", { m: err.message }), "error");
      });
  }

  // ------------------------------------------------------------------ audit log (supervisors)
  var auditFor = null;
  function loadAudit() {
    var id = selectedId;
    if (!id || !isSupervisor()) return;
    auditFor = id;
    api("GET", "/api/agent/audit?conversation_id=" + encodeURIComponent(id)).then(
      function (res) {
        if (selectedId !== id || auditFor !== id) return;
        renderAudit(res.entries || []);
      },
      function () {
        $("audit-card").hidden = true;
      }
    );
  }
  function agentName(id) {
    if (me && id === me.id) return me.display_name;
    var list = colleagues || [];
    for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i].display_name;
    return id === null || id === undefined ? t("system") : "#" + id;
  }
  function renderAudit(entries) {
    var body = $("audit-body");
    clear(body);
    $("audit-card").hidden = false;
    if (!entries.length) return body.appendChild(el("p", { className: "muted", text: t("auditEmpty") }));
    var ol = el("ol", { className: "audit" });
    entries
      .slice()
      .reverse()
      .forEach(function (a) {
        var d = a.detail || {};
        var extra = d.amount ? " ¥" + amount(d.amount) : d.outcome ? " · " + label("", d.outcome) : d.order_id ? " · " + d.order_id : "";
        ol.appendChild(
          el("li", { "data-testid": "audit-entry", "data-action": a.action }, [
            el("span", { className: "history-time", text: dayTime(a.created_at) }),
            el("span", { text: agentName(a.agent_id) + " " + label("audit_", a.action) + extra }),
          ])
        );
      });
    body.appendChild(ol);
  }

  // ------------------------------------------------------------------ suggested replies
  var suggestions = null; // {conversationId, state: loading|ok|failed, forMessage, items: [{kind, title, text, score}]}
  var suggestTimer = null;
  function scheduleSuggestions() {
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(loadSuggestions, 500);
  }
  function loadSuggestions() {
    var id = selectedId;
    if (!id || !detail || !isMine(detail) || detail.state !== "agent") return;
    var keep = suggestions && suggestions.conversationId === id ? suggestions.items : [];
    suggestions = { conversationId: id, state: "loading", forMessage: suggestions && suggestions.forMessage, items: keep };
    renderSuggestions();
    api("GET", chatPath(id, "/suggestions")).then(
      function (res) {
        if (selectedId !== id) return;
        var items = [];
        (res.knowledge || []).forEach(function (k) {
          if (k && k.text) items.push({ kind: "knowledge", title: t("suggestionKb"), text: String(k.text), score: k.score, id: k.id });
        });
        (res.canned || []).forEach(function (c) {
          if (c && c.text) items.push({ kind: "canned", title: String(c.title || t("canned")), text: String(c.text), id: c.id });
        });
        suggestions = { conversationId: id, state: "ok", forMessage: res.for_message || "", items: items };
        renderSuggestions();
      },
      function () {
        if (selectedId !== id) return;
        suggestions = { conversationId: id, state: "failed", forMessage: "", items: keep };
        renderSuggestions();
      }
    );
  }
  function renderSuggestions() {
    var list = $("suggestion-list");
    var box = $("suggestions");
    clear(list);
    var s = suggestions && suggestions.conversationId === selectedId ? suggestions : null;
    box.setAttribute("data-state", s ? s.state : "none");
    var forNode = $("suggestions-for");
    forNode.textContent = s && s.forMessage ? t("suggestionsFor", { m: s.forMessage.length > 40 ? s.forMessage.slice(0, 40) + "…" : s.forMessage }) : "";
    forNode.setAttribute("title", (s && s.forMessage) || "");
    if (!s) return;
    if (!s.items.length) {
      list.appendChild(el("span", { className: "muted", text: s.state === "loading" ? t("suggestionsLoading") : s.state === "failed" ? t("suggestionsFailed") : t("suggestionsNone") }));
      return;
    }
    s.items.forEach(function (item, i) {
      var key = i < 5 ? "Alt+" + (i + 1) : "";
      list.appendChild(
        el(
          "button",
          {
            type: "button",
            className: "suggestion",
            "data-testid": "suggestion",
            "data-kind": item.kind,
            "data-text": item.text,
            title: t("suggestionInsert") + (key ? " (" + key + ")" : "") + "\n\n" + item.text,
            on: {
              click: function () {
                insertSuggestion(item.text);
              },
            },
          },
          [
            el("span", { className: "suggestion-kind", "data-kind": item.kind }, [
              item.title,
              typeof item.score === "number" ? el("span", { className: "suggestion-score", text: t("suggestionScore", { p: Math.round(item.score * 100) }) }) : null,
            ]),
            el("span", { className: "suggestion-text", text: item.text }),
          ]
        )
      );
    });
  }
  function insertSuggestion(text) {
    var input = $("reply-input");
    if (!input || $("composer").hidden) return;
    var current = input.value;
    input.value = current.trim() ? current + (/\s$/.test(current) ? "" : "\n") + text : text;
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    noteMyTyping();
  }
  $("suggestions-refresh").addEventListener("click", loadSuggestions);

  // ------------------------------------------------------------------ claim, hand back
  $("claim").addEventListener("click", function () {
    var id = selectedId;
    var btn = $("claim");
    btn.disabled = true;
    btn.textContent = t("claiming");
    api("POST", chatPath(id, "/claim"))
      .then(function (res) {
        if (selectedId !== id) return;
        setDetail(res);
        toast(t("claimed"));
        $("reply-input").focus();
      })
      .catch(function (err) {
        toast(err.status === 409 ? (/limit/.test(err.message || "") ? t("claimFull") : t("claimConflict")) : err.message, "error");
        refreshDetail();
      })
      .then(function () {
        btn.disabled = false;
        btn.textContent = t("claim");
        loadQueue();
      });
  });

  $("handback").addEventListener("click", function () {
    var id = selectedId;
    var btn = $("handback");
    btn.disabled = true;
    stopMyTyping();
    api("POST", chatPath(id, "/handback"), { outcome: $("handback-outcome").value })
      .then(function () {
        toast(t("handedBack"));
        if (selectedId === id) refreshDetail();
      })
      .catch(function (err) {
        toast(err.message, "error");
        refreshDetail();
      })
      .then(function () {
        btn.disabled = false;
        loadQueue();
      });
  });

  // ------------------------------------------------------------------ one-click actions: coupon, return, transfer, close
  var PANELS = ["coupon", "return", "transfer", "close"];
  function openPanel(name) {
    var panel = $("action-panel");
    if (panel.getAttribute("data-panel") === name && !panel.hidden) return closePanel();
    panel.hidden = false;
    panel.setAttribute("data-panel", name);
    PANELS.forEach(function (p) {
      $(p + "-form").hidden = p !== name;
      $("action-" + p).setAttribute("aria-expanded", String(p === name));
    });
    ["coupon-result", "return-result", "transfer-result"].forEach(function (r) {
      $(r).hidden = true;
      $(r).removeAttribute("data-status");
    });
    renderPanels();
    var first = { coupon: "coupon-amount", return: "return-order", transfer: colleagues ? "transfer-agent" : "transfer-team", close: "close-submit" }[name];
    if (name === "transfer") loadColleagues();
    setTimeout(function () {
      $(first).focus();
    }, 0);
  }
  function closePanel() {
    var panel = $("action-panel");
    if (!panel) return;
    var was = panel.getAttribute("data-panel");
    panel.hidden = true;
    panel.setAttribute("data-panel", "");
    PANELS.forEach(function (p) {
      $(p + "-form").hidden = true;
      $("action-" + p).setAttribute("aria-expanded", "false");
    });
    if (was && !$("action-" + was).hidden && document.activeElement && panel.contains(document.activeElement)) $("action-" + was).focus();
  }
  PANELS.forEach(function (p) {
    $("action-" + p).addEventListener("click", function () {
      openPanel(p);
    });
  });
  var closers = document.querySelectorAll("[data-close-panel]");
  for (var ci = 0; ci < closers.length; ci++) closers[ci].addEventListener("click", closePanel);
  $("action-panel").addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      e.stopPropagation();
      closePanel();
    }
  });

  function showResult(id, status, text) {
    var node = $(id);
    node.hidden = false;
    node.setAttribute("data-status", status);
    node.textContent = text;
  }
  function errorText(err) {
    // the store's refusals come as 409 with its reason
    return err.status === 409 && /store refused/.test(err.message || "") ? t("storeRefused", { m: String(err.message).replace(/^the store refused:?\s*/, "") }) : t("actionFailed", { m: err.message });
  }

  // the panels' contents that depend on the chat and the customer
  function renderPanels() {
    // the limit is known to the client only if the server tells it (me.coupon_limit)
    var limit = me && typeof me.coupon_limit === "number" ? t("couponLimit", { n: amount(me.coupon_limit) }) : me && me.role === "agent" ? "" : t("couponLimitSupervisor");
    $("coupon-limit").textContent = limit;
    var select = $("return-order");
    var chosen = select.value;
    clear(select);
    var orders = (detail && detail.customer && Array.isArray(detail.customer.orders) ? detail.customer.orders : []).slice();
    // delivered orders first: they are the ones a return is for
    orders.sort(function (a, b) {
      return (a.status === "delivered" ? 0 : 1) - (b.status === "delivered" ? 0 : 1);
    });
    orders.forEach(function (o) {
      var items = Array.isArray(o.items) ? o.items.join(lang === "zh" ? "、" : ", ") : "";
      select.appendChild(el("option", { value: o.order_id, text: o.order_id + " · " + label("order_", o.status) + " · " + money(o.total) + (items ? " · " + items : "") }));
    });
    if (chosen) select.value = chosen;
    $("return-submit").disabled = !orders.length;
    if (!orders.length) select.appendChild(el("option", { value: "", text: t("returnNoOrders") }));
    renderTransferChoices();
  }

  $("coupon-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var id = selectedId;
    var value = Number($("coupon-amount").value);
    if (!(value >= 1 && value <= 10000)) {
      showResult("coupon-result", "error", t("couponBadAmount"));
      return $("coupon-amount").focus();
    }
    var btn = $("coupon-submit");
    btn.disabled = true;
    api("POST", chatPath(id, "/coupon"), { amount: value, reason: $("coupon-reason").value.trim() })
      .then(function (res) {
        if (res.status === "issued") {
          var coupon = res.coupon || {};
          toast(t("couponIssued", { n: amount(coupon.amount || value), code: coupon.code || "" }));
          $("coupon-amount").value = "";
          $("coupon-reason").value = "";
          showResult("coupon-result", "issued", t("couponIssued", { n: amount(coupon.amount || value), code: coupon.code || "" }));
        } else {
          showResult("coupon-result", "pending", t("couponPending", { id: res.request_id }));
        }
      })
      .catch(function (err) {
        showResult("coupon-result", "error", errorText(err));
      })
      .then(function () {
        btn.disabled = false;
      });
  });

  $("return-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var id = selectedId;
    var orderId = $("return-order").value;
    if (!orderId) return;
    var kind = document.querySelector('input[name="return-kind"]:checked').value;
    var btn = $("return-submit");
    btn.disabled = true;
    api("POST", chatPath(id, "/return"), { order_id: orderId, kind: kind, reason: $("return-reason").value.trim() })
      .then(function (res) {
        var text = t("returnStarted", { id: res.return_id || "" });
        toast(text);
        showResult("return-result", "started", text);
        $("return-reason").value = "";
      })
      .catch(function (err) {
        showResult("return-result", "error", errorText(err));
      })
      .then(function () {
        btn.disabled = false;
      });
  });

  function loadColleagues() {
    if (!token || !me) return;
    // supervisors see everyone's load; plain agents get the colleagues they may transfer to
    api("GET", isSupervisor() ? "/api/agent/agents" : "/api/agent/colleagues").then(
      function (res) {
        colleagues = res.agents || [];
        renderTransferChoices();
        if (isSupervisor()) renderSupervisor();
      },
      function () {
        colleagues = null;
        renderTransferChoices();
      }
    );
  }
  function renderTransferChoices() {
    var byAgent = !!colleagues;
    $("transfer-agent-field").hidden = !byAgent;
    $("transfer-team-field").hidden = byAgent;
    if (!byAgent) return;
    var select = $("transfer-agent");
    var chosen = select.value;
    clear(select);
    var convLang = detail ? detail.lang : null;
    var others = colleagues.filter(function (a) {
      return a.active && (!me || a.id !== me.id) && a.role !== "trainer";
    });
    others.sort(function (a, b) {
      var sa = a.status === "online" ? 0 : a.status === "away" ? 1 : 2;
      var sb = b.status === "online" ? 0 : b.status === "away" ? 1 : 2;
      return sa - sb || a.active_chats / Math.max(a.max_concurrent, 1) - b.active_chats / Math.max(b.max_concurrent, 1);
    });
    var firstOk = null;
    others.forEach(function (a) {
      var speaks = !convLang || (a.languages || []).indexOf(convLang) !== -1;
      var full = a.active_chats >= a.max_concurrent;
      var ok = speaks && !full;
      if (ok && firstOk === null) firstOk = String(a.id);
      select.appendChild(
        el("option", {
          value: String(a.id),
          disabled: !ok,
          text: a.display_name + " · " + label("status_", a.status) + " · " + a.active_chats + "/" + a.max_concurrent + (a.team ? " · " + a.team : "") + (speaks ? "" : " · " + t("noLang", { l: convLang === "en" ? t("langEn") : t("langZh") })),
        })
      );
    });
    if (!others.length) select.appendChild(el("option", { value: "", text: t("transferNone") }));
    select.value = chosen && select.querySelector('option[value="' + cssEscape(chosen) + '"]:not([disabled])') ? chosen : firstOk || "";
  }
  $("transfer-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var id = selectedId;
    var body;
    var who;
    if (colleagues) {
      var agentId = Number($("transfer-agent").value);
      if (!agentId) return showResult("transfer-result", "error", t("transferPick"));
      body = { to_agent_id: agentId };
      var picked = $("transfer-agent").selectedOptions[0];
      who = picked ? picked.textContent.split(" · ")[0] : "";
    } else {
      var team = $("transfer-team").value.trim();
      if (!team) return $("transfer-team").focus();
      body = { team: team };
    }
    var btn = $("transfer-submit");
    btn.disabled = true;
    stopMyTyping();
    api("POST", chatPath(id, "/transfer"), body)
      .then(function (res) {
        toast(body.team ? t("transferredTeam", { team: body.team }) : t("transferred", { name: who }));
        closePanel();
        if (selectedId === id && res && res.conversation_id) setDetail(res);
        loadQueue();
        loadColleagues();
      })
      .catch(function (err) {
        showResult("transfer-result", "error", t("actionFailed", { m: err.message }));
      })
      .then(function () {
        btn.disabled = false;
      });
  });

  $("close-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var id = selectedId;
    var btn = $("close-submit");
    btn.disabled = true;
    stopMyTyping();
    api("POST", chatPath(id, "/close"))
      .then(function () {
        toast(t("closedToast"));
        closePanel();
        if (selectedId === id) refreshDetail();
        loadQueue();
      })
      .catch(function (err) {
        toast(t("actionFailed", { m: err.message }), "error");
        refreshDetail();
      })
      .then(function () {
        btn.disabled = false;
      });
  });

  // ------------------------------------------------------------------ replying
  function sendReply() {
    var input = $("reply-input");
    var text = input.value.trim();
    if (!text || !selectedId || $("composer").hidden) return;
    input.value = "";
    stopMyTyping();
    var item = { clientId: newClientId(), text: text, conversationId: selectedId };
    item.row = transcriptRow({ kind: "message", sender: "agent", text: text, client_id: item.clientId, payload: { agent_name: me && me.display_name } });
    item.row.setAttribute("data-status", "pending");
    pendingReplies[item.clientId] = item;
    $("transcript").appendChild(item.row);
    scrollTranscript(true);
    deliverReply(item, 0);
    input.focus();
  }

  function deliverReply(item, attempt) {
    api("POST", chatPath(item.conversationId, "/messages"), { text: item.text, client_id: item.clientId })
      .then(function (res) {
        if (res && res.event && item.conversationId === selectedId) addTranscriptEvent(res.event);
      })
      .catch(function (err) {
        var retriable = !err.status || err.status >= 500;
        if (retriable && attempt < 3) {
          setTimeout(function () {
            deliverReply(item, attempt + 1);
          }, 700 * Math.pow(2, attempt));
          return;
        }
        if (!pendingReplies[item.clientId]) return;
        item.row.setAttribute("data-status", "failed");
        var time = item.row.querySelector(".msg-time");
        clear(time);
        time.appendChild(document.createTextNode(t("sendFailed") + " · "));
        time.appendChild(
          el("button", {
            type: "button",
            className: "btn-link",
            "data-testid": "reply-retry",
            text: t("retry"),
            on: {
              click: function () {
                item.row.setAttribute("data-status", "pending");
                clear(time);
                deliverReply(item, 0);
              },
            },
          })
        );
        toast(err.status === 403 ? err.message : t("sendFailed"), "error");
      });
  }

  $("reply-send").addEventListener("click", sendReply);
  $("reply-input").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.isComposing) {
      e.preventDefault();
      sendReply();
    }
  });
  $("reply-input").addEventListener("input", function () {
    if ($("reply-input").value.trim()) noteMyTyping();
    else stopMyTyping();
  });
  $("reply-input").addEventListener("blur", stopMyTyping);

  // ------------------------------------------------------------------ supervisor view: load, approvals, alerts
  function loadApprovals() {
    if (!isSupervisor()) return;
    api("GET", "/api/agent/approvals").then(
      function (res) {
        approvals = res.pending || [];
        renderSupervisor();
      },
      function () {
        /* retried on the next signal or poll */
      }
    );
  }
  function onApprovalNeeded(frame) {
    if (!isSupervisor()) return;
    toast(t("approvalNeeded", { n: amount(frame.amount) }));
    chime();
    loadApprovals();
  }
  function onSlaAlert(frame) {
    if (!isSupervisor()) return;
    slaAlerts = slaAlerts.filter(function (a) {
      return a.conversation_id !== frame.conversation_id;
    });
    slaAlerts.unshift({ conversation_id: frame.conversation_id, waited_seconds: frame.waited_seconds, at: Date.now() });
    var item = findItem(frame.conversation_id);
    toast(t("slaAlert", { name: item ? customerLabel(item) : "#" + String(frame.conversation_id).slice(0, 8), t: durationText(frame.waited_seconds) }), "error");
    if (view === "supervisor") alertsSeen = slaAlerts.length;
    renderSupervisor();
  }

  var svTimer = null;
  function throttledSupervisorRefresh() {
    if (svTimer) return;
    svTimer = setTimeout(function () {
      svTimer = null;
      loadColleagues();
    }, 1500);
    renderSupervisor();
  }
  // Re-read now and then: agents' status changes without a queue event, and the "approval_needed"
  // signal is ephemeral (and, as of this writing, /ws/agent passes it only to the requesting agent).
  setInterval(function () {
    if (!token || !isSupervisor()) return;
    loadApprovals();
    if (view === "supervisor") loadColleagues();
  }, 10000);

  function renderSupervisorBadge() {
    var n = approvals.length + Math.max(0, slaAlerts.length - alertsSeen);
    var badge = $("supervisor-badge");
    badge.hidden = !n || !isSupervisor();
    badge.textContent = String(n);
  }

  function renderSupervisor() {
    renderSupervisorBadge();
    if (!isSupervisor()) return;
    // agents
    var body = $("agents-body");
    clear(body);
    var list = colleagues || [];
    var online = 0,
      chats = 0;
    list.forEach(function (a) {
      if (a.active && a.status === "online") online += 1;
      chats += a.active_chats;
      var pct = Math.min(100, Math.round((a.active_chats / Math.max(a.max_concurrent, 1)) * 100));
      body.appendChild(
        el("tr", { "data-testid": "agent-row", "data-username": a.username, "data-status": a.status, "data-active": String(!!a.active) }, [
          el("td", null, [
            el("div", { className: "agent-cell" }, [
              el("span", { className: "agent-avatar", "aria-hidden": "true", text: String(a.display_name || a.username).trim().charAt(0).toUpperCase() }),
              el("div", null, [
                el("div", { className: "agent-name", text: a.display_name + (me && a.id === me.id ? " (" + t("you") + ")" : "") }),
                el("div", { className: "muted small", text: a.username + " · " + label("role_", a.role) }),
              ]),
            ]),
          ]),
          el("td", null, [el("span", { className: "status-dot", "data-status": a.active ? a.status : "disabled", text: a.active ? label("status_", a.status) : t("disabled") })]),
          el("td", null, [
            el("div", { className: "load", title: a.active_chats + "/" + a.max_concurrent }, [
              el("div", { className: "load-bar", "data-level": pct >= 100 ? "full" : pct >= 67 ? "high" : "" }, [el("i", { style: "width:" + pct + "%" })]),
              el("span", { className: "load-text", "data-testid": "agent-load", text: a.active_chats + " / " + a.max_concurrent }),
            ]),
          ]),
          el("td", { text: (a.languages || []).map(function (l) { return l === "en" ? "EN" : "中"; }).join(" · ") }),
          el("td", { text: (a.skills || []).join(", ") || "—" }),
          el("td", { text: a.team || "—" }),
        ])
      );
    });
    $("sv-agents-summary").textContent = t("svAgentsSummary", { online: online, chats: chats });

    // approvals
    var ul = $("approvals");
    clear(ul);
    $("approvals-count").textContent = String(approvals.length);
    $("approvals-empty").hidden = approvals.length > 0;
    approvals.forEach(function (r) {
      var item = findItem(r.conversation_id);
      var customer = item ? customerLabel(item) : names[r.customer_id] || r.customer_id;
      var approveBtn = el("button", { type: "button", className: "btn btn-primary btn-sm", "data-testid": "approval-approve", text: t("approve") });
      var rejectBtn = el("button", { type: "button", className: "btn btn-secondary btn-sm", "data-testid": "approval-reject", text: t("reject") });
      var decide = function (approve) {
        approveBtn.disabled = rejectBtn.disabled = true;
        api("POST", "/api/agent/approvals/" + encodeURIComponent(r.request_id), { approve: approve })
          .then(function () {
            toast(approve ? t("approved") : t("rejected"));
          })
          .catch(function (err) {
            toast(errorText(err), "error");
          })
          .then(loadApprovals);
      };
      approveBtn.addEventListener("click", function () {
        decide(true);
      });
      rejectBtn.addEventListener("click", function () {
        decide(false);
      });
      ul.appendChild(
        el("li", { className: "sv-item", "data-testid": "approval", "data-request-id": String(r.request_id), "data-conversation-id": r.conversation_id }, [
          el("div", { className: "sv-item-main" }, [
            el("div", { className: "sv-item-top" }, [
              el("b", { className: "sv-amount", text: "¥" + amount(r.amount) }),
              el("span", { className: "muted small", text: "#" + r.request_id + " · " + dayTime(r.created_at) }),
            ]),
            el("div", { className: "sv-reason", text: r.reason || "—" }),
            el("div", { className: "muted small" }, [
              t("requestedBy", { name: agentName(r.requested_by) }) + " · " + t("forCustomer", { c: customer }) + " · ",
              el("button", {
                type: "button",
                className: "btn-link",
                text: t("openChat"),
                on: {
                  click: function () {
                    select(r.conversation_id);
                  },
                },
              }),
            ]),
          ]),
          el("div", { className: "sv-item-actions" }, [approveBtn, rejectBtn]),
        ])
      );
    });

    // first-response alerts
    var alerts = $("sla-alerts");
    clear(alerts);
    $("alerts-count").textContent = String(slaAlerts.length);
    $("alerts-empty").hidden = slaAlerts.length > 0;
    slaAlerts.forEach(function (a) {
      var item = findItem(a.conversation_id);
      alerts.appendChild(
        el("li", { className: "sv-item", "data-testid": "sla-alert", "data-conversation-id": a.conversation_id }, [
          el("div", { className: "sv-item-main" }, [
            el("div", { className: "sv-item-top" }, [
              el("b", { text: item ? customerLabel(item) : "#" + String(a.conversation_id).slice(0, 8) }),
              item ? el("span", { className: "pill", "data-state": item.state, text: label("state_", item.state) }) : null,
            ]),
            el("div", { className: "muted small", text: t("waitedFor", { t: durationText(a.waited_seconds) }) + (item && item.assigned_agent_name ? " · " + t("handledBy", { name: item.assigned_agent_name }) : "") }),
          ]),
          el("div", { className: "sv-item-actions" }, [
            el("button", {
              type: "button",
              className: "btn btn-secondary btn-sm",
              text: t("openChat"),
              on: {
                click: function () {
                  select(a.conversation_id);
                },
              },
            }),
          ]),
        ])
      );
    });
  }

  // ------------------------------------------------------------------ keyboard shortcuts and their help
  function toggleHelp(show) {
    var help = $("shortcuts-help");
    var open = show === undefined ? help.hidden : show;
    help.hidden = !open;
    $("shortcuts-button").setAttribute("aria-expanded", String(open));
  }
  $("shortcuts-button").addEventListener("click", function (e) {
    e.stopPropagation();
    toggleHelp();
  });
  document.addEventListener("click", function (e) {
    if (!$("shortcuts-help").hidden && !e.target.closest(".help-wrap")) toggleHelp(false);
  });
  function typingInField(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
  }
  document.addEventListener("keydown", function (e) {
    if (!token || $("app-view").hidden) return;
    if (e.altKey && !e.ctrlKey && !e.metaKey && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      step(e.key === "ArrowDown" ? 1 : -1);
      return;
    }
    if (e.altKey && !e.ctrlKey && !e.metaKey && /^Digit[1-5]$/.test(e.code || "")) {
      var n = Number(e.code.slice(5));
      var buttons = document.querySelectorAll('[data-testid="suggestion"]');
      if (buttons[n - 1] && !$("composer").hidden) {
        e.preventDefault();
        buttons[n - 1].click();
      }
      return;
    }
    if (e.key === "Escape") {
      if (!$("shortcuts-help").hidden) {
        toggleHelp(false);
        $("shortcuts-button").focus();
      } else if (!$("action-panel").hidden) closePanel();
      return;
    }
    if (e.key === "?" && !typingInField(e.target)) {
      e.preventDefault();
      toggleHelp();
    }
  });

  // ------------------------------------------------------------------ keep the badge honest when the agent comes back
  window.addEventListener("focus", function () {
    if (selectedId && (unseenNew[selectedId] || unseenAssigned[selectedId])) {
      delete unseenNew[selectedId];
      delete unseenAssigned[selectedId];
      updateTitle();
      renderQueue();
    }
  });
  window.addEventListener("online", function () {
    if (token && !socket) connect();
  });

  // ------------------------------------------------------------------ start
  applyTexts();
  updateTitle();
  if (token) {
    $("login-view").hidden = true;
    api("GET", "/api/agent/me").then(
      function (agent) {
        me = agent;
        desk.saveSession(SESSION, token, me);
        showApp();
      },
      function (err) {
        if (err.status === 401) return; // expire() already showed the login form
        if (err.status === 403) return logout(t("loginNoDesk"));
        showApp(); // server unreachable: the workspace retries by itself
      }
    );
  } else {
    showLogin();
  }
})();
