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
 *   kefu-status        header line "who is answering"; data-state="bot|queued|agent|closed"
 *   kefu-status-title  the bold part of the status (智能客服 / Assistant / agent name / 排队中…)
 *   kefu-lang          zh/en toggle button in the header; data-lang = current language
 *   kefu-close         minimise button in the header
 *   kefu-conn          connection banner (hidden while connected)
 *   kefu-messages      messages list (role=log, aria-live=polite)
 *   kefu-greeting      the local welcome bubble (not a server event)
 *   kefu-message       (many) every message row; data-sender="shopper|bot|agent", data-seq, data-client-id,
 *                      data-status="pending|sent|failed" (shopper only)
 *   kefu-notice        (many) centred system notice (kind=state events); data-seq, data-state
 *   kefu-buttons       (many) group of bot reply buttons; each button is kefu-button (many, data-payload)
 *   kefu-retry         (many) "retry" button on a failed shopper message
 *   kefu-typing        typing indicator shown while the bot is thinking
 *   kefu-quick         quick-question chips container (before the first message); chips are kefu-quick-item
 *   kefu-input         the message textarea (Enter sends, Shift+Enter new line)
 *   kefu-send          the send button
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
      queuedPos: "您前面还有 {n} 位，请稍候",
      queuedWait: "请稍候，马上为您接通",
      agentFallback: "人工客服",
      agentSub: "人工客服为您服务中",
      closed: "本次会话已结束",
      closedSub: "发送消息即可开始新的会话",
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
      queuedWait: "Please hold on, someone will be with you shortly",
      agentFallback: "Agent",
      agentSub: "A person is chatting with you",
      closed: "This chat has ended",
      closedSub: "Send a message to start a new one",
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
  var conv = { state: "bot", position: null, agentName: null };
  var isOpen = false;
  var unread = 0;
  var loadingHistory = false;
  var buttonTitles = Object.create(null); // bot button payload -> its title (what the shopper clicked)
  var lastOtherSeq = 0; // newest seq of a bot/agent/system event (to know if a reply already came)

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
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-4.3 3.6A.75.75 0 0 1 3.5 21v-3.1A2 2 0 0 1 2 16V6a2 2 0 0 1 2-2zm3 6.25a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5zm5 0a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5zm5 0a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5z",
    close: "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z",
    down: "M7.4 8.6 12 13.2l4.6-4.6L18 10l-6 6-6-6z",
    send: "M3.4 20.4 21 12 3.4 3.6 3.4 10.2 15 12 3.4 13.8z",
    bot: "M12 2a1.5 1.5 0 0 1 .75 2.8V6H17a3 3 0 0 1 3 3v8a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3V9a3 3 0 0 1 3-3h4.25V4.8A1.5 1.5 0 0 1 12 2zM9 11a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm6 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zM2 11h1v5H2a1 1 0 0 1-1-1v-3a1 1 0 0 1 1-1zm20 0a1 1 0 0 1 1 1v3a1 1 0 0 1-1 1h-1v-5h1z",
    person: "M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2c-4.4 0-8 2.2-8 5v1.5c0 .3.2.5.5.5h15c.3 0 .5-.2.5-.5V19c0-2.8-3.6-5-8-5z",
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
    ".kefu-status{flex:1;min-width:0;}",
    ".kefu-status-title{font-size:15px;font-weight:600;line-height:1.3;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;}",
    ".kefu-status-sub{font-size:12px;opacity:.88;line-height:1.4;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;}",
    ".kefu-hbtn{flex:none;height:32px;min-width:32px;padding:0 8px;border:0;border-radius:8px;background:transparent;color:inherit;display:flex;align-items:center;justify-content:center;}",
    ".kefu-hbtn:hover{background:rgba(255,255,255,.16);}",
    ".kefu-lang{font-size:12px;font-weight:600;border:1px solid rgba(255,255,255,.5);height:26px;padding:0 9px;border-radius:13px;}",
    // connection banner
    ".kefu-conn{padding:6px 14px;font-size:12px;background:#fff4d6;color:#7a5800;border-bottom:1px solid #f3e2b0;}",
    ".kefu-conn[hidden]{display:none;}",
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
    ".kefu-img{display:block;max-width:220px;max-height:220px;border-radius:12px;margin-top:6px;border:1px solid var(--kefu-line);}",
    ".kefu-buttons{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px;max-width:90%;}",
    ".kefu-chip{border:1px solid var(--kefu-brand);border-color:color-mix(in srgb,var(--kefu-brand) 45%,#fff);background:var(--kefu-surface);color:var(--kefu-brand);",
    "border-radius:16px;padding:5px 12px;font-size:13px;line-height:1.4;transition:background .15s ease,color .15s ease;text-align:left;}",
    ".kefu-chip:hover:not(:disabled){background:var(--kefu-brand);color:var(--kefu-brand-ink);}",
    ".kefu-chip:disabled{opacity:.5;cursor:default;}",
    ".kefu-notice{align-self:center;margin:12px 8px 4px;max-width:92%;text-align:center;font-size:12px;line-height:1.5;color:var(--kefu-muted);",
    "background:rgba(0,0,0,.045);padding:6px 12px;border-radius:12px;white-space:pre-wrap;}",
    ".kefu-typing{display:flex;gap:4px;align-items:center;padding:12px 14px;}",
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
    ".kefu-composer{padding-bottom:max(10px,env(safe-area-inset-bottom));}",
    ".kefu-input{font-size:16px;}", // stops iOS zooming into the field
    ".kefu-bubble{max-width:86%;}",
    "}",
    "@media (prefers-reduced-motion:reduce){.kefu-panel,.kefu-launcher,.kefu-launcher svg,.kefu-typing i{transition:none !important;animation:none !important;}.kefu-messages{scroll-behavior:auto;}}",
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
  ui.greetingText = el("div", { className: "kefu-bubble" });
  ui.greeting = el("div", withTid("kefu-greeting", { className: "kefu-row kefu-greeting", "data-sender": "bot" }), [
    ui.greetingText,
  ]);
  ui.messages = el(
    "div",
    withTid("kefu-messages", { className: "kefu-messages", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" }),
    [ui.greeting]
  );
  ui.typing = el("div", withTid("kefu-typing", { className: "kefu-row", "data-sender": "bot", hidden: true }), [
    el("div", { className: "kefu-bubble kefu-typing" }, [el("i"), el("i"), el("i")]),
  ]);
  ui.quick = el("div", withTid("kefu-quick", { className: "kefu-quick", role: "group" }));
  ui.input = el(
    "textarea",
    withTid("kefu-input", { className: "kefu-input", rows: "1", maxlength: "2000", enterkeyhint: "send", autocomplete: "off" })
  );
  ui.send = el("button", withTid("kefu-send", { className: "kefu-send", type: "button", disabled: true }), [svg(ICON.send, 20)]);
  ui.hint = el("div", { className: "kefu-hint", role: "alert", hidden: true });
  var composer = el("div", { className: "kefu-composer" }, [ui.input, ui.send]);
  ui.panel = el(
    "div",
    withTid("kefu-panel", { className: "kefu-panel", role: "dialog", "aria-modal": "false", "data-open": "false" }),
    [header, ui.conn, ui.messages, ui.quick, ui.hint, composer]
  );
  ui.root = el("div", { className: "kefu-root", "data-open": "false", "data-state": "bot", lang: lang === "zh" ? "zh-CN" : "en" }, [
    ui.panel,
    ui.launcher,
  ]);
  root.appendChild(ui.root);

  // ---------------------------------------------------------------- rendering
  function formatTime(iso) {
    if (!iso) return "";
    var s = String(iso);
    // the server sometimes omits the UTC offset (rows read back from SQLite): it is UTC
    if (!/(Z|[+-]\d\d:?\d\d)$/.test(s)) s += "Z";
    var d = new Date(s);
    if (isNaN(d.getTime())) return "";
    var hh = d.getHours(),
      mm = d.getMinutes();
    return (hh < 10 ? "0" : "") + hh + ":" + (mm < 10 ? "0" : "") + mm;
  }

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
    // per-message labels
    var rows = ui.messages.querySelectorAll(".kefu-row[data-seq], .kefu-row[data-client-id]");
    for (var i = 0; i < rows.length; i++) relabel(rows[i]);
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

  function renderStatus() {
    var state = conv.state;
    var title, sub, avatar;
    if (state === "queued") {
      title = t("queued");
      sub = conv.position ? t("queuedPos", { n: conv.position }) : t("queuedWait");
      avatar = svg(ICON.clock, 22);
    } else if (state === "agent") {
      title = conv.agentName || t("agentFallback");
      sub = t("agentSub");
      avatar = document.createTextNode((conv.agentName || t("agentFallback")).trim().charAt(0).toUpperCase());
    } else if (state === "closed" || state === "abandoned") {
      state = "closed";
      title = t("closed");
      sub = t("closedSub");
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

  function nearBottom() {
    var m = ui.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
  }
  function scrollToBottom() {
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
    if (ev.kind === "state" || ev.sender === "system") {
      if (!text) return null;
      row = el("div", {
        className: "kefu-notice",
        "data-testid": "kefu-notice",
        "data-seq": String(ev.seq),
        "data-state": payload.state || null,
        text: text,
      });
      return row;
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
                  var all = group.querySelectorAll("button");
                  for (var i = 0; i < all.length; i++) all[i].disabled = true;
                  submit(value);
                  focusInput();
                },
              },
            })
          );
        });
        if (group.children.length) row.appendChild(group);
      }
      if (!row.querySelector(".kefu-bubble, .kefu-img, .kefu-buttons")) return null;
      row.appendChild(el("div", { className: "kefu-meta" }, [el("span", { text: formatTime(ev.created_at) })]));
    }
    row.setAttribute("data-seq", String(ev.seq));
    row.setAttribute("data-time", formatTime(ev.created_at));
    if (sender === "shopper") renderShopperMeta(row);
    return row;
  }

  function applyStateEvent(ev) {
    var p = ev.payload || {};
    if (p.state === "queued") {
      conv.state = "queued";
      conv.position = typeof p.position === "number" ? p.position : null;
    } else if (p.state === "agent") {
      conv.state = "agent";
      conv.position = null;
      conv.agentName = p.agent_name || conv.agentName;
    } else if (p.state === "bot") {
      conv.state = "bot";
      conv.agentName = null;
      conv.position = null;
    } else if (p.state) {
      conv.state = p.state;
    }
    renderStatus();
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
    else if (ev.sender === "agent" && ev.payload && ev.payload.agent_name && conv.state === "agent") {
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
      hideTyping();
      if (live && !loadingHistory && (!isOpen || document.hidden) && ev.kind === "message") {
        unread += 1;
        renderUnread();
      }
    }
    updateQuickChips();
    if (stick || ev.sender === "shopper") scrollToBottom();
  }

  var typingTimer = null;
  function showTyping() {
    if (conv.state !== "bot") return;
    ui.typing.hidden = false;
    ui.messages.appendChild(ui.typing);
    scrollToBottom();
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, 20000);
  }
  function hideTyping() {
    clearTimeout(typingTimer);
    ui.typing.hidden = true;
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
    conv = { state: "bot", position: null, agentName: null };
    if (clearHistory) {
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
      if (frame && frame.type === "event" && frame.event) addEvent(frame.event, true);
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
    if (state !== "queued") conv.position = null;
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
        return res.state;
      });
    }
    page(0)
      .then(
        function (state) {
          if (session !== s) return;
          all.forEach(function (ev) {
            addEvent(ev, false);
          });
          syncState(state);
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
            if (conv.state === "bot" && lastOtherSeq < res.event.seq) showTyping();
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
    if (!ui.hint.hidden) ui.hint.hidden = true;
    autosize();
  });
  ui.send.addEventListener("click", sendFromInput);

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
        last_seq: lastSeq,
        transport: socket ? "websocket" : polling ? "long-poll" : "none",
      };
    },
  };
})();
