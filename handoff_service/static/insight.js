/*
 * kefu service insight (served at /insight): the supervisor dashboard (figures for a period against the
 * one before, charts with drill-down to the chats), chat QA review, agent scorecards, the case library.
 * An ES module, no build step; charts: Apache ECharts, vendored in /static/vendor/echarts (no CDN).
 * Supervisors and admins see everything; an agent sees their own scorecard, their reviews and the cases.
 * Every text a shopper or agent wrote is put in the page as text (textContent), never as HTML.
 *
 * Test hooks (data-testid): period-from, period-to, period-apply, business-hours, demo-flag, kpis, kpi (many,
 *   data-kpi), chart-heatmap, chart-trend, chart-frt, chart-reasons, chart-topics (data-drawn="true" once drawn),
 *   chart-key (many: a keyboard way into a chart's drill-down, data-filter), drill, drill-title, drill-row (many),
 *   drill-open, chat-dialog, chat-dialog-events, chat-line (many, data-sender), review-form, review-comment,
 *   review-case, review-submit, qa-queue, qa-item (many), qa-review, qa-reviews, scores-table, score-row (many),
 *   my-reviews, cases-q, cases-list, case-item (many)
 */
import * as desk from "./desk-common.js";
import { TEXT } from "./insight-texts.js";

