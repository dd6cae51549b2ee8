// What the agent console and the trainer's page share: storage, texts, DOM helpers, the API wrapper, toast, login form.
/*
 * An ES module written once for both pages (console.js and trainer.js import it); no build step.
 * The widget does not use it.
 *
 * Both pages have the same login markup (login-view, login-form, login-username, login-password,
 * login-submit, login-error, login-lang), a lang-toggle and a toast, which the helpers below expect.
 */

const LANG_KEY = "kefu.console.lang"; // one language choice for the console and the trainer's page

// ------------------------------------------------------------------ storage
/** Reads (two arguments) or writes (null removes) a key; private browsing may refuse, which is not an error. */
export function store(area, key, value) {
  try {
    if (arguments.length === 2) return area.getItem(key);
    if (value === null) area.removeItem(key);
    else area.setItem(key, value);
  } catch (e) {
    return null;
  }
  return null;
}
/** The signed-in session kept for this tab: keys = {token, agent} (storage key names). */
export function readSession(keys) {
  var agent = null;
  try {
    agent = JSON.parse(store(sessionStorage, keys.agent) || "null");
  } catch (e) {
    agent = null;
  }
  return { token: store(sessionStorage, keys.token), agent: agent };
}
export function saveSession(keys, token, agent) {
  store(sessionStorage, keys.token, token);
  store(sessionStorage, keys.agent, agent ? JSON.stringify(agent) : null);
}

// ------------------------------------------------------------------ texts
export function pickLang() {
  var saved = store(localStorage, LANG_KEY);
  if (saved === "zh" || saved === "en") return saved;
  return (navigator.language || "").toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
}
export function saveLang(lang) {
  store(localStorage, LANG_KEY, lang);
}
/** The page's text for key in lang (Chinese, then the key itself, when missing), with {name} filled from vars. */
export function translate(table, lang, key, vars) {
  var s = table[lang][key];
  if (s === undefined) s = table.zh[key] !== undefined ? table.zh[key] : key;
  if (typeof s === "string" && vars) {
    s = s.replace(/\{(\w+)\}/g, function (_, k) {
      return vars[k] !== undefined && vars[k] !== null ? String(vars[k]) : "";
    });
  }
  return s;
}
/** The text for a server code (prefix + code), or the code itself: new codes still show something. */
export function label(table, lang, prefix, code) {
  var s = table[lang][prefix + code];
  return s !== undefined ? s : code || "";
}

// ------------------------------------------------------------------ DOM helpers
export function $(id) {
  return document.getElementById(id);
}
export function el(tag, props, children) {
  var node = document.createElement(tag);
  if (props) {
    for (var k in props) {
      if (!Object.prototype.hasOwnProperty.call(props, k)) continue;
      var v = props[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") node.textContent = v;
      else if (k === "className") node.className = v;
      else if (k === "on") for (var e in v) node.addEventListener(e, v[e]);
      else if (k === "value") node.value = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
  }
  (children || []).forEach(function (c) {
    if (c === null || c === undefined || c === false) return;
    node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  });
  return node;
}
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}
export function parseTime(iso) {
  if (!iso) return null;
  var s = String(iso);
  // rows read back from SQLite come without an offset; the server stores UTC
  if (!/(Z|[+-]\d\d:?\d\d)$/.test(s)) s += "Z";
  var d = new Date(s);
  return isNaN(d.getTime()) ? null : d;
}
export function pad(n) {
  return (n < 10 ? "0" : "") + n;
}
/** "14:05" today, "3月2日 14:05" / "2 Mar 14:05" on another day. */
export function dayTime(iso, lang) {
  var d = parseTime(iso);
  if (!d) return "";
  var time = pad(d.getHours()) + ":" + pad(d.getMinutes());
  if (d.toDateString() === new Date().toDateString()) return time;
  return (lang === "zh" ? d.getMonth() + 1 + "月" + d.getDate() + "日" : d.toLocaleDateString("en-GB", { day: "numeric", month: "short" })) + " " + time;
}

// ------------------------------------------------------------------ API
export function ApiError(status, code, message, retryAfter) {
  this.status = status;
  this.code = code;
  this.message = message;
  this.retryAfter = retryAfter; // seconds, when over an abuse limit (429)
}
/**
 * api(method, path, body) → a promise of the JSON answer, or an ApiError (status 0 when offline).
 * options: token() (the bearer token or null), unauthorized() (a 401 outside the login call),
 * networkMessage() (the text of the offline error, in the page's language).
 */
export function apiClient(options) {
  return function api(method, path, body) {
    var headers = { Accept: "application/json" };
    var token = options.token();
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
              var err = new ApiError(res.status, data && data.error, message, (data && data.retry_after) || 0);
              if (res.status === 401 && path.indexOf("/api/agent/login") !== 0) options.unauthorized();
              throw err;
            }
            return data;
          });
      },
      function () {
        throw new ApiError(0, "network", options.networkMessage());
      }
    );
  };
}

