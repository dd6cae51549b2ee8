/*!
 * kefu chat widget: self-contained, no dependencies, no build step.
 *
 * Embed with one tag:
 *   <script src="https://YOUR-KEFU-HOST/widget.js" data-customer-id="C1001" defer></script>
 * Optional attributes: data-lang="zh|en", data-color="#b8405e" (brand colour), data-shop-name="…".
 *
 * Everything lives in an open shadow root on <kefu-widget id="kefu-widget">, so store CSS
 * cannot reach it (Playwright selectors pierce open shadow roots).
 *
 * Stable test hooks (data-testid; single elements also carry it as their id inside the shadow root,
 * "(many)" marks repeated ones):
 *   kefu-widget        the host element in the page (<kefu-widget>)
 *   kefu-launcher      the round button bottom-right that opens/closes the panel
 *   kefu-unread        unread-count badge on the launcher (hidden when 0)
 *   kefu-panel         the chat panel (role=dialog); data-open="true|false"
 *   kefu-status        header line "who is answering"; data-state="bot|queued|agent|callback|closed"
 *   kefu-status-title  the bold part of the status (智能客服 / Assistant / agent name / 排队中…)
 *   kefu-lang          zh/en toggle button in the header; data-lang = current language
 *   kefu-close         minimise button in the header
 *   kefu-conn          connection banner (hidden while connected)
 *   kefu-queue         the waiting banner under the header (hidden unless queued); inside it
 *                      kefu-queue-position (data-position), kefu-queue-wait (data-wait-seconds), kefu-leave
 *   kefu-messages      messages list (role=log, aria-live=polite)
 *   kefu-greeting      the local welcome bubble (not a server event)
 *   kefu-message       (many) every message row; data-sender="shopper|bot|agent", data-seq, data-client-id,
 *                      data-status="pending|sent|failed" (shopper only)
 *   kefu-notice        (many) centred system notice (kind=state events); data-state
 *   kefu-buttons       (many) group of bot reply buttons; each button is kefu-button (many, data-payload);
 *                      disabled once used and while a person (not the bot) owns the chat
 *   kefu-card          (many) a card under an agent message; data-card-type="coupon|return";
 *                      kefu-card-code (many) is the coupon code, kefu-card-copy (many) copies it
 *   kefu-callback      (many) the contact form offered when nobody could answer in time; hidden, data-done="true",
 *                      once sent (the service confirms in a notice); kefu-callback-input, kefu-callback-submit,
 *                      kefu-callback-error (many, inside it)
 *   kefu-csat          (many) the satisfaction form after the agent closed the chat; data-done="true" once rated
 *                      (also after a reload), data-score; kefu-csat-star (many, role=radio, data-score 1-5, arrow
 *                      keys move the choice), kefu-csat-comment, kefu-csat-submit, kefu-csat-error, kefu-csat-thanks
 *   kefu-retry         (many) "retry" button on a failed shopper message
 *   kefu-feedback      (many) thumbs up/down under each bot text message (in its meta line), data-seq; buttons
 *                      kefu-feedback-up / kefu-feedback-down (aria-pressed on the one clicked, both disabled
 *                      after a click), kefu-feedback-thanks (hidden until the service took it); data-done="true"
 *   kefu-typing        typing indicator; data-who="bot|agent", its label names who is typing
 *   kefu-quick         quick-question chips container (before the first message); chips are kefu-quick-item
 *   kefu-input         the message textarea (Enter sends, Shift+Enter new line)
 *   kefu-send          the send button
 *   kefu-ended         bar in place of the composer once the chat is closed or left; kefu-new-chat starts a new one
 *
 * Storage: localStorage["kefu.widget.v1.<customer id or 'guest'>"] = {conversation_id, token, seq};
 *          localStorage["kefu.widget.v1.lang"] = the language the shopper picked with the toggle.
 *
 * Page-side API (for tests and the host page): window.kefuWidget = {open(), close(), toggle(),
 *   setLang("zh"|"en"), state(): {...}}
 */