(function () {
  "use strict";

  var SESSION = { token: "kefu.console.token", agent: "kefu.console.agent" }; // the console's: one sign-in for both
  var SUPERVISORS = { supervisor: true, admin: true };
  var DESK = { agent: true, supervisor: true, admin: true };
  var CRITERIA = ["greeting", "empathy", "accuracy", "solution", "closing"];
  var KPIS = [
    ["conversations", "count", true], ["containment", "pct", true], ["first_response_p50", "secs", false],
    ["first_response_p90", "secs", false], ["handle_p50", "secs", null], ["resolution", "pct", true],
    ["first_contact_resolution", "pct", true], ["csat", "pct", true], ["nps", "num", true], ["conversion", "pct", true],
    ["abandonment", "pct", false],
  ];
  var lang = desk.pickLang();
  var $ = desk.$, el = desk.el, clear = desk.clear;
  var state = { token: null, me: null, view: null, period: null, data: null, charts: {}, reviewing: null, lastFocus: null };

  function t(key, vars) { return desk.translate(TEXT, lang, key, vars); }
  function label(prefix, code) { return desk.label(TEXT, lang, prefix, code); }
  var api = desk.apiClient({
    token: function () { return state.token; },
    unauthorized: function () { desk.saveSession(SESSION, null, null); state.token = null; desk.showLogin(t("sessionExpired")); },
    networkMessage: function () { return t("networkError"); },
  });
  function failed(err) { desk.toast(t("actionFailed", { m: err.message }), "error"); }
  function supervisor() { return !!(state.me && SUPERVISORS[state.me.role]); }

  // ------------------------------------------------------------------ formatting
  function fmt(value, kind) {
    if (value === null || value === undefined) return "–";
    if (kind === "pct") return (100 * value).toFixed(1) + "%";
    if (kind === "secs") return value < 120 ? Math.round(value) + "s" : (value / 60).toFixed(1) + "m";
    if (kind === "num") return String(Math.round(value * 10) / 10);
    return String(value);
  }
  function isoDay(d) { return d.getFullYear() + "-" + desk.pad(d.getMonth() + 1) + "-" + desk.pad(d.getDate()); }
  function query(extra) {
    var p = new URLSearchParams({ from: state.period.from, to: state.period.to });
    if ($("business-hours").checked) p.set("business_hours", "true");
    Object.keys(extra || {}).forEach(function (k) { p.set(k, extra[k]); });
    return p.toString();
  }

  // ------------------------------------------------------------------ views
  function showView(name) {
    state.view = name;
    ["dashboard", "qa", "scores", "cases"].forEach(function (v) {
      $(v + "-view").hidden = v !== name;
      $("tab-" + v).setAttribute("aria-selected", String(v === name));
      $("tab-" + v).tabIndex = v === name ? 0 : -1;
    });
    load();
  }
  function load() {
    if (state.view === "dashboard") return loadDashboard();
    if (state.view === "qa") return loadQa();
    if (state.view === "scores") return loadScores();
    return loadCases();
  }

  // ------------------------------------------------------------------ dashboard
  function loadDashboard() {
    return api("GET", "/api/insight/dashboard?" + query()).then(function (data) {
      state.data = data;
      renderDashboard();
    }, failed);
  }
  function renderDashboard() {
    var data = state.data;
    if (!data) return;
    var cur = data.current;
    $("compare-note").textContent = t("compareNote", { from: data.previous_period.from, to: data.previous_period.to, tz: cur.period.timezone });
    var demo = $("demo-flag");
    demo.hidden = !cur.demo_conversations;
    demo.textContent = cur.demo_conversations ? t("demoFlag", { n: cur.demo_conversations }) : "";
    var kpis = $("kpis");
    clear(kpis);
    KPIS.forEach(function (k) {
      var c = data.comparison[k[0]];
      var good = c.change === null || c.change === 0 || k[2] === null ? null : (c.change > 0) === k[2];
      kpis.appendChild(el("div", { className: "kpi", "data-testid": "kpi", "data-kpi": k[0] }, [
        el("div", { className: "kpi-name", text: t("kpi_" + k[0]) }),
        el("div", { className: "kpi-value", text: fmt(c.now, k[1]) }),
        el("div", { className: "kpi-change", "data-good": good === null ? null : String(good), text: t("before", { v: fmt(c.before, k[1]) }) }),
      ]));
    });
    drawCharts(cur);
  }
  function chart(id) {
    if (!window.echarts) return null;
    var node = $(id);
    var existing = state.charts[id];
    if (existing) { existing.off("click"); return existing; }
    state.charts[id] = window.echarts.init(node, null, { renderer: "svg" });
    return state.charts[id];
  }
  function keys(id, items) {
    var box = $("keys-" + id);
    clear(box);
    items.forEach(function (item) {
      box.appendChild(el("button", { type: "button", "data-testid": "chart-key", "data-filter": JSON.stringify(item.filter),
        text: item.text, on: { click: function () { drill(item.filter, item.what); } } }));
    });
  }
  function drawn(id, summary) {
    $(id).setAttribute("data-drawn", "true");
    $(id).setAttribute("aria-label", summary);
  }
  function drawCharts(cur) {
    var days = [t("weekday_0"), t("weekday_1"), t("weekday_2"), t("weekday_3"), t("weekday_4"), t("weekday_5"), t("weekday_6")];
    var cells = [], max = 1, slots = [];
    cur.heatmap.forEach(function (row, d) {
      row.forEach(function (n, h) { cells.push([h, d, n]); max = Math.max(max, n); slots.push({ d: d, h: h, n: n }); });
    });
    var heat = chart("chart-heatmap");
    if (!heat) return;
    heat.setOption({
      tooltip: { position: "top" }, grid: { left: 48, right: 16, top: 10, bottom: 60 },
      xAxis: { type: "category", data: Array.from({ length: 24 }, function (_, h) { return h + ":00"; }) },
      yAxis: { type: "category", data: days, inverse: true },
      visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0, inRange: { color: ["#eef0fb", "#4f5bd5"] } },
      series: [{ type: "heatmap", data: cells, label: { show: false } }],
    }, true);
    heat.on("click", function (p) { drill({ weekday: String(p.data[1]), hour: String(p.data[0]) }, days[p.data[1]] + " " + p.data[0] + ":00"); });
    slots.sort(function (a, b) { return b.n - a.n; });
    keys("heatmap", slots.slice(0, 5).filter(function (s) { return s.n > 0; }).map(function (s) {
      var what = days[s.d] + " " + s.h + ":00";
      return { text: what + " · " + s.n, what: what, filter: { weekday: String(s.d), hour: String(s.h) } };
    }));
    drawn("chart-heatmap", t("chartHeatmap") + ". " + t("busiest") + slots.slice(0, 3).map(function (s) { return days[s.d] + " " + s.h + ":00 (" + s.n + ")"; }).join(", "));

    var trend = chart("chart-trend");
    var dayNames = cur.by_day.map(function (d) { return d.day.slice(5); });
    trend.setOption({
      tooltip: { trigger: "axis" }, legend: { bottom: 0 }, grid: { left: 44, right: 44, top: 16, bottom: 48 },
      xAxis: { type: "category", data: dayNames },
      yAxis: [{ type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }, { type: "value", name: t("chats") }],
      series: [
        { name: t("containment"), type: "line", data: cur.by_day.map(function (d) { return d.containment === null ? null : Math.round(1000 * d.containment) / 10; }) },
        { name: t("csat"), type: "line", data: cur.by_day.map(function (d) { return d.csat === null ? null : Math.round(1000 * d.csat) / 10; }) },
        { name: t("chats"), type: "bar", yAxisIndex: 1, data: cur.by_day.map(function (d) { return d.chats; }), itemStyle: { color: "#d9dcf5" } },
      ],
    }, true);
    trend.on("click", function (p) { drill({ day: cur.by_day[p.dataIndex].day }, cur.by_day[p.dataIndex].day); });
    keys("trend", cur.by_day.filter(function (d) { return d.chats; }).map(function (d) { return { text: d.day.slice(5) + " · " + d.chats, what: d.day, filter: { day: d.day } }; }));
    drawn("chart-trend", t("chartTrend"));

    bars("frt", cur.frt_distribution.map(function (b) { return [b.bucket, b.count, { frt: b.bucket }]; }), t("chartFrt"));
    bars("reasons", Object.keys(cur.escalation_reasons).map(function (r) { return [label("reason_", r), cur.escalation_reasons[r], { reason: r }]; }), t("chartReasons"));
    bars("topics", Object.keys(cur.by_topic).slice(0, 12).map(function (k) { return [k, cur.by_topic[k].chats, { topic: k }]; }), t("chartTopics"));
  }
  function bars(id, rows, title) {
    var c = chart("chart-" + id);
    c.setOption({
      tooltip: {}, grid: { left: 8, right: 20, top: 10, bottom: 24, containLabel: true },
      xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", data: rows.map(function (r) { return r[0]; }), inverse: true },
      series: [{ type: "bar", data: rows.map(function (r) { return r[1]; }), itemStyle: { color: "#4f5bd5" } }],
    }, true);
    c.on("click", function (p) { drill(rows[p.dataIndex][2], rows[p.dataIndex][0]); });
    keys(id, rows.filter(function (r) { return r[1]; }).map(function (r) { return { text: r[0] + " · " + r[1], what: r[0], filter: r[2] }; }));
    drawn("chart-" + id, title + ": " + rows.map(function (r) { return r[0] + " " + r[1]; }).join(", "));
  }

  function drill(filter, what) {
    return api("GET", "/api/insight/chats?" + query(filter)).then(function (res) {
      $("drill").hidden = false;
      $("drill-title").textContent = t("drillTitle", { what: what, n: res.total });
      var body = $("drill-rows");
      clear(body);
      res.chats.forEach(function (c) {
        body.appendChild(el("tr", { "data-testid": "drill-row" }, [
          el("td", { text: desk.dayTime(c.created_at, lang) }), el("td", { text: c.lang }), el("td", { text: c.topic }),
          el("td", { text: c.escalations.map(function (r) { return label("reason_", r); }).join(", ") }), el("td", { text: c.agent || "" }), el("td", { text: c.csat === null ? "" : String(c.csat) }),
          el("td", null, [el("button", { className: "btn btn-quiet", type: "button", "data-testid": "drill-open", text: t("open"),
            on: { click: function () { openChat("/api/insight/chats/" + encodeURIComponent(c.conversation_id), null); } } })]),
        ]));
      });
      $("drill-title").focus();
    }, failed);
  }

  // ------------------------------------------------------------------ a chat's transcript (and the review form)
  function openChat(path, reviewing) {
    state.lastFocus = document.activeElement;
    return api("GET", path).then(function (chatData) {
      var list = $("chat-dialog-events");
      clear(list);
      chatData.events.forEach(function (e) {
        var who = label("who_", e.sender);
        var text = e.kind === "csat" || e.kind === "nps" ? e.kind.toUpperCase() + " " + e.score + (e.text ? " · " + e.text : "") : e.text;
        list.appendChild(el("li", { "data-testid": "chat-line", "data-sender": e.sender }, [el("span", { className: "who", text: who }), text]));
      });
      state.reviewing = reviewing;
      $("review-form").hidden = !reviewing;
      if (reviewing) resetReview();
      $("chat-dialog").hidden = false;
      $("chat-dialog-close").focus();
    }, failed);
  }
  function closeChat() {
    $("chat-dialog").hidden = true;
    if (state.lastFocus && state.lastFocus.focus) state.lastFocus.focus();
  }
  function resetReview() {
    var grid = $("review-scores");
    clear(grid);
    CRITERIA.forEach(function (c) {
      var set = el("fieldset", { "data-testid": "review-criterion", "data-criterion": c }, [el("legend", { text: t("crit_" + c) })]);
      for (var n = 1; n <= 5; n++) {
        set.appendChild(el("label", null, [el("input", { type: "radio", name: "crit-" + c, value: String(n), "data-testid": "review-score-" + c + "-" + n }), String(n)]));
      }
      grid.appendChild(set);
    });
    $("review-comment").value = "";
    $("review-case").value = "";
    $("review-error").hidden = true;
  }
  function submitReview(e) {
    e.preventDefault();
    var scores = {}, missing = false;
    CRITERIA.forEach(function (c) {
      var picked = document.querySelector('input[name="crit-' + c + '"]:checked');
      if (picked) scores[c] = Number(picked.value);
      else missing = true;
    });
    if (missing) { $("review-error").textContent = t("reviewMissing"); $("review-error").hidden = false; return; }
    var item = state.reviewing;
    api("POST", "/api/insight/qa/reviews", {
      conversation_id: item.conversation_id, scores: scores, comment: $("review-comment").value,
      sampled_for: item.sampled_for, case_title: $("review-case").value.trim() || null,
    }).then(function () {
      desk.toast(t("reviewSaved"));
      closeChat();
      loadQa();
    }, function (err) { $("review-error").textContent = err.message; $("review-error").hidden = false; });
  }

  // ------------------------------------------------------------------ QA review
  function reviewItem(r) {
    var scores = CRITERIA.map(function (c) { return t("crit_" + c) + " " + r.scores[c]; }).join(" · ");
    return el("li", { className: "group", "data-testid": "review-item" }, [
      el("div", { className: "group-head" }, [el("span", { className: "group-size", text: String(r.average) }),
        el("strong", { text: r.agent_name || "" }), el("span", { className: "muted small", text: (r.reviewer || "") + " · " + desk.dayTime(r.created_at, lang) })]),
      el("p", { className: "small", text: scores }), r.comment ? el("p", { text: r.comment }) : null,
    ]);
  }
  function loadQa() {
    api("GET", "/api/insight/qa/queue?" + query()).then(function (res) {
      var list = $("qa-queue");
      clear(list);
      $("qa-empty").hidden = res.queue.length > 0;
      res.queue.forEach(function (item) {
        list.appendChild(el("li", { className: "group", "data-testid": "qa-item" }, [
          el("div", { className: "group-head" }, item.sampled_for.map(function (w) { return el("span", { className: "chip", "data-reason": w, text: label("why_", w) }); }).concat([
            el("strong", { text: item.agent || "" }), el("span", { className: "muted small", text: desk.dayTime(item.created_at, lang) + " · " + item.topic }),
          ])),
          el("div", { className: "group-actions" }, [el("button", { className: "btn btn-primary", type: "button", "data-testid": "qa-review", text: t("review"),
            on: { click: function () { openChat("/api/insight/chats/" + encodeURIComponent(item.conversation_id), item); } } })]),
        ]));
      });
    }, failed);
    api("GET", "/api/insight/qa/reviews").then(function (res) {
      var list = $("qa-reviews");
      clear(list);
      res.reviews.forEach(function (r) { list.appendChild(reviewItem(r)); });
    }, failed);
  }

  // ------------------------------------------------------------------ scorecards
  function loadScores() {
    api("GET", "/api/insight/scorecards?" + query()).then(function (res) {
      var w = res.weights;
      $("scores-help").textContent = t("scoresHelp", { resolution: fmt(w.resolution, "pct"), satisfaction: fmt(w.satisfaction, "pct"), conversion: fmt(w.conversion, "pct"), speed: fmt(w.speed, "pct") });
      var body = $("scores-rows");
      clear(body);
      res.scorecards.forEach(function (card) {
        var c = card.components;
        body.appendChild(el("tr", { "data-testid": "score-row" }, [
          el("td", { text: card.name }), el("td", { className: "score-big", text: card.score === null ? "–" : String(card.score) }),
          el("td", { className: "comp" }, [fmt(c.resolution.value, "pct"), el("small", { text: c.resolution.chats + " " + t("chats") })]),
          el("td", { className: "comp" }, [fmt(c.satisfaction.value, "pct"), el("small", { text: c.satisfaction.csat_mean === null ? "" : "★ " + c.satisfaction.csat_mean + " (" + c.satisfaction.answers + ")" })]),
          el("td", { className: "comp" }, [fmt(c.conversion.value, "pct"), el("small", { text: String(c.conversion.chats_with_customer) })]),
          el("td", { className: "comp" }, [fmt(c.speed.value, "pct"), el("small", { text: "p50 " + fmt(c.speed.first_response_p50, "secs") })]),
        ]));
      });
    }, failed);
    api("GET", "/api/insight/qa/reviews").then(function (res) {
      var list = $("my-reviews");
      clear(list);
      res.reviews.filter(function (r) { return !supervisor() || r.agent_id === state.me.id; }).forEach(function (r) { list.appendChild(reviewItem(r)); });
    }, failed);
  }

  // ------------------------------------------------------------------ case library
  function loadCases() {
    api("GET", "/api/insight/cases?" + new URLSearchParams({ q: $("cases-q").value }).toString()).then(function (res) {
      var list = $("cases-list");
      clear(list);
      if (!res.cases.length) list.appendChild(el("li", { className: "empty", text: t("casesEmpty") }));
      res.cases.forEach(function (c) {
        list.appendChild(el("li", { className: "group", "data-testid": "case-item" }, [
          el("div", { className: "group-head" }, [el("strong", { text: c.title }), el("span", { className: "muted small", text: (c.added_by || "") + " · " + desk.dayTime(c.created_at, lang) })]),
          c.note ? el("p", { text: c.note }) : null,
          el("button", { className: "btn", type: "button", text: t("open"), on: { click: function () { openChat("/api/insight/cases/" + encodeURIComponent(c.conversation_id), null); } } }),
        ]));
      });
    }, failed);
  }

  // ------------------------------------------------------------------ start
  function applyLang() {
    desk.applyTexts(lang, t);
    document.title = t("pageName") + " · kefu";
    if (state.me) { renderDashboard(); if (state.view && state.view !== "dashboard") load(); }
  }
  function showApp() {
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    $("me-name").textContent = state.me.display_name || state.me.username;
    $("tab-dashboard").hidden = !supervisor();
    $("tab-qa").hidden = !supervisor();
    var today = new Date(), start = new Date(today.getTime() - 6 * 86400000);
    if (!$("period-from").value) { $("period-from").value = isoDay(start); $("period-to").value = isoDay(today); }
    state.period = { from: $("period-from").value, to: $("period-to").value };
    showView(supervisor() ? "dashboard" : "scores");
  }
  function start() {
    applyLang();
    desk.onLangButtons(function () { lang = lang === "zh" ? "en" : "zh"; desk.saveLang(lang); applyLang(); });
    desk.bindLogin({
      api: api, t: t, session: SESSION, refusedKey: "loginNoDesk",
      allowed: function (agent) { return !!DESK[agent.role]; },
      loggedIn: function (res) { state.token = res.token; state.me = res.agent; showApp(); },
    });
    $("logout").addEventListener("click", function () {
      api("POST", "/api/agent/logout").catch(function () {});
      desk.saveSession(SESSION, null, null);
      state.token = null; state.me = null;
      desk.showLogin();
    });
    ["dashboard", "qa", "scores", "cases"].forEach(function (v) { $("tab-" + v).addEventListener("click", function () { showView(v); }); });
    $("tabs").addEventListener("keydown", function (e) {
      if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
      var tabs = Array.prototype.filter.call($("tabs").querySelectorAll(".tab"), function (b) { return !b.hidden; });
      var i = tabs.indexOf(document.activeElement);
      var next = tabs[(i + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      next.focus();
      next.click();
    });
    $("period-form").addEventListener("submit", function (e) {
      e.preventDefault();
      state.period = { from: $("period-from").value, to: $("period-to").value };
      load();
    });
    $("drill-close").addEventListener("click", function () { $("drill").hidden = true; });
    $("chat-dialog-close").addEventListener("click", closeChat);
    $("chat-dialog").addEventListener("keydown", function (e) { if (e.key === "Escape") closeChat(); });
    $("review-form").addEventListener("submit", submitReview);
    $("cases-form").addEventListener("submit", function (e) { e.preventDefault(); loadCases(); });
    window.addEventListener("resize", function () { Object.keys(state.charts).forEach(function (k) { state.charts[k].resize(); }); });

    var saved = desk.readSession(SESSION);
    state.token = saved.token;
    if (!state.token) return desk.showLogin();
    api("GET", "/api/agent/me").then(function (agent) {
      if (!DESK[agent.role]) return desk.showLogin(t("loginNoDesk"));
      state.me = agent;
      showApp();
    }, function () {});
  }
  start();
})();
