/*
 * kefu agent console (served at /console): vanilla JS, no build step.
 *
 * Stable test hooks (data-testid; the same value is the element id unless marked "(many)"):
 *   login-view, login-form, login-username, login-password, login-submit, login-error, login-lang
 *   app-view, agent-name, conn-status (data-state=live|polling|connecting), lang-toggle (data-lang), logout
 *   queue               the live queue list (<ul>)
 *   queue-count         number of chats in the queue list
 *   queue-empty         shown when nobody is waiting
 *   queue-item (many)   one chat, a <button> with data-conversation-id, data-state, data-priority,
 *                       data-mine="true|false", aria-current="true" when selected, data-new="true" when unread
 *     queue-priority, queue-wait, queue-reason, queue-lang, queue-state (many, inside each item)
 *   conversation        the right-hand pane; no-selection (placeholder when nothing is selected)
 *   conv-name, conv-state (data-state), conv-lang, conv-id
 *   claim               Claim button (visible when state is queued)
 *   handback-outcome    <select> resolved | unresolved
 *   handback            Hand back to bot (visible when state is agent and assigned to me)
 *   transcript          messages (role=log, aria-live=polite)
 *   transcript-message (many)  data-sender=shopper|bot|agent, data-seq, data-client-id, data-status
 *   transcript-notice  (many)  centred state notices, data-seq
 *   composer, reply-input (Ctrl/Cmd+Enter sends), reply-send, canned (quick phrases), composer-note
 *   escalation-card, escalation-reason (data-reason), escalation-priority, escalation-summary
 *   customer-panel, customer-name, customer-tags, customer-order-count, customer-total-spend,
 *     customer-aov, customer-complaints, customer-orders, customer-order (many, data-order-id)
 *   toast
 *
 * The page title is "kefu", or "(N) kefu" while N newly queued chats have not been opened.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "kefu.console.token";
  var AGENT_KEY = "kefu.console.agent";
  var LANG_KEY = "kefu.console.lang";

  // ------------------------------------------------------------------ texts
  var TEXT = {
    zh: {
      langButton: "EN",
      langAria: "Switch to English",
      console: "客服工作台",
      loginTitle: "登录客服工作台",
      loginSub: "接待转人工的顾客，查看订单与上下文",
      username: "用户名",
      password: "密码",
      login: "登录",
      loggingIn: "登录中…",
      loginFailed: "用户名或密码不正确",
      loginMissing: "请输入用户名和密码",
      sessionExpired: "登录已过期，请重新登录",
      networkError: "无法连接服务器，请稍后重试",
      logout: "退出",
      live: "实时连接",
      polling: "轮询中",
      connecting: "连接中…",
      queueTitle: "会话队列",
      queueEmpty: "暂时没有需要人工处理的会话",
      groupQueued: "等待接入",
      groupActive: "进行中",
      noSelection: "从左侧选择一个会话开始接待",
      guest: "访客",
      claim: "接入会话",
      claiming: "接入中…",
      claimed: "已接入，现在可以回复顾客了",
      claimConflict: "该会话已被其他客服接入",
      outcome: "处理结果",
      resolved: "已解决",
      unresolved: "未解决",
      handback: "交还机器人",
      handedBack: "已交还给智能客服",
      replyLabel: "回复顾客",
      replyPlaceholder: "输入回复…",
      ctrlEnter: "Ctrl + Enter 发送",
      send: "发送",
      sendFailed: "发送失败，请重试",
      retry: "重试",
      noteQueued: "点击“接入会话”后即可回复顾客",
      noteOther: "该会话正由其他客服处理",
      noteBot: "该会话由智能客服接待中",
      noteClosed: "该会话已结束",
      whyEscalated: "转人工原因",
      customer: "顾客资料",
      noEscalation: "没有转人工记录",
      noSummary: "机器人没有留下摘要",
      slots: "已识别信息",
      botTurns: "机器人识别记录（{n} 条）",
      priority: "优先级",
      noCustomer: "没有顾客资料（访客或未登录）",
      orderCount: "订单数",
      totalSpend: "累计消费",
      aov: "客单价",
      complaints: "历史投诉",
      orders: "订单",
      noOrders: "暂无订单",
      you: "我",
      shopper: "顾客",
      bot: "智能客服",
      agent: "客服",
      waitLess: "<1 分钟",
      waitMin: "{m} 分钟",
      waitHour: "{h} 小时 {m} 分",
      waited: "已等待 {t}",
      langZh: "中文",
      langEn: "英文",
      state_bot: "机器人",
      state_queued: "排队中",
      state_agent: "人工服务中",
      state_mine: "我在接待",
      state_closed: "已结束",
      state_abandoned: "已放弃",
      state_callback: "待回电",
      prio_urgent: "紧急",
      prio_important: "重要",
      prio_routine: "普通",
      reason_explicit_request: "顾客要求转人工",
      reason_low_confidence: "机器人没把握",
      reason_out_of_scope_repeated: "多次超出机器人范围",
      reason_upset: "顾客情绪不满",
      reason_repeated_failure: "机器人多次未解决",
      reason_high_risk: "高风险问题",
      reason_bot_unavailable: "机器人暂不可用",
      reason_unknown: "其他原因",
      help_explicit_request: "顾客明确要求人工客服。",
      help_low_confidence: "机器人对顾客意图的识别置信度过低，没有贸然回答。",
      help_out_of_scope_repeated: "顾客多次提出机器人处理范围之外的问题。",
      help_upset: "机器人检测到顾客情绪不满，建议先安抚。",
      help_repeated_failure: "机器人多次尝试仍未解决顾客的问题。",
      help_high_risk: "涉及退款、投诉、赔偿等高风险话题，需要人工处理。",
      help_bot_unavailable: "智能客服暂时无法回复，会话已直接转给人工。",
      status_paid: "已付款",
      status_shipped: "已发货",
      status_delivered: "已签收",
      status_refunded: "已退款",
      logistics: "物流",
      newChat: "新的排队会话",
      slot_order_id: "订单号",
      slot_phone: "手机号",
      slot_size: "尺码",
      slot_skill: "所需技能",
      canned: [
        "您好，我是客服{name}，很高兴为您服务~",
        "好的，我帮您查一下，请稍等~",
        "给您带来不便，非常抱歉！",
        "请问还有其他可以帮您的吗？",
      ],
      cannedEn: [
        "Hi, this is {name}. Happy to help!",
        "Let me check that for you, one moment please.",
        "I'm really sorry for the trouble.",
        "Is there anything else I can help with?",
      ],
    },
    en: {
      langButton: "中",
      langAria: "切换到中文",
      console: "Agent console",
      loginTitle: "Sign in to the console",
      loginSub: "Pick up handed-off chats with full order context",
      username: "Username",
      password: "Password",
      login: "Sign in",
      loggingIn: "Signing in…",
      loginFailed: "Wrong username or password",
      loginMissing: "Enter your username and password",
      sessionExpired: "Your session expired, please sign in again",
      networkError: "Cannot reach the server, please try again",
      logout: "Sign out",
      live: "Live",
      polling: "Polling",
      connecting: "Connecting…",
      queueTitle: "Queue",
      queueEmpty: "Nobody is waiting for a person right now",
      groupQueued: "Waiting",
      groupActive: "In progress",
      noSelection: "Pick a conversation on the left to start",
      guest: "Guest",
      claim: "Claim",
      claiming: "Claiming…",
      claimed: "Claimed. You can reply now.",
      claimConflict: "Another agent already claimed this chat",
      outcome: "Outcome",
      resolved: "Resolved",
      unresolved: "Not resolved",
      handback: "Hand back to bot",
      handedBack: "Handed back to the assistant",
      replyLabel: "Reply to the customer",
      replyPlaceholder: "Type your reply…",
      ctrlEnter: "Ctrl + Enter to send",
      send: "Send",
      sendFailed: "Message not sent, please retry",
      retry: "Retry",
      noteQueued: "Claim this chat to reply",
      noteOther: "Another agent is handling this chat",
      noteBot: "The assistant is handling this chat",
      noteClosed: "This chat has ended",
      whyEscalated: "Why the bot escalated",
      customer: "Customer",
      noEscalation: "No escalation on record",
      noSummary: "The bot left no summary",
      slots: "What the bot understood",
      botTurns: "Bot understanding ({n} turns)",
      priority: "Priority",
      noCustomer: "No customer profile (guest or not signed in)",
      orderCount: "Orders",
      totalSpend: "Total spend",
      aov: "Avg. order",
      complaints: "Past complaints",
      orders: "Orders",
      noOrders: "No orders yet",
      you: "You",
      shopper: "Customer",
      bot: "Assistant",
      agent: "Agent",
      waitLess: "<1 min",
      waitMin: "{m} min",
      waitHour: "{h} h {m} min",
      waited: "waited {t}",
      langZh: "Chinese",
      langEn: "English",
      state_bot: "Bot",
      state_queued: "Queued",
      state_agent: "With agent",
      state_mine: "Mine",
      state_closed: "Closed",
      state_abandoned: "Abandoned",
      state_callback: "Call back",
      prio_urgent: "Urgent",
      prio_important: "Important",
      prio_routine: "Routine",
      reason_explicit_request: "Customer asked for a person",
      reason_low_confidence: "Bot not confident",
      reason_out_of_scope_repeated: "Repeatedly out of scope",
      reason_upset: "Customer is upset",
      reason_repeated_failure: "Bot failed repeatedly",
      reason_high_risk: "High-risk topic",
      reason_bot_unavailable: "Bot unavailable",
      reason_unknown: "Other reason",
      help_explicit_request: "The customer explicitly asked to talk to a person.",
      help_low_confidence: "The bot was not confident it understood, so it did not guess.",
      help_out_of_scope_repeated: "The customer kept asking things outside what the bot handles.",
      help_upset: "The bot detected frustration. Acknowledge it first.",
      help_repeated_failure: "The bot tried several times without solving the problem.",
      help_high_risk: "Refunds, complaints or compensation: a person must handle it.",
      help_bot_unavailable: "The assistant could not answer, so the chat came straight to a person.",
      status_paid: "Paid",
      status_shipped: "Shipped",
      status_delivered: "Delivered",
      status_refunded: "Refunded",
      logistics: "Delivery",
      newChat: "New chat in the queue",
      slot_order_id: "Order",
      slot_phone: "Phone",
      slot_size: "Size",
      slot_skill: "Skill needed",
    },
  };
  TEXT.en.canned = TEXT.zh.cannedEn;
  TEXT.en.cannedEn = TEXT.zh.cannedEn;

  function pickLang() {
    var saved = store(localStorage, LANG_KEY);
    if (saved === "zh" || saved === "en") return saved;
    return (navigator.language || "").toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
  }
  function store(area, key, value) {
    try {
      if (arguments.length === 2) return area.getItem(key);
      if (value === null) area.removeItem(key);
      else area.setItem(key, value);
    } catch (e) {
      return null;
    }
    return null;
  }

  var lang = pickLang();
  function t(key, vars) {
    var s = TEXT[lang][key];
    if (s === undefined) s = TEXT.zh[key] !== undefined ? TEXT.zh[key] : key;
    if (typeof s === "string" && vars) {
      s = s.replace(/\{(\w+)\}/g, function (_, k) {
        return vars[k] !== undefined ? String(vars[k]) : "";
      });
    }
    return s;
  }

  // ------------------------------------------------------------------ tiny DOM helpers
  function $(id) {
    return document.getElementById(id);
  }
  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      for (var k in props) {
        if (!Object.prototype.hasOwnProperty.call(props, k)) continue;
        var v = props[k];
        if (v === null || v === undefined || v === false) continue;
        if (k === "text") node.textContent = v;
        else if (k === "className") node.className = v;
        else if (k === "on") for (var e in v) node.addEventListener(e, v[e]);
        else node.setAttribute(k, v === true ? "" : v);
      }
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function parseTime(iso) {
    if (!iso) return null;
    var s = String(iso);
    // rows read back from SQLite come without an offset; the server stores UTC
    if (!/(Z|[+-]\d\d:?\d\d)$/.test(s)) s += "Z";
    var d = new Date(s);
    return isNaN(d.getTime()) ? null : d;
  }
  function hhmm(iso) {
    var d = parseTime(iso);
    if (!d) return "";
    return pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function waitLabel(iso) {
    var d = parseTime(iso);
    if (!d) return { text: "", level: "" };
    var mins = Math.max(0, Math.floor((Date.now() - d.getTime()) / 60000));
    var text = mins < 1 ? t("waitLess") : mins < 60 ? t("waitMin", { m: mins }) : t("waitHour", { h: Math.floor(mins / 60), m: mins % 60 });
    return { text: text, level: mins >= 10 ? "late" : mins >= 5 ? "warn" : "" };
  }
  function money(n) {
    var v = Number(n) || 0;
    try {
      return "¥" + v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    } catch (e) {
      return "¥" + v.toFixed(2);
    }
  }
  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function label(prefix, code) {
    var s = TEXT[lang][prefix + code];
    return s !== undefined ? s : code || "";
  }

  // ------------------------------------------------------------------ state
  var token = store(sessionStorage, TOKEN_KEY);
  var me = null;
  try {
    me = JSON.parse(store(sessionStorage, AGENT_KEY) || "null");
  } catch (e) {
    me = null;
  }
  var queueItems = [];
  var queueLoaded = false;
  var knownQueued = Object.create(null); // conversation ids seen queued
  var unseenNew = Object.create(null); // newly queued chats not opened yet (title badge)
  var unreadMine = Object.create(null); // my chats with new customer messages
  var names = Object.create(null); // customer_id -> name, learned from details
  var selectedId = null;
  var detail = null;
  var seenSeq = Object.create(null);
  var pendingReplies = Object.create(null); // client_id -> {text, row}
  var socket = null;
  var socketGen = 0;
  var reconnectTimer = null;
  var backoff = 1000;
  var pollTimer = null;
  var refreshTimer = null;
  var connState = "connecting";

  // ------------------------------------------------------------------ API
  function ApiError(status, code, message) {
    this.status = status;
    this.code = code;
    this.message = message;
  }
  function api(method, path, body) {
    var headers = { Accept: "application/json" };
    if (body) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    return fetch(path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined, cache: "no-store" }).then(
      function (res) {
        return res
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            if (!res.ok) {
              var message = (data && data.message) || (data && data.detail && JSON.stringify(data.detail)) || res.statusText;
              var err = new ApiError(res.status, data && data.error, message);
              if (res.status === 401 && path.indexOf("/api/agent/login") !== 0) expire();
              throw err;
            }
            return data;
          });
      },
      function () {
        throw new ApiError(0, "network", t("networkError"));
      }
    );
  }

  // ------------------------------------------------------------------ toast
  var toastTimer = null;
  function toast(text, kind) {
    var node = $("toast");
    node.textContent = text;
    node.setAttribute("data-kind", kind || "info");
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () {
      node.hidden = true;
    }, 3200);
  }

  // ------------------------------------------------------------------ i18n of static markup
  function applyTexts() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    var nodes = document.querySelectorAll("[data-i18n]");
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = t(nodes[i].getAttribute("data-i18n"));
    ["lang-toggle", "login-lang"].forEach(function (id) {
      var b = $(id);
      b.textContent = t("langButton");
      b.setAttribute("aria-label", t("langAria"));
      b.setAttribute("title", t("langAria"));
      b.setAttribute("data-lang", lang);
    });
    $("reply-input").setAttribute("placeholder", t("replyPlaceholder"));
    $("conversation").setAttribute("aria-label", t("conversationLabel") || "");
    renderConn();
    renderQueue();
    if (detail) renderDetail(true);
  }
  TEXT.zh.conversationLabel = "会话详情";
  TEXT.en.conversationLabel = "Conversation";

  function setLang(next) {
    lang = next;
    store(localStorage, LANG_KEY, lang);
    applyTexts();
  }

  // ------------------------------------------------------------------ login / logout
  function showLogin(message) {
    $("app-view").hidden = true;
    $("login-view").hidden = false;
    var err = $("login-error");
    err.hidden = !message;
    err.textContent = message || "";
    setTimeout(function () {
      ($("login-username").value ? $("login-password") : $("login-username")).focus();
    }, 0);
  }

  function showApp() {
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    $("agent-name").textContent = me ? me.display_name || me.username : "";
    connect();
    loadQueue();
  }

  function expire() {
    if (!token) return;
    logout(t("sessionExpired"));
  }

  function logout(message) {
    token = null;
    me = null;
    store(sessionStorage, TOKEN_KEY, null);
    store(sessionStorage, AGENT_KEY, null);
    disconnect();
    selectedId = null;
    detail = null;
    queueItems = [];
    queueLoaded = false;
    knownQueued = Object.create(null);
    unseenNew = Object.create(null);
    unreadMine = Object.create(null);
    updateTitle();
    $("conv").hidden = true;
    $("no-selection").hidden = false;
    showLogin(message);
  }

  $("login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var username = $("login-username").value.trim();
    var password = $("login-password").value;
    var err = $("login-error");
    if (!username || !password) {
      err.textContent = t("loginMissing");
      err.hidden = false;
      return;
    }
    var btn = $("login-submit");
    btn.disabled = true;
    btn.textContent = t("loggingIn");
    err.hidden = true;
    api("POST", "/api/agent/login", { username: username, password: password })
      .then(function (res) {
        token = res.token;
        me = res.agent;
        store(sessionStorage, TOKEN_KEY, token);
        store(sessionStorage, AGENT_KEY, JSON.stringify(me));
        $("login-password").value = "";
        showApp();
      })
      .catch(function (e2) {
        err.textContent = e2.status === 401 ? t("loginFailed") : e2.status === 0 ? t("networkError") : e2.message || t("loginFailed");
        err.hidden = false;
        $("login-password").select();
      })
      .then(function () {
        btn.disabled = false;
        btn.textContent = t("login");
      });
  });
  $("logout").addEventListener("click", function () {
    logout();
  });
  $("lang-toggle").addEventListener("click", function () {
    setLang(lang === "zh" ? "en" : "zh");
  });
  $("login-lang").addEventListener("click", function () {
    setLang(lang === "zh" ? "en" : "zh");
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
      if (frame.type === "queue" && Array.isArray(frame.items)) onQueue(frame.items);
      else if (frame.type === "event" && frame.event) onAgentEvent(frame.event);
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

  function onQueue(items) {
    var firstLoad = !queueLoaded;
    queueLoaded = true;
    var present = Object.create(null);
    items.forEach(function (it) {
      present[it.conversation_id] = it;
      if (it.state === "queued") {
        if (!knownQueued[it.conversation_id] && !firstLoad && it.conversation_id !== selectedId) {
          unseenNew[it.conversation_id] = true;
          toast(t("newChat"));
        }
        knownQueued[it.conversation_id] = true;
      }
    });
    // forget badges of chats that are no longer waiting
    Object.keys(unseenNew).forEach(function (id) {
      if (!present[id] || present[id].state !== "queued") delete unseenNew[id];
    });
    Object.keys(knownQueued).forEach(function (id) {
      if (!present[id] || present[id].state !== "queued") delete knownQueued[id];
    });
    queueItems = items;
    updateTitle();
    renderQueue();
    // keep the open chat fresh: my chats get their events over the socket, others are re-read
    if (selectedId && detail) {
      var it = present[selectedId];
      var changed = !it ? detail.state === "queued" || detail.state === "agent" : it.state !== detail.state || it.assigned_agent_id !== detail.assigned_agent_id;
      if (changed || !isMine(detail)) scheduleRefresh();
    }
  }

  function updateTitle() {
    var n = Object.keys(unseenNew).length;
    document.title = n ? "(" + n + ") kefu" : "kefu";
  }

  function renderQueue() {
    var list = $("queue");
    if (!list) return;
    var focusedId = document.activeElement && document.activeElement.getAttribute && document.activeElement.getAttribute("data-conversation-id");
    clear(list);
    var queued = queueItems.filter(function (i) {
      return i.state === "queued";
    });
    var active = queueItems.filter(function (i) {
      return i.state !== "queued";
    });
    if (queued.length) list.appendChild(el("li", { className: "queue-group", role: "presentation", text: t("groupQueued") + " · " + queued.length }));
    queued.forEach(function (i) {
      list.appendChild(queueRow(i));
    });
    if (active.length) list.appendChild(el("li", { className: "queue-group", role: "presentation", text: t("groupActive") + " · " + active.length }));
    active.forEach(function (i) {
      list.appendChild(queueRow(i));
    });
    $("queue-count").textContent = String(queueItems.length);
    $("queue-empty").hidden = queueItems.length > 0 || !queueLoaded;
    if (focusedId) {
      var again = list.querySelector('[data-conversation-id="' + cssEscape(focusedId) + '"]');
      if (again) again.focus();
    }
  }

  function cssEscape(s) {
    return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, "\\$&");
  }

  function queueRow(item) {
    var mine = isMine(item);
    var wait = waitLabel(item.queued_at);
    var stateKey = item.state === "agent" && mine ? "mine" : item.state;
    var who = item.customer_id ? item.customer_name || names[item.customer_id] || item.customer_id : t("guest");
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
        "data-new": unseenNew[item.conversation_id] || unreadMine[item.conversation_id] ? "true" : null,
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
          el("span", { className: "qi-name", text: who }),
          el("span", {
            className: "qi-wait",
            "data-testid": "queue-wait",
            "data-queued-at": item.queued_at || "",
            "data-level": wait.level || null,
            title: t("waited", { t: wait.text }),
            text: wait.text,
          }),
        ]),
        el("div", { className: "qi-bottom" }, [
          el("span", { className: "qi-reason", "data-testid": "queue-reason", "data-reason": item.reason || "", text: item.reason ? label("reason_", item.reason) : t("reason_unknown") }),
          el("span", { className: "lang-tag", "data-testid": "queue-lang", title: item.lang === "en" ? t("langEn") : t("langZh"), text: item.lang === "en" ? "EN" : "中" }),
          el("span", { className: "pill", "data-testid": "queue-state", "data-state": stateKey, text: label("state_", stateKey) }),
        ]),
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
      if (w.level) nodes[i].setAttribute("data-level", w.level);
      else nodes[i].removeAttribute("data-level");
    }
  }, 15000);

  // ------------------------------------------------------------------ a conversation
  function select(id) {
    if (selectedId !== id) {
      selectedId = id;
      detail = null;
      seenSeq = Object.create(null);
      pendingReplies = Object.create(null);
      clear($("transcript"));
    }
    delete unseenNew[id];
    delete unreadMine[id];
    updateTitle();
    renderQueue();
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
    api("GET", "/api/agent/conversations/" + encodeURIComponent(id))
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
    detail = res;
    if (res.customer && res.customer.name && res.customer_id) names[res.customer_id] = res.customer.name;
    renderDetail(first);
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
    $("conv-lang").textContent = d.lang === "en" ? t("langEn") : t("langZh");
    $("conv-id").textContent = "#" + String(d.conversation_id).slice(0, 8);
    $("conv-id").setAttribute("title", d.conversation_id);

    $("claim").hidden = d.state !== "queued";
    $("handback-group").hidden = !(d.state === "agent" && mine);
    $("composer").hidden = !(d.state === "agent" && mine);
    var note = $("composer-note");
    var noteKey = d.state === "queued" ? "noteQueued" : d.state === "agent" && !mine ? "noteOther" : d.state === "bot" ? "noteBot" : d.state === "agent" ? null : "noteClosed";
    note.hidden = !noteKey;
    note.textContent = noteKey ? t(noteKey) : "";
    renderCanned();

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

  function transcriptRow(ev) {
    var payload = ev.payload && typeof ev.payload === "object" ? ev.payload : {};
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
        // pending replies (no seq) stay after confirmed ones
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
      addTranscriptEvent(ev);
      if (ev.kind === "state") scheduleRefresh();
      else if (detail.events) detail.events.push(ev);
    } else if (ev.sender === "shopper") {
      unreadMine[ev.conversation_id] = true;
      renderQueue();
    }
  }

  // ------------------------------------------------------------------ escalation + customer panels
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
    var turns = Array.isArray(esc.transcript) ? esc.transcript : [];
    if (turns.length) {
      var ol = el("ol");
      turns.forEach(function (turn) {
        var conf = typeof turn.confidence === "number" ? " " + Math.round(turn.confidence * 100) + "%" : "";
        ol.appendChild(
          el("li", null, [
            el("b", { text: (turn.sender === "bot" ? t("bot") : t("shopper")) + "：" }),
            String(turn.text || ""),
            turn.intent ? el("span", { className: "intent", text: "  " + turn.intent + conf }) : null,
          ])
        );
      });
      body.appendChild(el("details", { className: "turns", "data-testid": "escalation-transcript" }, [el("summary", { text: t("botTurns", { n: turns.length }) }), ol]));
    }
  }

  // the bot's bookkeeping, not something an agent acts on
  var HIDDEN_SLOTS = { session_started_metadata: true, requested_slot: true, handoff_outcome: true, failed_turns: true };

  function stat(testid, value, text, alert) {
    return el("div", { className: "stat", "data-alert": alert ? "true" : null }, [el("b", { "data-testid": testid, text: value }), el("span", { text: text })]);
  }

  function renderCustomer() {
    var body = $("customer-body");
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
        el("div", { className: "cust-avatar", "aria-hidden": "true", text: name.trim().charAt(0).toUpperCase() }),
        el("div", null, [el("div", { className: "cust-name", "data-testid": "customer-name", text: name }), el("div", { className: "cust-id", text: "ID: " + (c.customer_id || "") })]),
      ])
    );
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
      list.appendChild(
        el("div", { className: "order", "data-testid": "customer-order", "data-order-id": o.order_id }, [
          el("div", { className: "order-top" }, [
            el("span", { className: "order-id", text: o.order_id }),
            el("span", { className: "status", "data-status": o.status, text: label("status_", o.status) }),
            el("span", { className: "order-total", text: money(o.total) }),
          ]),
          items ? el("div", { className: "order-items", text: items }) : null,
          el("div", { className: "order-sub", text: o.created_at || "" }),
          o.logistics ? el("div", { className: "order-log", text: t("logistics") + "：" + o.logistics }) : null,
        ])
      );
    });
    body.appendChild(list);
  }

  // ------------------------------------------------------------------ actions
  $("claim").addEventListener("click", function () {
    var id = selectedId;
    var btn = $("claim");
    btn.disabled = true;
    btn.textContent = t("claiming");
    api("POST", "/api/agent/conversations/" + encodeURIComponent(id) + "/claim")
      .then(function (res) {
        if (selectedId !== id) return;
        setDetail(res);
        toast(t("claimed"));
        $("reply-input").focus();
      })
      .catch(function (err) {
        toast(err.status === 409 ? t("claimConflict") : err.message, "error");
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
    api("POST", "/api/agent/conversations/" + encodeURIComponent(id) + "/handback", { outcome: $("handback-outcome").value })
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

  function sendReply() {
    var input = $("reply-input");
    var text = input.value.trim();
    if (!text || !selectedId) return;
    input.value = "";
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
    api("POST", "/api/agent/conversations/" + encodeURIComponent(item.conversationId) + "/messages", { text: item.text, client_id: item.clientId })
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
            className: "btn-quiet",
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

  function renderCanned() {
    var box = $("canned");
    clear(box);
    // quick phrases in the customer's language, not the console's
    var phrases = detail && detail.lang === "en" ? TEXT.zh.cannedEn : TEXT.zh.canned;
    var name = (me && me.display_name) || "";
    phrases.forEach(function (p) {
      var text = p.replace("{name}", name);
      box.appendChild(
        el("button", {
          type: "button",
          "data-testid": "canned-reply",
          title: text,
          text: text,
          on: {
            click: function () {
              var input = $("reply-input");
              input.value = input.value ? input.value + (/\s$/.test(input.value) ? "" : " ") + text : text;
              input.focus();
            },
          },
        })
      );
    });
  }

  // ------------------------------------------------------------------ keep the badge honest when the agent comes back
  window.addEventListener("focus", function () {
    if (selectedId && unseenNew[selectedId]) {
      delete unseenNew[selectedId];
      updateTitle();
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
        store(sessionStorage, AGENT_KEY, JSON.stringify(me));
        showApp();
      },
      function (err) {
        if (err.status === 401) return; // expire() already showed the login form
        showApp(); // server unreachable: the workspace retries by itself
      }
    );
  } else {
    showLogin();
  }
})();