// ------------------------------------------------------------------ toast
let toastTimer = null;
export function toast(text, kind) {
  var node = $("toast");
  node.textContent = text;
  node.setAttribute("data-kind", kind || "info");
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(function () {
    node.hidden = true;
  }, kind === "error" ? 5000 : 3200);
}

// ------------------------------------------------------------------ static markup, login
/** The texts every desk page's markup shares: data-i18n, data-i18n-aria and the two language buttons. */
export function applyTexts(lang, t) {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  var nodes = document.querySelectorAll("[data-i18n]");
  for (var i = 0; i < nodes.length; i++) nodes[i].textContent = t(nodes[i].getAttribute("data-i18n"));
  var arias = document.querySelectorAll("[data-i18n-aria]");
  for (var j = 0; j < arias.length; j++) arias[j].setAttribute("aria-label", t(arias[j].getAttribute("data-i18n-aria")));
  ["lang-toggle", "login-lang"].forEach(function (id) {
    var b = $(id);
    b.textContent = t("langButton");
    b.setAttribute("aria-label", t("langAria"));
    b.setAttribute("title", t("langAria"));
    b.setAttribute("data-lang", lang);
  });
}
export function onLangButtons(toggle) {
  ["lang-toggle", "login-lang"].forEach(function (id) {
    $(id).addEventListener("click", toggle);
  });
}
export function showLogin(message) {
  $("app-view").hidden = true;
  $("login-view").hidden = false;
  var err = $("login-error");
  err.hidden = !message;
  err.textContent = message || "";
  setTimeout(function () {
    ($("login-username").value ? $("login-password") : $("login-username")).focus();
  }, 0);
}
/**
 * Wires the login form. options: api, t, session (keys for saveSession), allowed(agent) (may this
 * role use the page), refusedKey (the text when not), loggedIn(res) (after the session is saved),
 * submitting() (optional, on submit: the console unlocks its sound there, inside the user's gesture).
 */
export function bindLogin(options) {
  var t = options.t;
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
    if (options.submitting) options.submitting();
    options
      .api("POST", "/api/agent/login", { username: username, password: password })
      .then(function (res) {
        if (!res.agent || !options.allowed(res.agent)) {
          err.textContent = t(options.refusedKey);
          err.hidden = false;
          return;
        }
        saveSession(options.session, res.token, res.agent);
        $("login-password").value = "";
        options.loggedIn(res);
      })
      .catch(function (e2) {
        err.textContent =
          e2.status === 401
            ? t("loginFailed")
            : e2.status === 429
              ? t("loginThrottled", { seconds: e2.retryAfter || 1 })
              : e2.status === 0
                ? t("networkError")
                : e2.message || t("loginFailed");
        err.hidden = false;
        $("login-password").select();
      })
      .then(function () {
        btn.disabled = false;
        btn.textContent = t("login");
      });
  });
}