(function () {
  "use strict";

  if (window.kefuWidget) return; // loaded twice: keep the first

  var script =
    document.currentScript ||
    (function () {
      var all = document.querySelectorAll('script[src*="widget.js"]');
      return all[all.length - 1] || null;
    })();
  var attr = function (name) {
    return script ? script.getAttribute(name) : null;
  };

  var BASE = (function () {
    try {
      return new URL(script && script.src ? script.src : "/", location.href).origin;
    } catch (e) {
      return location.origin;
    }
  })();
  var WS_BASE = BASE.replace(/^http/, "ws");
  var CUSTOMER_ID = (attr("data-customer-id") || "").trim() || null;
  var SHOP_NAME = (attr("data-shop-name") || "").trim();
  var BRAND = /^#[0-9a-fA-F]{3,8}$/.test(attr("data-color") || "") ? attr("data-color") : "#b8405e";
  var STORE_KEY = "kefu.widget.v1." + (CUSTOMER_ID || "guest");
  var LANG_KEY = "kefu.widget.v1.lang";

  // ---------------------------------------------------------------- texts (zh + en, always both)
  var TEXT = {
    zh: {
      launcherOpen: "打开在线客服",
      launcherClose: "收起在线客服",
      panelLabel: "在线客服对话",
      title: "在线客服",
      bot: "智能客服",
      botSub: "7×24 小时在线 · 秒回",
      queued: "正在转接人工客服",
      queuedPos: "您排在第 {n} 位",
      queuedNext: "下一位就是您",
      queuedWait: "请稍候，马上为您接通",
      waitMinutes: "预计等待约 {m} 分钟",
      waitUnderMinute: "预计不到 1 分钟",
      waitNow: "马上为您接通",
      queueLabel: "排队情况",
      queueNote: "排队位置会实时更新",
      leave: "离开排队",
      leaveAria: "不再等待，离开排队",
      agentFallback: "人工客服",
      agentSub: "人工客服为您服务中",
      callback: "客服稍后联系您",
      callbackSub: "请留下手机号或邮箱",
      callbackSubSaved: "客服会在 {due} 前联系您",
      callbackFormTitle: "留个联系方式，我们来联系您",
      callbackLabel: "手机号或邮箱",
      callbackPlaceholder: "如 138 0000 0000 或 name@example.com",
      callbackSubmit: "提交",
      callbackInvalid: "请填写正确的手机号或邮箱",
      closed: "本次会话已结束",
      closedSub: "感谢您的咨询",
      abandoned: "您已离开排队",
      abandonedSub: "随时可以重新发起咨询",
      ended: "本次会话已结束，有新问题可以随时咨询",
      newChat: "开始新的会话",
      csatTitle: "为本次服务打分",
      csatStar: "{n} 星",
      csatLabels: ["非常不满意", "不满意", "一般", "满意", "非常满意"],
      csatComment: "还有什么想告诉我们的吗？（选填）",
      csatSubmit: "提交评价",
      csatPick: "请先选择星级",
      csatThanks: "感谢您的评价！",
      csatAlready: "本次会话已经评价过了，谢谢！",
      csatYour: "您的评价：{n} 星",
      couponNoMin: "无门槛",
      couponMin: "满 {n} 元可用",
      couponUntil: "有效期至 {d}",
      couponCode: "券码",
      copy: "复制",
      copied: "已复制",
      returnKind_refund: "退货退款",
      returnKind_exchange: "换货",
      returnKind_keep_with_coupon: "保留商品补偿",
      returnId: "售后单号",
      returnOrder: "订单号",
      returnStatus: "状态",
      returnAddress: "寄回地址",
      returnStatus_requested: "已提交",
      returnStatus_in_transit: "退回途中",
      returnStatus_received: "仓库已收货",
      returnStatus_refunded: "已退款",
      returnStatus_exchanged: "已换货",
      returnStatus_closed: "已关闭",
      actionFailed: "操作失败，请稍后再试",
      typingWho: "{name} 正在输入…",
      langButton: "EN",
      langAria: "Switch to English",
      close: "收起对话窗口",
      messagesLabel: "聊天消息",
      greeting: "您好，欢迎光临{shop}！我是智能客服，订单、物流、退换货、尺码都可以问我哦~ 需要真人帮忙时，随时说“转人工”。",
      quickLabel: "常见问题",
      quick: ["我的订单到哪了？", "怎么退换货？", "尺码怎么选？", "转人工客服"],
      placeholder: "输入消息，Enter 发送",
      inputLabel: "输入消息",
      send: "发送",
      you: "我",
      sending: "发送中…",
      failed: "发送失败",
      retry: "重试",
      tooLong: "消息太长了，请控制在 2000 字以内",
      reconnecting: "连接中断，正在重新连接…",
      offline: "网络已断开，恢复后会自动重连",
      typing: "正在输入",
      unread: "{n} 条未读消息",
      botName: "智能客服",
      image: "图片",
      feedbackLabel: "这个回答有帮助吗？",
      feedbackUp: "有帮助",
      feedbackDown: "没帮助",
      feedbackThanks: "谢谢反馈",
    },
    en: {
      launcherOpen: "Open chat",
      launcherClose: "Close chat",
      panelLabel: "Customer service chat",
      title: "Customer service",
      bot: "Assistant",
      botSub: "Online 24/7 · replies instantly",
      queued: "Connecting you to a person",
      queuedPos: "You are number {n} in the queue",
      queuedNext: "You are next in the queue",
      queuedWait: "Please hold on, someone will be with you shortly",
      waitMinutes: "About {m} min wait",
      waitUnderMinute: "Less than a minute",
      waitNow: "Any moment now",
      queueLabel: "Your place in the queue",
      queueNote: "Your place updates live",
      leave: "Leave queue",
      leaveAria: "Stop waiting and leave the queue",
      agentFallback: "Agent",
      agentSub: "A person is chatting with you",
      callback: "We will get back to you",
      callbackSub: "Leave a phone number or email",
      callbackSubSaved: "An agent will contact you by {due}",
      callbackFormTitle: "How can we reach you?",
      callbackLabel: "Phone or email",
      callbackPlaceholder: "e.g. +86 138 0000 0000 or name@example.com",
      callbackSubmit: "Send",
      callbackInvalid: "Please enter a valid phone number or email address",
      closed: "This chat has ended",
      closedSub: "Thank you for chatting with us",
      abandoned: "You left the queue",
      abandonedSub: "Start a new chat any time",
      ended: "This chat has ended. Have another question?",
      newChat: "Start a new chat",
      csatTitle: "Rate this chat",
      csatStar: "{n} stars",
      csatLabels: ["Very poor", "Poor", "OK", "Good", "Excellent"],
      csatComment: "Anything else you'd like to tell us? (optional)",
      csatSubmit: "Send rating",
      csatPick: "Pick a number of stars first",
      csatThanks: "Thank you for your feedback!",
      csatAlready: "This chat was already rated. Thank you!",
      csatYour: "Your rating: {n} stars",
      couponNoMin: "No minimum spend",
      couponMin: "On orders over ¥{n}",
      couponUntil: "Valid until {d}",
      couponCode: "Code",
      copy: "Copy",
      copied: "Copied",
      returnKind_refund: "Return & refund",
      returnKind_exchange: "Exchange",
      returnKind_keep_with_coupon: "Keep with coupon",
      returnId: "Return no.",
      returnOrder: "Order",
      returnStatus: "Status",
      returnAddress: "Send to",
      returnStatus_requested: "Requested",
      returnStatus_in_transit: "On its way back",
      returnStatus_received: "Received",
      returnStatus_refunded: "Refunded",
      returnStatus_exchanged: "Exchanged",
      returnStatus_closed: "Closed",
      actionFailed: "Something went wrong, please try again",
      typingWho: "{name} is typing…",
      langButton: "中",
      langAria: "切换到中文",
      close: "Minimise chat",
      messagesLabel: "Chat messages",
      greeting: "Hi, welcome to {shop}! I'm the shop assistant. Ask me about orders, delivery, returns or sizing. Type \"human\" any time to talk to a person.",
      quickLabel: "Common questions",
      quick: ["Where is my order?", "How do I return an item?", "Which size should I pick?", "Talk to a person"],
      placeholder: "Type a message, Enter to send",
      inputLabel: "Message",
      send: "Send",
      you: "You",
      sending: "Sending…",
      failed: "Not sent",
      retry: "Retry",
      tooLong: "That message is too long (2000 characters at most)",
      reconnecting: "Connection lost, reconnecting…",
      offline: "You are offline; we will reconnect automatically",
      typing: "typing",
      unread: "{n} unread messages",
      botName: "Assistant",
      image: "Image",
      feedbackLabel: "Was this answer helpful?",
      feedbackUp: "Helpful",
      feedbackDown: "Not helpful",
      feedbackThanks: "Thanks for the feedback",
    },
  };

  function pickLang() {
    var saved = safeGet(LANG_KEY);
    if (saved === "zh" || saved === "en") return saved;
    var wanted = (attr("data-lang") || "").toLowerCase();
    if (wanted.indexOf("zh") === 0) return "zh";
    if (wanted.indexOf("en") === 0) return "en";
    var nav = (navigator.language || (navigator.languages && navigator.languages[0]) || "").toLowerCase();
    return nav.indexOf("zh") === 0 ? "zh" : "en";
  }

  function safeGet(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }
  function safeSet(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (e) {
      /* private mode: the chat still works, it just won't survive a reload */
    }
  }

  var lang = pickLang();
  function t(key, vars) {
    var s = TEXT[lang][key];
    if (s === undefined) s = TEXT.zh[key];
    if (typeof s === "string" && vars) {
      s = s.replace(/\{(\w+)\}/g, function (_, k) {
        return vars[k] !== undefined ? String(vars[k]) : "";
      });
    }
    return s;
  }

  // ---------------------------------------------------------------- state
  var session = loadSession(); // {conversation_id, token, seq}
  var lastSeq = 0;
  var seen = Object.create(null); // seq -> true
  var pending = Object.create(null); // client_id -> {text, el, status}
  var conv = freshConv();
  var isOpen = false;
  var unread = 0;
  var loadingHistory = false;
  var buttonTitles = Object.create(null); // bot button payload -> its title (what the shopper clicked)
  var lastOtherSeq = 0; // newest seq of a bot/agent/system event (to know if a reply already came)

  // who owns the chat and what the shopper is waiting for; "queue" frames keep position/wait live
  function freshConv() {
    return { state: "bot", position: null, waitSeconds: null, agentName: null, callbackDue: null, contactSaved: false };
  }

  function loadSession() {
    try {
      var s = JSON.parse(safeGet(STORE_KEY) || "null");
      if (s && typeof s.conversation_id === "string" && typeof s.token === "string") {
        s.seq = Number(s.seq) || 0;
        return s;
      }
    } catch (e) {
      /* corrupt: start over */
    }
    return null;
  }
  function saveSession() {
    if (!session) return safeSet(STORE_KEY, null);
    session.seq = lastSeq;
    safeSet(STORE_KEY, JSON.stringify({ conversation_id: session.conversation_id, token: session.token, seq: lastSeq }));
  }

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      for (var k in props) {
        if (!Object.prototype.hasOwnProperty.call(props, k)) continue;
        var v = props[k];
        if (v === null || v === undefined || v === false) continue;
        if (k === "text") node.textContent = v;
        else if (k === "className") node.className = v;
        else if (k === "on") {
          for (var ev in v) node.addEventListener(ev, v[ev]);
        } else node.setAttribute(k, v === true ? "" : v);
      }
    }
    (children || []).forEach(function (c) {
      if (c) node.appendChild(c);
    });
    return node;
  }
  function svg(path, size) {
    var ns = "http://www.w3.org/2000/svg";
    var s = document.createElementNS(ns, "svg");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("width", size || 24);
    s.setAttribute("height", size || 24);
    s.setAttribute("aria-hidden", "true");
    s.setAttribute("focusable", "false");
    var p = document.createElementNS(ns, "path");
    p.setAttribute("d", path);
    p.setAttribute("fill", "currentColor");
    s.appendChild(p);
    return s;
  }
  var ICON = {
    thumb: "M2 10h4v11H2zM8 10.5l4.2-7.1a1.6 1.6 0 0 1 2.9 1.2L14.2 9H20a2 2 0 0 1 2 2.3l-1.3 7.4A2.8 2.8 0 0 1 18 21H8z",
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-4.3 3.6A.75.75 0 0 1 3.5 21v-3.1A2 2 0 0 1 2 16V6a2 2 0 0 1 2-2zm3 6.25a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5zm5 0a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5zm5 0a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5z",
    close: "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z",
    down: "M7.4 8.6 12 13.2l4.6-4.6L18 10l-6 6-6-6z",
    send: "M3.4 20.4 21 12 3.4 3.6 3.4 10.2 15 12 3.4 13.8z",
    bot: "M12 2a1.5 1.5 0 0 1 .75 2.8V6H17a3 3 0 0 1 3 3v8a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3V9a3 3 0 0 1 3-3h4.25V4.8A1.5 1.5 0 0 1 12 2zM9 11a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm6 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zM2 11h1v5H2a1 1 0 0 1-1-1v-3a1 1 0 0 1 1-1zm20 0a1 1 0 0 1 1 1v3a1 1 0 0 1-1 1h-1v-5h1z",
    person: "M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2c-4.4 0-8 2.2-8 5v1.5c0 .3.2.5.5.5h15c.3 0 .5-.2.5-.5V19c0-2.8-3.6-5-8-5z",
    star: "M12 2.8l2.8 5.9 6.4.8-4.7 4.4 1.2 6.4L12 17.1l-5.7 3.2 1.2-6.4L2.8 9.5l6.4-.8z",
    copy: "M8 3h10a2 2 0 0 1 2 2v12h-2V5H8zM5 7h9a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V9a2 2 0 0 1 2-2zm0 2v11h9V9z",
    clock: "M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20zm-.9 4v6.6l5 3 .9-1.5-4.1-2.4V6z",
  };

  // ---------------------------------------------------------------- styles (scoped to the shadow root)
  var CSS = [
    ":host{all:initial;display:block !important;position:static !important;}",
    "*,*::before,*::after{box-sizing:border-box;}",
    ".kefu-root{--kefu-brand:" + BRAND + ";--kefu-brand-ink:#fff;--kefu-bg:#f6f5f4;--kefu-surface:#fff;--kefu-ink:#1f1d1c;--kefu-muted:#6d6864;--kefu-line:#e8e4e1;",
    "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI','PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC','Noto Sans SC',Roboto,'Helvetica Neue',Arial,sans-serif;",
    "font-size:14px;line-height:1.5;color:var(--kefu-ink);-webkit-font-smoothing:antialiased;text-align:left;letter-spacing:normal;}",
    "button{font:inherit;color:inherit;cursor:pointer;}",
    "button:focus-visible,textarea:focus-visible{outline:2px solid var(--kefu-brand);outline-offset:2px;}",
    ".kefu-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;}",
    // launcher
    ".kefu-launcher{position:fixed;right:24px;bottom:24px;z-index:2147483000;width:60px;height:60px;border:0;border-radius:50%;",
    "background:var(--kefu-brand);color:var(--kefu-brand-ink);display:flex;align-items:center;justify-content:center;",
    "box-shadow:0 8px 24px rgba(20,16,14,.22),0 2px 6px rgba(20,16,14,.12);transition:transform .18s ease,box-shadow .18s ease;}",
    ".kefu-launcher:hover{transform:translateY(-2px) scale(1.03);box-shadow:0 12px 28px rgba(20,16,14,.26);}",
    ".kefu-launcher svg{transition:transform .2s ease,opacity .2s ease;}",
    ".kefu-launcher .kefu-ic-close{position:absolute;opacity:0;transform:rotate(-45deg);}",
    ".kefu-root[data-open=true] .kefu-launcher .kefu-ic-chat{opacity:0;transform:rotate(45deg);}",
    ".kefu-root[data-open=true] .kefu-launcher .kefu-ic-close{opacity:1;transform:none;}",
    ".kefu-unread{position:absolute;top:-3px;right:-3px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#e5484d;color:#fff;",
    "font-size:12px;font-weight:600;line-height:22px;text-align:center;border:2px solid #fff;}",
    ".kefu-unread[hidden]{display:none;}",
    // panel
    ".kefu-panel{position:fixed;right:24px;bottom:96px;z-index:2147483000;width:380px;height:min(620px,calc(100vh - 120px));",
    "display:flex;flex-direction:column;background:var(--kefu-bg);border-radius:16px;overflow:hidden;",
    "box-shadow:0 24px 60px rgba(20,16,14,.22),0 4px 14px rgba(20,16,14,.10);",
    "opacity:0;transform:translateY(12px) scale(.98);transform-origin:bottom right;pointer-events:none;visibility:hidden;",
    "transition:opacity .2s ease,transform .2s ease,visibility 0s linear .2s;}",
    ".kefu-root[data-open=true] .kefu-panel{opacity:1;transform:none;pointer-events:auto;visibility:visible;transition:opacity .2s ease,transform .2s ease;}",
    // header
    ".kefu-header{display:flex;align-items:center;gap:12px;padding:14px 12px 14px 16px;background:var(--kefu-brand);color:var(--kefu-brand-ink);}",
    ".kefu-avatar{flex:none;width:40px;height:40px;border-radius:50%;background:rgba(255,255,255,.2);display:flex;align-items:center;justify-content:center;position:relative;font-weight:600;font-size:16px;}",
    ".kefu-avatar::after{content:'';position:absolute;right:0;bottom:0;width:11px;height:11px;border-radius:50%;background:#3fcf8e;border:2px solid var(--kefu-brand);}",
    ".kefu-root[data-state=queued] .kefu-avatar::after{background:#f5b83d;}",
    ".kefu-root[data-state=closed] .kefu-avatar::after{background:#b9b4b0;}",
    ".kefu-root[data-state=callback] .kefu-avatar::after{background:#8aa4f0;}",
    ".kefu-status{flex:1;min-width:0;}",
    ".kefu-status-title{font-size:15px;font-weight:600;line-height:1.3;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;}",
    ".kefu-status-sub{font-size:12px;opacity:.88;line-height:1.4;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;}",
    ".kefu-hbtn{flex:none;height:32px;min-width:32px;padding:0 8px;border:0;border-radius:8px;background:transparent;color:inherit;display:flex;align-items:center;justify-content:center;}",
    ".kefu-hbtn:hover{background:rgba(255,255,255,.16);}",
    ".kefu-lang{font-size:12px;font-weight:600;border:1px solid rgba(255,255,255,.5);height:26px;padding:0 9px;border-radius:13px;}",
    // connection banner
    ".kefu-conn{padding:6px 14px;font-size:12px;background:#fff4d6;color:#7a5800;border-bottom:1px solid #f3e2b0;}",
    ".kefu-conn[hidden]{display:none;}",
    // waiting banner
    ".kefu-queue{display:flex;align-items:center;gap:12px;padding:10px 12px 10px 14px;background:var(--kefu-surface);border-bottom:1px solid var(--kefu-line);}",
    ".kefu-qpos{flex:none;min-width:44px;height:44px;padding:0 6px;border-radius:12px;background:color-mix(in srgb,var(--kefu-brand) 10%,#fff);color:var(--kefu-brand);",
    "display:flex;align-items:center;justify-content:center;font-size:20px;font-weight:700;font-variant-numeric:tabular-nums;}",
    ".kefu-qtext{flex:1;min-width:0;line-height:1.35;}",
    ".kefu-qtext b{display:block;font-size:13.5px;font-weight:600;}",
    ".kefu-qtext span{display:block;font-size:12px;color:var(--kefu-muted);}",
    ".kefu-qbar{height:3px;border-radius:2px;background:var(--kefu-line);margin-top:6px;overflow:hidden;}",
    ".kefu-qbar i{display:block;height:100%;width:40%;border-radius:2px;background:var(--kefu-brand);animation:kefu-slide 1.6s infinite ease-in-out;}",
    "@keyframes kefu-slide{0%{transform:translateX(-100%)}100%{transform:translateX(250%)}}",
    ".kefu-leave{flex:none;border:1px solid var(--kefu-line);background:var(--kefu-surface);color:var(--kefu-muted);border-radius:16px;padding:5px 11px;font-size:12.5px;}",
    ".kefu-leave:hover:not(:disabled){border-color:#d3ccc7;color:var(--kefu-ink);}",
    ".kefu-leave:disabled{opacity:.5;cursor:default;}",
    // messages
    ".kefu-messages{flex:1;overflow-y:auto;overscroll-behavior:contain;padding:16px 14px 8px;display:flex;flex-direction:column;gap:2px;scroll-behavior:smooth;}",
    ".kefu-row{display:flex;flex-direction:column;align-items:flex-start;max-width:100%;margin-top:8px;}",
    ".kefu-row[data-sender=shopper]{align-items:flex-end;}",
    ".kefu-who{font-size:11.5px;color:var(--kefu-muted);margin:0 4px 3px;}",
    ".kefu-bubble{max-width:82%;padding:9px 13px;border-radius:16px;white-space:pre-wrap;word-wrap:break-word;overflow-wrap:anywhere;font-size:14px;line-height:1.55;}",
    ".kefu-row[data-sender=bot] .kefu-bubble,.kefu-row[data-sender=agent] .kefu-bubble,.kefu-greeting .kefu-bubble{background:var(--kefu-surface);color:var(--kefu-ink);border-bottom-left-radius:5px;box-shadow:0 1px 2px rgba(20,16,14,.06);border:1px solid var(--kefu-line);}",
    ".kefu-row[data-sender=agent] .kefu-bubble{border-color:color-mix(in srgb,var(--kefu-brand) 28%,var(--kefu-line));}",
    ".kefu-row[data-sender=shopper] .kefu-bubble{background:var(--kefu-brand);color:var(--kefu-brand-ink);border-bottom-right-radius:5px;}",
    ".kefu-row[data-status=pending] .kefu-bubble{opacity:.7;}",
    ".kefu-row[data-status=failed] .kefu-bubble{background:#fbe9ea;color:#8c1d24;border:1px solid #f1c4c7;}",
    ".kefu-meta{font-size:11px;color:var(--kefu-muted);margin:3px 6px 0;display:flex;gap:6px;align-items:center;}",
    ".kefu-meta .kefu-bad{color:#c4262e;}",
    ".kefu-retry{border:0;background:none;color:var(--kefu-brand);font-weight:600;font-size:11.5px;padding:0;text-decoration:underline;}",
    ".kefu-feedback{display:inline-flex;gap:2px;align-items:center;}",
    ".kefu-fb{display:inline-flex;border:0;background:none;padding:2px 3px;line-height:1;border-radius:6px;cursor:pointer;color:var(--kefu-muted);opacity:.7;}",
    ".kefu-fb-down svg{transform:rotate(180deg);}",
    ".kefu-fb:hover:not(:disabled),.kefu-fb[aria-pressed=true]{color:var(--kefu-brand);opacity:1;}",
    ".kefu-fb:disabled{cursor:default;}",
    ".kefu-img{display:block;max-width:220px;max-height:220px;border-radius:12px;margin-top:6px;border:1px solid var(--kefu-line);}",
    ".kefu-buttons{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px;max-width:90%;}",
    ".kefu-chip{border:1px solid var(--kefu-brand);border-color:color-mix(in srgb,var(--kefu-brand) 45%,#fff);background:var(--kefu-surface);color:var(--kefu-brand);",
    "border-radius:16px;padding:5px 12px;font-size:13px;line-height:1.4;transition:background .15s ease,color .15s ease;text-align:left;}",
    ".kefu-chip:hover:not(:disabled){background:var(--kefu-brand);color:var(--kefu-brand-ink);}",
    ".kefu-chip:disabled{opacity:.5;cursor:default;}",
    ".kefu-notice{align-self:center;margin:12px 8px 4px;max-width:92%;text-align:center;font-size:12px;line-height:1.5;color:var(--kefu-muted);",
    "background:rgba(0,0,0,.045);padding:6px 12px;border-radius:12px;white-space:pre-wrap;}",
    ".kefu-typing{display:flex;gap:4px;align-items:center;padding:12px 14px;}",
    ".kefu-typing-who{font-size:11.5px;color:var(--kefu-muted);margin:0 4px 3px;}",
    // cards under agent messages (coupon, return)
    ".kefu-card{width:82%;max-width:280px;margin-top:6px;border-radius:14px;background:var(--kefu-surface);border:1px solid var(--kefu-line);overflow:hidden;box-shadow:0 1px 2px rgba(20,16,14,.06);}",
    ".kefu-coupon{display:flex;align-items:stretch;}",
    ".kefu-coupon-amt{flex:none;width:84px;display:flex;flex-direction:column;align-items:center;justify-content:center;gap:2px;padding:12px 6px;",
    "background:var(--kefu-brand);color:var(--kefu-brand-ink);position:relative;}",
    ".kefu-coupon-amt::after{content:'';position:absolute;right:-5px;top:0;bottom:0;width:10px;background:radial-gradient(circle at 5px 6px,var(--kefu-surface) 3px,transparent 3.5px) 0 0/10px 12px repeat-y;}",
    ".kefu-coupon-amt b{font-size:24px;line-height:1.1;font-weight:700;font-variant-numeric:tabular-nums;}",
    ".kefu-coupon-amt b small{font-size:13px;font-weight:600;margin-right:1px;}",
    ".kefu-coupon-amt span{font-size:11px;opacity:.9;text-align:center;line-height:1.25;}",
    ".kefu-coupon-body{flex:1;min-width:0;padding:10px 12px 10px 16px;display:flex;flex-direction:column;gap:3px;}",
    ".kefu-card-title{font-weight:600;font-size:13.5px;line-height:1.35;overflow-wrap:anywhere;}",
    ".kefu-card-sub{font-size:11.5px;color:var(--kefu-muted);}",
    ".kefu-code{display:flex;align-items:center;gap:6px;margin-top:3px;font-size:12px;}",
    ".kefu-code code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;font-weight:600;background:var(--kefu-bg);border:1px dashed #d3ccc7;border-radius:6px;padding:1px 6px;}",
    ".kefu-copy{border:0;background:none;color:var(--kefu-brand);font-size:12px;font-weight:600;padding:2px 4px;border-radius:4px;}",
    ".kefu-return-head{display:flex;align-items:center;gap:8px;padding:9px 12px;background:color-mix(in srgb,var(--kefu-brand) 8%,#fff);border-bottom:1px solid var(--kefu-line);}",
    ".kefu-return-head b{font-size:13.5px;flex:1;}",
    ".kefu-badge{font-size:11px;font-weight:600;border-radius:9px;padding:0 8px;line-height:18px;background:var(--kefu-surface);color:var(--kefu-brand);border:1px solid color-mix(in srgb,var(--kefu-brand) 30%,#fff);}",
    ".kefu-dl{display:grid;grid-template-columns:auto 1fr;gap:3px 10px;margin:0;padding:9px 12px 11px;font-size:12.5px;}",
    ".kefu-dl dt{color:var(--kefu-muted);}",
    ".kefu-dl dd{margin:0;overflow-wrap:anywhere;}",
    // forms in the chat (callback contact, satisfaction)
    ".kefu-stack{display:flex;flex-direction:column;align-items:center;}",
    ".kefu-form{align-self:stretch;margin:8px 6px 2px;padding:12px 14px;border-radius:14px;background:var(--kefu-surface);border:1px solid var(--kefu-line);box-shadow:0 1px 2px rgba(20,16,14,.06);}",
    ".kefu-form-title{font-weight:600;font-size:13.5px;margin:0 0 8px;}",
    ".kefu-form label{display:block;font-size:12px;color:var(--kefu-muted);margin-bottom:4px;}",
    ".kefu-field{width:100%;border:1px solid #ddd6d1;border-radius:10px;padding:8px 10px;font:inherit;font-size:14px;color:var(--kefu-ink);background:#fff;resize:none;}",
    ".kefu-field:focus{outline:none;border-color:var(--kefu-brand);box-shadow:0 0 0 3px color-mix(in srgb,var(--kefu-brand) 18%,transparent);}",
    ".kefu-form-row{display:flex;gap:8px;align-items:center;}",
    ".kefu-form-row .kefu-field{flex:1;min-width:0;}",
    ".kefu-primary{flex:none;border:0;border-radius:10px;background:var(--kefu-brand);color:var(--kefu-brand-ink);font-weight:600;font-size:13.5px;padding:8px 14px;}",
    ".kefu-primary:disabled{opacity:.5;cursor:default;}",
    ".kefu-form-error{font-size:12px;color:#c4262e;margin-top:6px;}",
    ".kefu-form-done{font-size:13px;color:var(--kefu-muted);display:flex;align-items:center;gap:6px;}",
    ".kefu-form-done::before{content:'✓';color:#2f9e6b;font-weight:700;}",
    ".kefu-stars{display:flex;gap:4px;margin:2px 0 4px;}",
    ".kefu-star{border:0;background:none;padding:2px;color:#d9d2cc;line-height:0;border-radius:6px;transition:transform .12s ease,color .12s ease;}",
    ".kefu-star[data-on=true]{color:#f5a623;}",
    ".kefu-star:hover{transform:scale(1.12);}",
    ".kefu-star svg{width:30px;height:30px;}",
    ".kefu-star-label{font-size:12px;color:var(--kefu-muted);min-height:18px;margin-bottom:8px;}",
    ".kefu-csat .kefu-field + .kefu-primary{margin-top:8px;width:100%;}",
    ".kefu-csat-given{display:flex;flex-direction:column;gap:2px;margin-top:6px;}",
    ".kefu-csat-stars{color:#f5a623;font-size:18px;letter-spacing:2px;}",
    ".kefu-csat-comment{font-size:13px;color:var(--kefu-ink);white-space:pre-wrap;overflow-wrap:anywhere;}",
    ".kefu-csat-comment[hidden]{display:none;}",
    // instead of the composer once the chat has ended
    ".kefu-ended{display:flex;flex-direction:column;align-items:center;gap:8px;padding:12px 14px 14px;background:var(--kefu-surface);border-top:1px solid var(--kefu-line);text-align:center;}",
    ".kefu-ended p{margin:0;font-size:12.5px;color:var(--kefu-muted);}",
    ".kefu-ended .kefu-primary{width:100%;padding:10px 14px;}",
    ".kefu-typing i{width:6px;height:6px;border-radius:50%;background:#a8a29e;animation:kefu-blink 1.2s infinite ease-in-out;}",
    ".kefu-typing i:nth-child(2){animation-delay:.15s}.kefu-typing i:nth-child(3){animation-delay:.3s}",
    "@keyframes kefu-blink{0%,80%,100%{opacity:.3;transform:translateY(0)}40%{opacity:1;transform:translateY(-3px)}}",
    "[hidden]{display:none !important;}",
    // quick chips + composer
    ".kefu-quick{display:flex;flex-wrap:wrap;gap:6px;padding:4px 14px 10px;}",
    ".kefu-quick .kefu-chip{flex:none;white-space:nowrap;max-width:100%;overflow:hidden;text-overflow:ellipsis;}",
    ".kefu-composer{display:flex;align-items:flex-end;gap:8px;padding:10px 10px 10px 14px;background:var(--kefu-surface);border-top:1px solid var(--kefu-line);}",
    ".kefu-input{flex:1;resize:none;border:0;outline:none;background:transparent;font:inherit;font-size:14px;line-height:1.5;color:var(--kefu-ink);",
    "max-height:120px;min-height:24px;padding:7px 0;margin:0;}",
    ".kefu-input:focus-visible{outline:none;}",
    ".kefu-composer:focus-within{box-shadow:inset 0 2px 0 color-mix(in srgb,var(--kefu-brand) 55%,transparent);}",
    ".kefu-input::placeholder{color:#a29c97;}",
    ".kefu-send{flex:none;width:38px;height:38px;border:0;border-radius:50%;background:var(--kefu-brand);color:var(--kefu-brand-ink);display:flex;align-items:center;justify-content:center;transition:opacity .15s ease,transform .15s ease;}",
    ".kefu-send:disabled{opacity:.35;cursor:default;}",
    ".kefu-send:not(:disabled):hover{transform:scale(1.06);}",
    ".kefu-hint{font-size:11.5px;color:#c4262e;padding:0 14px 6px;background:var(--kefu-surface);}",
    // phones: full screen
    "@media (max-width:479.98px){",
    ".kefu-launcher{right:16px;bottom:16px;width:56px;height:56px;}",
    ".kefu-panel{inset:0;right:0;bottom:0;width:100%;height:100%;height:100dvh;border-radius:0;transform:translateY(24px);}",
    ".kefu-root[data-open=true] .kefu-launcher{display:none;}",
    ".kefu-header{padding-top:max(14px,env(safe-area-inset-top));}",
    ".kefu-composer,.kefu-ended{padding-bottom:max(10px,env(safe-area-inset-bottom));}",
    ".kefu-card{width:88%;}",
    ".kefu-input{font-size:16px;}", // stops iOS zooming into the field
    ".kefu-bubble{max-width:86%;}",
    "}",
    "@media (prefers-reduced-motion:reduce){.kefu-panel,.kefu-launcher,.kefu-launcher svg,.kefu-typing i,.kefu-qbar i,.kefu-star{transition:none !important;animation:none !important;}.kefu-messages{scroll-behavior:auto;}}",
  ].join("\n");

  // ---------------------------------------------------------------- build the UI
  var host = document.createElement("kefu-widget");
  host.id = "kefu-widget";
  host.setAttribute("data-testid", "kefu-widget");
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var style = document.createElement("style");
  style.textContent = CSS;
  root.appendChild(style);

  function tid(name) {
    return { id: name, "data-testid": name };
  }
  function withTid(name, props) {
    var p = tid(name);
    for (var k in props) p[k] = props[k];
    return p;
  }

  var ui = {};
  ui.unread = el("span", withTid("kefu-unread", { className: "kefu-unread", hidden: true, "aria-hidden": "true" }));
  var icChat = svg(ICON.chat, 28);
  icChat.setAttribute("class", "kefu-ic-chat");
  var icClose = svg(ICON.close, 26);
  icClose.setAttribute("class", "kefu-ic-close");
  ui.launcher = el(
    "button",
    withTid("kefu-launcher", { className: "kefu-launcher", type: "button", "aria-expanded": "false", "aria-controls": "kefu-panel" }),
    [icChat, icClose, ui.unread]
  );

  ui.avatar = el("div", { className: "kefu-avatar", "aria-hidden": "true" });
  ui.statusTitle = el("div", withTid("kefu-status-title", { className: "kefu-status-title" }));
  ui.statusSub = el("div", { className: "kefu-status-sub" });
  ui.status = el("div", withTid("kefu-status", { className: "kefu-status", role: "status", "aria-live": "polite" }), [
    ui.statusTitle,
    ui.statusSub,
  ]);
  ui.langBtn = el("button", withTid("kefu-lang", { className: "kefu-hbtn kefu-lang", type: "button" }));
  ui.closeBtn = el("button", withTid("kefu-close", { className: "kefu-hbtn kefu-close", type: "button" }), [svg(ICON.down, 24)]);
  var header = el("div", { className: "kefu-header" }, [ui.avatar, ui.status, ui.langBtn, ui.closeBtn]);

  ui.conn = el("div", withTid("kefu-conn", { className: "kefu-conn", role: "status", hidden: true }));
  ui.queuePos = el("div", withTid("kefu-queue-position", { className: "kefu-qpos", "aria-hidden": "true" }));
  ui.queueWait = el("b", withTid("kefu-queue-wait", {}));
  ui.queueNote = el("span");
  ui.leave = el("button", withTid("kefu-leave", { className: "kefu-leave", type: "button" }));
  ui.queue = el("div", withTid("kefu-queue", { className: "kefu-queue", role: "group", hidden: true }), [
    ui.queuePos,
    el("div", { className: "kefu-qtext" }, [ui.queueWait, ui.queueNote, el("div", { className: "kefu-qbar", "aria-hidden": "true" }, [el("i")])]),
    ui.leave,
  ]);
  ui.greetingText = el("div", { className: "kefu-bubble" });
  ui.greeting = el("div", withTid("kefu-greeting", { className: "kefu-row kefu-greeting", "data-sender": "bot" }), [
    ui.greetingText,
  ]);
  ui.messages = el(
    "div",
    withTid("kefu-messages", { className: "kefu-messages", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" }),
    [ui.greeting]
  );
  ui.typingWho = el("div", { className: "kefu-typing-who" });
  ui.typing = el("div", withTid("kefu-typing", { className: "kefu-row", "data-sender": "bot", "data-who": "bot", hidden: true }), [
    ui.typingWho,
    el("div", { className: "kefu-bubble kefu-typing", "aria-hidden": "true" }, [el("i"), el("i"), el("i")]),
  ]);
  ui.quick = el("div", withTid("kefu-quick", { className: "kefu-quick", role: "group" }));
  ui.input = el(
    "textarea",
    withTid("kefu-input", { className: "kefu-input", rows: "1", maxlength: "2000", enterkeyhint: "send", autocomplete: "off" })
  );
  ui.send = el("button", withTid("kefu-send", { className: "kefu-send", type: "button", disabled: true }), [svg(ICON.send, 20)]);
  ui.hint = el("div", { className: "kefu-hint", role: "alert", hidden: true });
  ui.composer = el("div", { className: "kefu-composer" }, [ui.input, ui.send]);
  ui.endedText = el("p");
  ui.newChat = el("button", withTid("kefu-new-chat", { className: "kefu-primary", type: "button" }));
  ui.ended = el("div", withTid("kefu-ended", { className: "kefu-ended", hidden: true }), [ui.endedText, ui.newChat]);
  ui.panel = el(
    "div",
    withTid("kefu-panel", { className: "kefu-panel", role: "dialog", "aria-modal": "false", "data-open": "false" }),
    [header, ui.conn, ui.queue, ui.messages, ui.quick, ui.hint, ui.composer, ui.ended]
  );
  ui.root = el("div", { className: "kefu-root", "data-open": "false", "data-state": "bot", lang: lang === "zh" ? "zh-CN" : "en" }, [
    ui.panel,
    ui.launcher,
  ]);
  root.appendChild(ui.root);

  // ---------------------------------------------------------------- rendering
  function parseTime(iso) {
    if (!iso) return null;
    var s = String(iso);
    // the server sometimes omits the UTC offset (rows read back from SQLite): it is UTC
    if (!/(Z|[+-]\d\d:?\d\d)$/.test(s)) s += "Z";
    var d = new Date(s);
    return isNaN(d.getTime()) ? null : d;
  }
  function pad2(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function formatTime(iso) {
    var d = parseTime(iso);
    return d ? pad2(d.getHours()) + ":" + pad2(d.getMinutes()) : "";
  }
  // texts of cards and forms that must follow the language toggle
  var relabelHooks = [];

  function applyTexts() {
    ui.root.setAttribute("lang", lang === "zh" ? "zh-CN" : "en");
    ui.panel.setAttribute("aria-label", t("panelLabel"));
    ui.launcher.setAttribute("aria-label", isOpen ? t("launcherClose") : t("launcherOpen"));
    ui.langBtn.textContent = t("langButton");
    ui.langBtn.setAttribute("aria-label", t("langAria"));
    ui.langBtn.setAttribute("title", t("langAria"));
    ui.langBtn.setAttribute("data-lang", lang);
    ui.closeBtn.setAttribute("aria-label", t("close"));
    ui.closeBtn.setAttribute("title", t("close"));
    ui.messages.setAttribute("aria-label", t("messagesLabel"));
    var shop = SHOP_NAME || (lang === "zh" ? "本店" : "our shop");
    ui.greetingText.textContent = t("greeting", { shop: shop });
    ui.input.setAttribute("placeholder", t("placeholder"));
    ui.input.setAttribute("aria-label", t("inputLabel"));
    ui.send.setAttribute("aria-label", t("send"));
    ui.send.setAttribute("title", t("send"));
    ui.quick.setAttribute("aria-label", t("quickLabel"));
    ui.quick.textContent = "";
    t("quick").forEach(function (q) {
      ui.quick.appendChild(
        el("button", {
          className: "kefu-chip",
          type: "button",
          "data-testid": "kefu-quick-item",
          text: q,
          on: {
            click: function () {
              submit(q);
              focusInput();
            },
          },
        })
      );
    });
    ui.leave.textContent = t("leave");
    ui.leave.setAttribute("aria-label", t("leaveAria"));
    ui.queue.setAttribute("aria-label", t("queueLabel"));
    ui.newChat.textContent = t("newChat");
    // per-message labels, cards and forms
    var rows = ui.messages.querySelectorAll(".kefu-row[data-seq], .kefu-row[data-client-id]");
    for (var i = 0; i < rows.length; i++) relabel(rows[i]);
    relabelHooks.forEach(function (fn) {
      fn();
    });
    if (typingWho) showTyping(typingWho, typingName, true);
    renderStatus();
    renderUnread();
    renderConn();
  }

  function relabel(row) {
    var who = row.querySelector(".kefu-who");
    var sender = row.getAttribute("data-sender");
    if (who && sender === "bot") who.textContent = t("botName");
    if (who && sender === "agent") who.textContent = row.getAttribute("data-agent") || t("agentFallback");
    var meta = row.querySelector(".kefu-meta");
    if (meta && sender === "shopper") renderShopperMeta(row);
  }

  function waitText(seconds) {
    if (typeof seconds !== "number") return t("queuedWait");
    if (seconds <= 0) return t("waitNow");
    if (seconds < 60) return t("waitUnderMinute");
    return t("waitMinutes", { m: Math.ceil(seconds / 60) });
  }
  function positionText() {
    if (!conv.position) return t("queuedWait");
    return conv.position === 1 ? t("queuedNext") : t("queuedPos", { n: conv.position });
  }
  function dueText(iso) {
    var d = parseTime(iso);
    if (!d) return "";
    var today = new Date();
    var same = d.toDateString() === today.toDateString();
    var day = same ? "" : lang === "zh" ? d.getMonth() + 1 + "月" + d.getDate() + "日 " : d.toLocaleDateString("en-GB", { day: "numeric", month: "short" }) + " ";
    return day + pad2(d.getHours()) + ":" + pad2(d.getMinutes());
  }

  function renderStatus() {
    var state = conv.state;
    var title, sub, avatar;
    if (state === "queued") {
      title = t("queued");
      sub = positionText();
      avatar = svg(ICON.clock, 22);
    } else if (state === "agent") {
      title = conv.agentName || t("agentFallback");
      sub = t("agentSub");
      avatar = document.createTextNode((conv.agentName || t("agentFallback")).trim().charAt(0).toUpperCase());
    } else if (state === "callback") {
      title = t("callback");
      sub = conv.contactSaved && conv.callbackDue ? t("callbackSubSaved", { due: dueText(conv.callbackDue) }) : t("callbackSub");
      avatar = svg(ICON.clock, 22);
    } else if (state === "closed" || state === "abandoned") {
      title = state === "abandoned" ? t("abandoned") : t("closed");
      sub = state === "abandoned" ? t("abandonedSub") : t("closedSub");
      state = "closed";
      avatar = svg(ICON.bot, 22);
    } else {
      state = "bot";
      title = t("bot");
      sub = t("botSub");
      avatar = svg(ICON.bot, 22);
    }
    ui.root.setAttribute("data-state", state);
    ui.status.setAttribute("data-state", state);
    ui.statusTitle.textContent = title;
    ui.statusSub.textContent = sub;
    ui.avatar.textContent = "";
    ui.avatar.appendChild(avatar);
    renderQueueBanner();
    renderEnded();
    updateBotButtons();
    updateForms();
  }

  function renderQueueBanner() {
    var queued = conv.state === "queued";
    ui.queue.hidden = !queued;
    if (!queued) return;
    ui.queuePos.textContent = conv.position ? String(conv.position) : "…";
    ui.queuePos.setAttribute("data-position", conv.position ? String(conv.position) : "");
    ui.queuePos.setAttribute("title", positionText());
    ui.queueWait.textContent = waitText(conv.waitSeconds);
    ui.queueNote.textContent = t("queueNote");
    ui.queueWait.setAttribute("data-wait-seconds", typeof conv.waitSeconds === "number" ? String(conv.waitSeconds) : "");
  }

  function ended() {
    return !!session && (conv.state === "closed" || conv.state === "abandoned");
  }
  function renderEnded() {
    var over = ended();
    var stick = over !== !ui.ended.hidden && nearBottom();
    ui.ended.hidden = !over;
    ui.composer.hidden = over;
    if (over) {
      ui.hint.hidden = true;
      ui.quick.hidden = true;
      ui.endedText.textContent = conv.state === "abandoned" ? t("abandonedSub") : t("ended");
    } else {
      updateQuickChips();
    }
    // the bar under the messages changed height: stay at the bottom if we were there
    if (stick) scrollToBottom();
  }

  // bot buttons answer the bot: once used, or while a person owns the chat, they do nothing
  function updateBotButtons() {
    var buttons = ui.messages.querySelectorAll('[data-testid="kefu-button"]');
    for (var i = 0; i < buttons.length; i++) {
      var group = buttons[i].parentNode;
      buttons[i].disabled = group.getAttribute("data-used") === "true" || conv.state !== "bot";
    }
  }

  function renderUnread() {
    ui.unread.hidden = unread === 0;
    ui.unread.textContent = unread > 99 ? "99+" : String(unread);
    var label = isOpen ? t("launcherClose") : t("launcherOpen");
    if (unread && !isOpen) label += " · " + t("unread", { n: unread });
    ui.launcher.setAttribute("aria-label", label);
  }

  var connState = "ok"; // ok | reconnecting | offline
  function setConn(s) {
    connState = s;
    renderConn();
  }
  function renderConn() {
    if (connState === "ok" || !session) {
      ui.conn.hidden = true;
      ui.conn.textContent = "";
    } else {
      ui.conn.hidden = false;
      ui.conn.textContent = connState === "offline" ? t("offline") : t("reconnecting");
    }
  }

  // (a smooth scroll we started is still "at the bottom" while it runs)
  var autoScrolledAt = 0;
  function nearBottom() {
    var m = ui.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 80 || Date.now() - autoScrolledAt < 800;
  }
  function scrollToBottom() {
    autoScrolledAt = Date.now();
    ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  // insert a row in seq order; rows without a seq (pending) stay last
  function placeRow(row, seq) {
    var rows = ui.messages.children;
    for (var i = 0; i < rows.length; i++) {
      var other = rows[i];
      var s = Number(other.getAttribute("data-seq"));
      if (other === ui.typing) break;
      if (s && s > seq) {
        ui.messages.insertBefore(row, other);
        return;
      }
      if (!s && other !== ui.greeting) {
        // the first pending (unconfirmed) row: confirmed rows go before it
        ui.messages.insertBefore(row, other);
        return;
      }
    }
    ui.messages.insertBefore(row, ui.typing.parentNode === ui.messages ? ui.typing : null);
  }

  function renderShopperMeta(row) {
    var meta = row.querySelector(".kefu-meta");
    meta.textContent = "";
    var status = row.getAttribute("data-status");
    if (status === "pending") {
      meta.appendChild(el("span", { text: t("sending") }));
    } else if (status === "failed") {
      meta.appendChild(el("span", { className: "kefu-bad", text: t("failed") }));
      var cid = row.getAttribute("data-client-id");
      meta.appendChild(
        el("button", {
          className: "kefu-retry",
          type: "button",
          "data-testid": "kefu-retry",
          text: t("retry"),
          on: {
            click: function () {
              var item = pending[cid];
              if (item) deliver(item);
            },
          },
        })
      );
    } else {
      meta.appendChild(el("span", { text: row.getAttribute("data-time") || "" }));
    }
  }

  function shopperRow(text, clientId) {
    var row = el("div", {
      className: "kefu-row",
      "data-testid": "kefu-message",
      "data-sender": "shopper",
      "data-client-id": clientId || null,
      "data-status": "pending",
    });
    // a clicked bot button sends its payload (e.g. "/check_order"); show the shopper what they clicked
    var shown = Object.prototype.hasOwnProperty.call(buttonTitles, text) ? buttonTitles[text] : text;
    row.appendChild(el("div", { className: "kefu-bubble", text: shown }));
    row.appendChild(el("div", { className: "kefu-meta" }));
    renderShopperMeta(row);
    return row;
  }

  function safeImageUrl(u) {
    if (typeof u !== "string") return null;
    try {
      var url = new URL(u, BASE);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function renderEvent(ev) {
    var payload = ev.payload && typeof ev.payload === "object" ? ev.payload : {};
    var text = typeof ev.text === "string" ? ev.text : "";
    var row;
    if (ev.kind === "csat_request") return csatBlock(ev, text);
    if (ev.kind === "csat") return csatResult(ev);
    if (ev.kind === "state" || ev.sender === "system") {
      if (!text) return null;
      var notice = el("div", {
        className: "kefu-notice",
        "data-testid": "kefu-notice",
        "data-state": payload.state || null,
        text: text,
      });
      if (payload.state === "callback" && !payload.contact_saved) {
        return el("div", { className: "kefu-stack", "data-seq": String(ev.seq) }, [notice, callbackForm()]);
      }
      notice.setAttribute("data-seq", String(ev.seq));
      return notice;
    }
    var sender = ev.sender === "agent" ? "agent" : ev.sender === "shopper" ? "shopper" : "bot";
    if (sender === "shopper") {
      row = shopperRow(text, ev.client_id);
      row.setAttribute("data-status", "sent");
    } else {
      row = el("div", {
        className: "kefu-row",
        "data-testid": "kefu-message",
        "data-sender": sender,
        "data-agent": sender === "agent" ? payload.agent_name || null : null,
      });
      row.appendChild(
        el("div", { className: "kefu-who", text: sender === "agent" ? payload.agent_name || t("agentFallback") : t("botName") })
      );
      if (text) row.appendChild(el("div", { className: "kefu-bubble", text: text }));
      var card = payload.card && typeof payload.card === "object" ? renderCard(payload.card) : null;
      if (card) row.appendChild(card);
      var img = safeImageUrl(payload.image);
      if (img) row.appendChild(el("img", { className: "kefu-img", src: img, alt: t("image"), loading: "lazy", referrerpolicy: "no-referrer" }));
      if (Array.isArray(payload.buttons) && payload.buttons.length) {
        var group = el("div", { className: "kefu-buttons", "data-testid": "kefu-buttons", role: "group" });
        payload.buttons.forEach(function (b) {
          if (!b || typeof b !== "object") return;
          var title = String(b.title || b.payload || "");
          var value = String(b.payload || b.title || "");
          if (!title || !value) return;
          buttonTitles[value] = title;
          group.appendChild(
            el("button", {
              className: "kefu-chip",
              type: "button",
              "data-testid": "kefu-button",
              "data-payload": value,
              text: title,
              on: {
                click: function () {
                  if (conv.state !== "bot") return;
                  group.setAttribute("data-used", "true");
                  updateBotButtons();
                  submit(value);
                  focusInput();
                },
              },
            })
          );
        });
        if (group.children.length) row.appendChild(group);
      }
      if (!row.querySelector(".kefu-bubble, .kefu-img, .kefu-buttons, .kefu-card")) return null;
      var meta = el("div", { className: "kefu-meta" }, [el("span", { text: formatTime(ev.created_at) })]);
      if (sender === "bot" && text && !payload.holding) meta.appendChild(feedbackBar(ev.seq));
      row.appendChild(meta);
    }
    row.setAttribute("data-seq", String(ev.seq));
    row.setAttribute("data-time", formatTime(ev.created_at));
    if (sender === "shopper") renderShopperMeta(row);
    return row;
  }

  // thumbs up/down under a bot answer: down sends the shopper's question to the trainers' review inbox
  function feedbackBar(seq) {
    var bar = el("span", { className: "kefu-feedback", "data-testid": "kefu-feedback", role: "group", "data-seq": String(seq) });
    var up = el("button", { type: "button", className: "kefu-fb", "data-testid": "kefu-feedback-up" }, [svg(ICON.thumb, 14)]);
    var down = el("button", { type: "button", className: "kefu-fb kefu-fb-down", "data-testid": "kefu-feedback-down" }, [svg(ICON.thumb, 14)]);
    var note = el("span", { "data-testid": "kefu-feedback-thanks", role: "status", hidden: true });
    function label() {
      bar.setAttribute("aria-label", t("feedbackLabel"));
      up.setAttribute("aria-label", t("feedbackUp"));
      up.title = t("feedbackUp");
      down.setAttribute("aria-label", t("feedbackDown"));
      down.title = t("feedbackDown");
      note.textContent = bar.getAttribute("data-failed") ? t("actionFailed") : t("feedbackThanks");
    }
    function send(helpful, button) {
      var s = session;
      if (!s || up.disabled) return;
      up.disabled = down.disabled = true;
      button.setAttribute("aria-pressed", "true");
      bar.removeAttribute("data-failed");
      var path = "/api/sessions/" + encodeURIComponent(s.conversation_id) + "/events/" + encodeURIComponent(seq) + "/feedback";
      api("POST", path, { helpful: helpful }, s.token).then(
        function () {
          bar.setAttribute("data-done", "true");
          label();
          note.hidden = false;
        },
        function () {
          up.disabled = down.disabled = false;
          button.removeAttribute("aria-pressed");
          bar.setAttribute("data-failed", "true");
          label();
          note.hidden = false;
        }
      );
    }
    up.addEventListener("click", function () {
      send(true, up);
    });
    down.addEventListener("click", function () {
      send(false, down);
    });
    bar.appendChild(up);
    bar.appendChild(down);
    bar.appendChild(note);
    label();
    relabelHooks.push(label);
    return bar;
  }

  function applyStateEvent(ev) {
    var p = ev.payload || {};
    if (p.state === "queued") {
      conv.state = "queued";
      conv.position = typeof p.position === "number" ? p.position : null;
      conv.waitSeconds = typeof p.wait_seconds === "number" ? p.wait_seconds : null;
    } else if (p.state === "agent") {
      conv.state = "agent";
      conv.position = null;
      conv.agentName = p.agent_name || conv.agentName;
    } else if (p.state === "bot") {
      conv.state = "bot";
      conv.agentName = null;
      conv.position = null;
    } else if (p.state === "callback") {
      conv.state = "callback";
      conv.position = null;
      conv.callbackDue = p.callback_due || conv.callbackDue;
      conv.contactSaved = !!p.contact_saved;
    } else if (p.state) {
      conv.state = p.state;
    }
    if (conv.state !== "agent") hideTyping("agent");
    if (conv.state !== "bot") hideTyping("bot");
    renderStatus();
  }

  // a "queue" frame (WebSocket) or the "queue" field of a long-poll answer
  function applyQueue(q) {
    if (q && typeof q === "object" && typeof q.position === "number") {
      conv.position = q.position;
      conv.waitSeconds = typeof q.wait_seconds === "number" ? q.wait_seconds : null;
    } else {
      conv.position = null;
      conv.waitSeconds = null;
    }
    if (conv.state === "queued") renderStatus();
  }

  // ---------------------------------------------------------------- cards (coupon, return)
  function money(n) {
    var v = Number(n);
    if (!isFinite(v)) return "";
    return String(Math.round(v * 100) / 100);
  }
  function dl(pairs) {
    var list = el("dl", { className: "kefu-dl" });
    pairs.forEach(function (pair) {
      if (pair[1] === null || pair[1] === undefined || pair[1] === "") return;
      list.appendChild(el("dt", { text: pair[0] }));
      list.appendChild(el("dd", { text: String(pair[1]) }));
    });
    return list;
  }
  function renderCard(card) {
    var node = el("div", { className: "kefu-card", "data-testid": "kefu-card", "data-card-type": String(card.type || "") });
    if (card.type === "coupon") {
      var code = String(card.code || "");
      var amount = el("b", null, [el("small", { text: "¥" }), document.createTextNode(money(card.amount))]);
      var minLine = el("span");
      var title = el("div", { className: "kefu-card-title" });
      var until = el("div", { className: "kefu-card-sub" });
      var codeLabel = el("span");
      var copyBtn = el("button", { className: "kefu-copy", type: "button", "data-testid": "kefu-card-copy" });
      var copied = false;
      copyBtn.addEventListener("click", function () {
        var done = function () {
          copied = true;
          label();
          setTimeout(function () {
            copied = false;
            label();
          }, 1800);
        };
        if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(code).then(done, function () {});
      });
      var label = function () {
        var min = Number(card.min_spend) || 0;
        minLine.textContent = min > 0 ? t("couponMin", { n: money(min) }) : t("couponNoMin");
        title.textContent = String((lang === "en" ? card.title_en : card.title_zh) || card.title_zh || card.title_en || "");
        until.textContent = card.valid_until ? t("couponUntil", { d: String(card.valid_until) }) : "";
        codeLabel.textContent = t("couponCode");
        copyBtn.textContent = copied ? t("copied") : t("copy");
      };
      label();
      relabelHooks.push(label);
      node.appendChild(
        el("div", { className: "kefu-coupon" }, [
          el("div", { className: "kefu-coupon-amt" }, [amount, minLine]),
          el("div", { className: "kefu-coupon-body" }, [
            title,
            until,
            el("div", { className: "kefu-code" }, [codeLabel, el("code", { "data-testid": "kefu-card-code", text: code }), copyBtn]),
          ]),
        ])
      );
      return node;
    }
    if (card.type === "return") {
      var head = el("b");
      var badge = el("span", { className: "kefu-badge" });
      var body = el("div");
      var relabelReturn = function () {
        head.textContent = t("returnKind_" + card.kind) || String(card.kind || "");
        badge.textContent = t("returnStatus_" + card.status) || String(card.status || "");
        badge.hidden = !card.status;
        body.textContent = "";
        body.appendChild(
          dl([
            [t("returnId"), card.return_id],
            [t("returnOrder"), card.order_id],
            [t("returnAddress"), card.address],
          ])
        );
      };
      relabelReturn();
      relabelHooks.push(relabelReturn);
      node.appendChild(el("div", { className: "kefu-return-head" }, [head, badge]));
      node.appendChild(body);
      return node;
    }
    return null;
  }

  // ---------------------------------------------------------------- forms in the chat
  var callbackForms = [];
  function callbackForm() {
    var id = "kefu-cb-" + Math.random().toString(36).slice(2, 8);
    var title = el("p", { className: "kefu-form-title" });
    var lbl = el("label", { for: id });
    var input = el("input", {
      className: "kefu-field",
      id: id,
      "data-testid": "kefu-callback-input",
      type: "text",
      inputmode: "email",
      autocomplete: "tel",
      maxlength: "128",
    });
    var submitBtn = el("button", { className: "kefu-primary", type: "submit", "data-testid": "kefu-callback-submit" });
    var error = el("div", { className: "kefu-form-error", "data-testid": "kefu-callback-error", role: "alert", hidden: true });
    var fields = el("div", null, [lbl, el("div", { className: "kefu-form-row" }, [input, submitBtn]), error]);
    var form = el("form", { className: "kefu-form", "data-testid": "kefu-callback", novalidate: true }, [title, fields]);
    var errorKey = null;
    var label = function () {
      title.textContent = t("callbackFormTitle");
      lbl.textContent = t("callbackLabel");
      input.setAttribute("placeholder", t("callbackPlaceholder"));
      submitBtn.textContent = t("callbackSubmit");
      error.textContent = errorKey ? t(errorKey) : "";
    };
    var showError = function (key) {
      errorKey = key;
      error.hidden = !key;
      label();
    };
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var contact = input.value.trim();
      var digits = contact.replace(/\D/g, "");
      var isEmail = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(contact);
      var isPhone = /^[+\d][\d\s()\-]*$/.test(contact) && digits.length >= 6 && digits.length <= 20;
      if (!isEmail && !isPhone) return showError("callbackInvalid");
      showError(null);
      submitBtn.disabled = true;
      var s = session;
      api("POST", "/api/sessions/" + encodeURIComponent(s.conversation_id) + "/callback", { contact: contact }, s.token).then(
        function (res) {
          if (res && res.event) addEvent(res.event, true);
        },
        function (err) {
          submitBtn.disabled = false;
          showError(err && err.status === 400 ? "callbackInvalid" : "actionFailed");
        }
      );
    });
    label();
    relabelHooks.push(label);
    var entry = { form: form };
    callbackForms.push(entry);
    return form;
  }

  function updateForms() {
    callbackForms.forEach(function (f) {
      var saved = conv.contactSaved;
      f.form.setAttribute("data-done", String(saved));
      // sent (the service confirms it in the chat), or an agent took the chat first: nothing to do
      f.form.hidden = saved || conv.state !== "callback";
    });
  }

  var csatForms = [];
  function starLabel(n) {
    return t("csatStar", { n: n }) + " · " + t("csatLabels")[n - 1];
  }
  function csatBlock(ev, text) {
    var score = 0;
    var intro = el("p", { className: "kefu-form-title", text: text || null });
    var stars = el("div", { className: "kefu-stars", role: "radiogroup" });
    var starLabelNode = el("div", { className: "kefu-star-label", "aria-hidden": "true" });
    var starButtons = [];
    var comment = el("textarea", { className: "kefu-field", "data-testid": "kefu-csat-comment", rows: "2", maxlength: "1000" });
    var submitBtn = el("button", { className: "kefu-primary", type: "submit", "data-testid": "kefu-csat-submit" });
    var error = el("div", { className: "kefu-form-error", "data-testid": "kefu-csat-error", role: "alert", hidden: true });
    var thanks = el("div", { className: "kefu-form-done", "data-testid": "kefu-csat-thanks", hidden: true });
    var given = el("div", { className: "kefu-csat-given", hidden: true });
    var givenStars = el("span", { className: "kefu-csat-stars", "aria-hidden": "true" });
    var givenComment = el("q", { className: "kefu-csat-comment" });
    given.appendChild(givenStars);
    given.appendChild(givenComment);
    var fields = el("div", null, [stars, starLabelNode, comment, submitBtn, error]);
    var form = el("form", { className: "kefu-form kefu-csat", "data-testid": "kefu-csat", "data-score": "0", novalidate: true }, [intro, fields, thanks, given]);
    var errorKey = null;
    var thanksKey = "csatThanks";

    function paint(hover) {
      var shown = hover || score;
      starButtons.forEach(function (b, i) {
        b.setAttribute("data-on", String(i < shown));
        b.setAttribute("aria-checked", String(i + 1 === score));
        // one tab stop for the group: the chosen star, or the first
        b.tabIndex = (score ? i + 1 === score : i === 0) ? 0 : -1;
      });
      starLabelNode.textContent = shown ? t("csatLabels")[shown - 1] : "";
    }
    function pick(n, focus) {
      score = Math.max(1, Math.min(5, n));
      form.setAttribute("data-score", String(score));
      if (errorKey === "csatPick") showError(null);
      paint();
      if (focus) starButtons[score - 1].focus();
    }
    for (var n = 1; n <= 5; n++) {
      (function (n) {
        var b = el("button", { className: "kefu-star", type: "button", role: "radio", "data-testid": "kefu-csat-star", "data-score": String(n) }, [
          svg(ICON.star, 30),
        ]);
        b.addEventListener("click", function () {
          pick(n, false);
        });
        b.addEventListener("mouseenter", function () {
          paint(n);
        });
        b.addEventListener("mouseleave", function () {
          paint();
        });
        b.addEventListener("keydown", function (e) {
          // a radio group: the arrows move the choice (from the focused star when none is chosen yet)
          if (e.key === "ArrowRight" || e.key === "ArrowUp") {
            e.preventDefault();
            pick((score || n) + 1, true);
          } else if (e.key === "ArrowLeft" || e.key === "ArrowDown") {
            e.preventDefault();
            pick((score || n) - 1, true);
          }
        });
        starButtons.push(b);
        stars.appendChild(b);
      })(n);
    }
    var label = function () {
      stars.setAttribute("aria-label", t("csatTitle"));
      starButtons.forEach(function (b, i) {
        b.setAttribute("aria-label", starLabel(i + 1));
        b.setAttribute("title", starLabel(i + 1));
      });
      comment.setAttribute("placeholder", t("csatComment"));
      comment.setAttribute("aria-label", t("csatComment"));
      submitBtn.textContent = t("csatSubmit");
      error.textContent = errorKey ? t(errorKey) : "";
      thanks.textContent = t(thanksKey);
      given.setAttribute("aria-label", score ? t("csatYour", { n: score }) : "");
      paint();
    };
    function showError(key) {
      errorKey = key;
      error.hidden = !key;
      label();
    }
    function finish(key, finalScore, finalComment) {
      thanksKey = key;
      if (finalScore) {
        score = finalScore;
        form.setAttribute("data-score", String(score));
      }
      if (typeof finalComment === "string") givenComment.textContent = finalComment;
      givenComment.hidden = !givenComment.textContent;
      givenStars.textContent = score ? "★★★★★".slice(0, score) + "☆☆☆☆☆".slice(0, 5 - score) : "";
      given.hidden = !score;
      intro.hidden = true;
      fields.hidden = true;
      thanks.hidden = false;
      form.setAttribute("data-done", "true");
      label();
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!score) return showError("csatPick");
      showError(null);
      submitBtn.disabled = true;
      var s = session;
      api("POST", "/api/sessions/" + encodeURIComponent(s.conversation_id) + "/csat", { score: score, comment: comment.value.trim() }, s.token).then(
        function () {
          finish("csatThanks", score, comment.value.trim());
        },
        function (err) {
          submitBtn.disabled = false;
          if (err && err.status === 409) finish("csatAlready");
          else showError("actionFailed");
        }
      );
    });
    label();
    relabelHooks.push(label);
    csatForms.push({ finish: finish });
    return el("div", { className: "kefu-stack", "data-seq": String(ev.seq) }, [form]);
  }

  // the echo of a rating (also on reload): the form shows what was given, no extra row
  function csatResult(ev) {
    var score = Number(ev.payload && ev.payload.score) || 0;
    csatForms.forEach(function (f) {
      f.finish("csatThanks", score, typeof ev.text === "string" ? ev.text : "");
    });
    return null;
  }

  function updateQuickChips() {
    ui.quick.hidden = !!ui.messages.querySelector('[data-testid="kefu-message"]');
  }

  // ---------------------------------------------------------------- events in (dedupe by seq)
  function addEvent(ev, live) {
    if (!ev || typeof ev.seq !== "number") return;
    if (session && ev.conversation_id && ev.conversation_id !== session.conversation_id) return;
    if (seen[ev.seq]) return;
    seen[ev.seq] = true;
    if (ev.seq > lastSeq) {
      lastSeq = ev.seq;
      saveSession();
    }
    var stick = nearBottom();
    if (ev.kind === "state") applyStateEvent(ev);
    else if (ev.sender === "agent" && ev.payload && ev.payload.agent_name && conv.state === "agent" && !conv.agentName) {
      // the header names the chat's owner (from the state events); a message signed by someone
      // else (a supervisor approving a coupon) does not change who is answering
      conv.agentName = ev.payload.agent_name;
      renderStatus();
    }
    // our own message coming back: confirm the bubble we already show
    if (ev.sender === "shopper" && ev.client_id && pending[ev.client_id]) {
      var item = pending[ev.client_id];
      delete pending[ev.client_id];
      var row = item.el;
      row.setAttribute("data-status", "sent");
      row.setAttribute("data-seq", String(ev.seq));
      row.setAttribute("data-time", formatTime(ev.created_at));
      renderShopperMeta(row);
      if (row.parentNode) row.parentNode.removeChild(row);
      placeRow(row, ev.seq);
    } else {
      var node = renderEvent(ev);
      if (node) placeRow(node, ev.seq);
    }
    if (ev.sender !== "shopper") {
      if (ev.seq > lastOtherSeq) lastOtherSeq = ev.seq;
      if (ev.kind === "message") hideTyping(ev.sender === "agent" ? "agent" : "bot");
      if (live && !loadingHistory && (!isOpen || document.hidden) && ev.kind === "message") {
        unread += 1;
        renderUnread();
      }
    }
    updateQuickChips();
    if (node || row) updateBotButtons();
    if (ui.typing.parentNode === ui.messages && !ui.typing.hidden && ui.typing.nextSibling) ui.messages.appendChild(ui.typing);
    var prompt = live && (ev.kind === "csat_request" || (ev.kind === "state" && ev.payload && ev.payload.state === "callback"));
    if (stick || prompt || ev.sender === "shopper") scrollToBottom();
  }

  // typing of whoever owns the chat: the bot while it thinks, the agent while they write
  var typingTimer = null;
  var typingWho = null; // "bot" | "agent" | null
  var typingName = null;
  function showTyping(who, name, relabelOnly) {
    who = who || "bot";
    if (who === "bot" && conv.state !== "bot") return;
    if (who === "agent" && conv.state !== "agent") return;
    typingWho = who;
    typingName = name || (who === "agent" ? conv.agentName : null);
    ui.typing.setAttribute("data-who", who);
    ui.typing.setAttribute("data-sender", who);
    var label = who === "agent" ? t("typingWho", { name: typingName || t("agentFallback") }) : t("typingWho", { name: t("botName") });
    ui.typingWho.textContent = label;
    ui.typingWho.hidden = who !== "agent";
    ui.typing.setAttribute("aria-label", label);
    if (relabelOnly) return;
    var stick = nearBottom();
    var wasHidden = ui.typing.hidden;
    ui.typing.hidden = false;
    if (wasHidden || ui.typing.parentNode !== ui.messages || ui.typing.nextSibling) ui.messages.appendChild(ui.typing);
    if (stick || wasHidden) scrollToBottom();
    clearTimeout(typingTimer);
    // typing signals may be dropped: never show a stale indicator for long
    typingTimer = setTimeout(hideTyping, who === "agent" ? 8000 : 20000);
  }
  function hideTyping(who) {
    if (who && typingWho && who !== typingWho) return;
    clearTimeout(typingTimer);
    typingWho = null;
    ui.typing.hidden = true;
  }
  function onTypingFrame(frame) {
    var who = frame.who === "agent" ? "agent" : "bot";
    if (frame.typing) showTyping(who, frame.agent_name);
    else if (who === "bot") {
      // the bot's answer follows its "stopped typing" at once: avoid a flicker in between
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () {
        hideTyping("bot");
      }, 700);
    } else hideTyping("agent");
  }

  // the shopper's own typing, for the agent who owns the chat: at most one "typing" every 3 s,
  // and "stopped" after 4 s without a key or when the message is sent
  var myTyping = false;
  var myTypingAt = 0;
  var myTypingIdle = null;
  function noteMyTyping() {
    if (!session || conv.state !== "agent") return;
    if (!myTyping || Date.now() - myTypingAt > 3000) sendMyTyping(true);
    clearTimeout(myTypingIdle);
    myTypingIdle = setTimeout(stopMyTyping, 4000);
  }
  function stopMyTyping() {
    clearTimeout(myTypingIdle);
    if (myTyping) sendMyTyping(false);
  }
  function sendMyTyping(on) {
    myTyping = on;
    myTypingAt = Date.now();
    if (socket && socket.readyState === 1) {
      try {
        socket.send(JSON.stringify({ type: "typing", typing: on }));
        return;
      } catch (e) {
        /* fall back to HTTP */
      }
    }
    var s = session;
    if (s) api("POST", "/api/sessions/" + encodeURIComponent(s.conversation_id) + "/typing", { typing: on }, s.token).catch(function () {});
  }

  // ---------------------------------------------------------------- HTTP
  function ApiError(status, code, message) {
    this.status = status;
    this.code = code;
    this.message = message;
  }
  function api(method, path, body, token, signal) {
    var headers = { Accept: "application/json" };
    if (body) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    return fetch(BASE + path, {
      method: method,
      headers: headers,
      body: body ? JSON.stringify(body) : undefined,
      signal: signal,
      credentials: "omit",
      cache: "no-store",
    }).then(function (res) {
      return res
        .json()
        .catch(function () {
          return null;
        })
        .then(function (data) {
          if (!res.ok) throw new ApiError(res.status, data && data.error, (data && data.message) || res.statusText);
          return data;
        });
    });
  }
  function sleep(ms) {
    return new Promise(function (r) {
      setTimeout(r, ms);
    });
  }
  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var a = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return Array.prototype.map
      .call(a, function (b) {
        return (b < 16 ? "0" : "") + b.toString(16);
      })
      .join("");
  }

  // ---------------------------------------------------------------- session
  var creating = null;
  function ensureSession() {
    if (session) return Promise.resolve(session);
    if (!creating) {
      creating = api("POST", "/api/sessions", { customer_id: CUSTOMER_ID, lang: lang })
        .then(function (res) {
          session = { conversation_id: res.conversation_id, token: res.token, seq: 0 };
          lastSeq = 0;
          conv.state = res.state || "bot";
          renderStatus();
          saveSession();
          connect();
          return session;
        })
        .finally(function () {
          creating = null;
        });
    }
    return creating;
  }

  // the stored session is not valid any more (403) or has ended (409): forget it
  function dropSession(clearHistory) {
    stopTransport();
    session = null;
    saveSession();
    lastSeq = 0;
    conv = freshConv();
    hideTyping();
    stopMyTyping();
    if (clearHistory) {
      relabelHooks = [];
      callbackForms = [];
      csatForms = [];
      seen = Object.create(null);
      var rows = ui.messages.querySelectorAll("[data-seq]");
      for (var i = 0; i < rows.length; i++) rows[i].parentNode.removeChild(rows[i]);
    }
    setConn("ok");
    renderStatus();
    updateQuickChips();
  }

  // ---------------------------------------------------------------- transport: WebSocket, long-poll fallback
  var socket = null;
  var socketFailures = 0;
  var reconnectTimer = null;
  var backoff = 1000;
  var polling = false;
  var pollAbort = null;
  var transportGen = 0;

  function stopTransport() {
    transportGen += 1;
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (socket) {
      var s = socket;
      socket = null;
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

  function connect() {
    if (!session) return;
    stopTransport();
    if (!window.WebSocket || socketFailures >= 2) startPolling();
    else openSocket();
  }

  function openSocket() {
    var gen = transportGen;
    var url =
      WS_BASE +
      "/ws/sessions/" +
      encodeURIComponent(session.conversation_id) +
      "?token=" +
      encodeURIComponent(session.token) +
      "&after=" +
      lastSeq;
    var ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      socketFailures += 1;
      return scheduleReconnect(gen);
    }
    socket = ws;
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
      if (gen !== transportGen || socket !== ws) return;
      socket = null;
      if (e.code === 4403) return dropSession(true);
      if (!opened) socketFailures += 1;
      scheduleReconnect(gen);
    };
  }

  function scheduleReconnect(gen) {
    if (gen !== transportGen || !session) return;
    setConn(navigator.onLine === false ? "offline" : "reconnecting");
    var delay = Math.min(backoff, 30000) * (0.8 + Math.random() * 0.4);
    backoff = Math.min(backoff * 2, 30000);
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(function () {
      if (gen !== transportGen || !session) return;
      // the socket keeps failing (proxy without WebSocket, or a refused handshake): long-poll instead
      if (socketFailures >= 2 || !window.WebSocket) startPolling();
      else openSocket();
    }, delay);
  }

  function startPolling() {
    if (polling || !session) return;
    polling = true;
    var gen = transportGen;
    var delay = 1000;
    (function loop(first) {
      if (gen !== transportGen || !session) return;
      pollAbort = window.AbortController ? new AbortController() : null;
      var s = session;
      api(
        "GET",
        "/api/sessions/" + encodeURIComponent(s.conversation_id) + "/events?after=" + lastSeq + "&wait=" + (first ? "false" : "true"),
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
          if (err && err.status === 403) return dropSession(true);
          setConn(navigator.onLine === false ? "offline" : "reconnecting");
          setTimeout(function () {
            loop(true);
          }, delay);
          delay = Math.min(delay * 2, 30000);
        }
      );
    })(true);
  }

  function syncState(state) {
    if (!state || state === conv.state) return;
    conv.state = state;
    if (state !== "agent") conv.agentName = null;
    if (state !== "queued") conv.position = conv.waitSeconds = null;
    renderStatus();
  }

  // reload: fetch the whole history from seq 0 (dedupe by seq), then go live from the last seq
  function restore() {
    if (!session) return;
    loadingHistory = true;
    ui.messages.setAttribute("aria-busy", "true");
    var s = session;
    var all = [];
    function page(after) {
      return api(
        "GET",
        "/api/sessions/" + encodeURIComponent(s.conversation_id) + "/events?after=" + after + "&wait=false",
        null,
        s.token
      ).then(function (res) {
        var evs = res.events || [];
        all = all.concat(evs);
        if (evs.length >= 500) return page(evs[evs.length - 1].seq);
        return res;
      });
    }
    page(0)
      .then(
        function (last) {
          if (session !== s) return;
          all.forEach(function (ev) {
            addEvent(ev, false);
          });
          syncState(last.state);
          if ("queue" in last) applyQueue(last.queue);
          scrollToBottom();
          connect();
        },
        function (err) {
          if (session !== s) return;
          if (err && (err.status === 403 || err.status === 404)) return dropSession(true);
          connect(); // server unreachable: the transport retries with backoff
        }
      )
      .finally(function () {
        loadingHistory = false;
        ui.messages.removeAttribute("aria-busy");
      });
  }

  // ---------------------------------------------------------------- sending
  function submit(text) {
    text = String(text || "").trim();
    if (!text) return;
    if (text.length > 2000) {
      ui.hint.textContent = t("tooLong");
      ui.hint.hidden = false;
      return;
    }
    ui.hint.hidden = true;
    var clientId = newClientId();
    var row = shopperRow(text, clientId);
    ui.messages.insertBefore(row, ui.typing.parentNode === ui.messages ? ui.typing : null);
    var item = { clientId: clientId, text: text, el: row, resets: 0 };
    pending[clientId] = item;
    updateQuickChips();
    scrollToBottom();
    deliver(item);
  }

  function setItemStatus(item, status) {
    item.el.setAttribute("data-status", status);
    renderShopperMeta(item.el);
  }

  function deliver(item) {
    if (item.busy) return;
    item.busy = true;
    setItemStatus(item, "pending");
    var attempt = 0;
    function tryOnce() {
      return ensureSession()
        .then(function (s) {
          return api(
            "POST",
            "/api/sessions/" + encodeURIComponent(s.conversation_id) + "/messages",
            { text: item.text, client_id: item.clientId },
            s.token
          );
        })
        .then(function (res) {
          item.busy = false;
          if (res && res.event) {
            addEvent(res.event, true);
            if (conv.state === "bot" && lastOtherSeq < res.event.seq) showTyping("bot");
          }
          if (!socket && !polling && !reconnectTimer) connect();
        })
        .catch(function (err) {
          var status = err && err.status;
          if ((status === 403 || status === 409) && item.resets < 1) {
            // the chat was closed or forgotten by the server: start a fresh one, same message
            item.resets += 1;
            dropSession(status === 403);
            return tryOnce();
          }
          var retriable = !status || status >= 500 || status === 408 || status === 429;
          if (retriable && attempt < 4) {
            attempt += 1;
            return sleep(600 * Math.pow(2, attempt - 1)).then(tryOnce);
          }
          item.busy = false;
          if (pending[item.clientId]) setItemStatus(item, "failed");
        });
    }
    return tryOnce();
  }

  function sendFromInput() {
    var text = ui.input.value;
    if (!text.trim()) return;
    stopMyTyping();
    ui.input.value = "";
    autosize();
    ui.send.disabled = true;
    submit(text);
    ui.input.focus();
  }

  function autosize() {
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(ui.input.scrollHeight, 120) + "px";
  }

  // ---------------------------------------------------------------- open / close / language
  // keyboard users land in the input; on phones that would pop the keyboard over the chat, so not there
  function focusInput() {
    if (window.matchMedia && matchMedia("(max-width: 479.98px), (pointer: coarse)").matches) return;
    ui.input.focus();
  }

  function setOpen(open) {
    isOpen = !!open;
    ui.root.setAttribute("data-open", String(isOpen));
    ui.panel.setAttribute("data-open", String(isOpen));
    ui.launcher.setAttribute("aria-expanded", String(isOpen));
    if (isOpen) {
      unread = 0;
      renderUnread();
      scrollToBottom();
      setTimeout(focusInput, 60);
    } else {
      renderUnread();
    }
  }

  function setLang(next) {
    if (next !== "zh" && next !== "en") return;
    lang = next;
    safeSet(LANG_KEY, lang);
    applyTexts();
  }

  ui.launcher.addEventListener("click", function () {
    setOpen(!isOpen);
    if (!isOpen) ui.launcher.focus();
  });
  ui.closeBtn.addEventListener("click", function () {
    setOpen(false);
    ui.launcher.focus();
  });
  ui.langBtn.addEventListener("click", function () {
    setLang(lang === "zh" ? "en" : "zh");
  });
  ui.panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      setOpen(false);
      ui.launcher.focus();
    }
  });
  ui.input.addEventListener("keydown", function (e) {
    // Enter sends; Shift+Enter is a new line; never send while an IME is composing (Chinese input)
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      sendFromInput();
    }
  });
  ui.input.addEventListener("input", function () {
    ui.send.disabled = !ui.input.value.trim();
    if (ui.input.value.trim()) noteMyTyping();
    else stopMyTyping();
    if (!ui.hint.hidden) ui.hint.hidden = true;
    autosize();
  });
  ui.send.addEventListener("click", sendFromInput);
  ui.input.addEventListener("blur", stopMyTyping);

  ui.leave.addEventListener("click", function () {
    var s = session;
    if (!s || conv.state !== "queued") return;
    ui.leave.disabled = true;
    api("POST", "/api/sessions/" + encodeURIComponent(s.conversation_id) + "/leave", null, s.token)
      .then(
        function () {
          // the "abandoned" event follows over the transport; show the outcome at once anyway
          if (session === s && conv.state === "queued") syncState("abandoned");
        },
        function () {
          ui.hint.textContent = t("actionFailed");
          ui.hint.hidden = false;
        }
      )
      .finally(function () {
        ui.leave.disabled = false;
      });
  });

  ui.newChat.addEventListener("click", function () {
    dropSession(true);
    ui.input.value = "";
    autosize();
    ui.send.disabled = true;
    ui.input.focus();
  });

  window.addEventListener("online", function () {
    if (session && !socket) {
      backoff = 1000;
      connect();
    }
  });
  window.addEventListener("offline", function () {
    if (session) setConn("offline");
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && session && !socket && !polling) {
      backoff = 1000;
      connect();
    }
  });
  // another tab of the same shop started or dropped the chat
  window.addEventListener("storage", function (e) {
    if (e.key !== STORE_KEY) return;
    var other = loadSession();
    if (other && (!session || other.conversation_id !== session.conversation_id)) {
      dropSession(true);
      session = other;
      restore();
    }
  });

  // ---------------------------------------------------------------- start
  function mount() {
    (document.body || document.documentElement).appendChild(host);
    applyTexts();
    updateQuickChips();
    if (session) restore();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();

  window.kefuWidget = {
    open: function () {
      setOpen(true);
    },
    close: function () {
      setOpen(false);
    },
    toggle: function () {
      setOpen(!isOpen);
    },
    setLang: setLang,
    state: function () {
      return {
        lang: lang,
        open: isOpen,
        conversation_id: session ? session.conversation_id : null,
        state: conv.state,
        agent_name: conv.agentName,
        position: conv.position,
        wait_seconds: conv.waitSeconds,
        typing: typingWho,
        last_seq: lastSeq,
        transport: socket ? "websocket" : polling ? "long-poll" : "none",
      };
    },
  };
})();
