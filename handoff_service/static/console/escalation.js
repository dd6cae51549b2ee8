// Why the bot handed the chat over: reason, priority, summary, slots, sentiment trend, history, the bot's turns.

import { $, clear, el } from "../desk-common.js";
import { dayTime, svgEl } from "./format.js";
import { label, lang, reasonHelp, t } from "./language.js";
import { state } from "./state.js";

// the bot's bookkeeping, not something an agent acts on
const HIDDEN_SLOTS = { session_started_metadata: true, requested_slot: true, handoff_outcome: true, failed_turns: true };

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

/** The escalation card of the open chat. */
export function renderEscalation() {
  var body = $("escalation-body");
  clear(body);
  var esc = state.detail && state.detail.escalation;
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
  var help = reasonHelp(esc.reason);
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
  // what the store told the shopper before they asked (proactive service): the bot's packet does not know it
  var told = Array.isArray(esc.proactive) ? esc.proactive : [];
  if (told.length) {
    var alerts = el("ol", { className: "history", "data-testid": "escalation-proactive" });
    told.forEach(function (a) {
      alerts.appendChild(
        el("li", { "data-testid": "escalation-proactive-item", "data-kind": a.kind || "" }, [
          el("span", { className: "history-time", text: dayTime(a.sent_at) }),
          el("span", { className: "history-reason", text: label("rulekind_", a.kind) + " · " + (a.order_id || "") }),
          a.choice ? el("span", { className: "pill", text: a.choice }) : null,
        ])
      );
    });
    body.appendChild(el("div", { className: "sub-title" }, [el("span", { text: t("pvTag") + " · " + told.length })]));
    body.appendChild(alerts);
  }
  var trend = Array.isArray(state.detail.sentiment_trend) ? state.detail.sentiment_trend : [];
  if (trend.length) body.appendChild(sentimentTrend(trend));
  var history = Array.isArray(state.detail.escalations) ? state.detail.escalations : [];
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
