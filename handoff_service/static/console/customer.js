// The customer 360 beside the chat: profile and tags, spend, orders, past chats (open any), and the desk's notes.

import { $, clear, el, toast } from "../desk-common.js";
import { api } from "./api.js";
import { day, dayTime, money } from "./format.js";
import { hooks } from "./hooks.js";
import { label, lang, t } from "./language.js";
import { state } from "./state.js";

function stat(testid, value, text, alert) {
  return el("div", { className: "stat", "data-alert": alert ? "true" : null }, [el("b", { "data-testid": testid, text: value }), el("span", { text: text })]);
}

/** The customer panel of the open chat (keeps a note being written across re-renders). */
export function renderCustomer() {
  var body = $("customer-body");
  var draft = $("note-text") ? { text: $("note-text").value, tags: $("note-tags").value, focus: document.activeElement && document.activeElement.id } : null;
  clear(body);
  var c = state.detail && state.detail.customer;
  if (!c) {
    body.appendChild(el("p", { className: "muted", "data-testid": "customer-none", text: t("noCustomer") }));
    if (state.detail && state.detail.customer_id) body.appendChild(el("div", { className: "cust-id", text: "ID: " + state.detail.customer_id }));
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
    return p.conversation_id !== state.detail.conversation_id;
  });
  // #19: what the desk granted this customer (coupons and remedies), who asked and who approved
  var granted = Array.isArray(c.remedies) ? c.remedies : [];
  if (granted.length) {
    body.appendChild(el("div", { className: "orders-title", text: t("customerRemedies") + " · " + granted.length }));
    var grantedList = el("ul", { className: "past", "data-testid": "customer-remedies" });
    granted.slice(0, 10).forEach(function (r) {
      var who = r.requested_by + (r.decided_by && r.decided_by !== r.requested_by ? " → " + r.decided_by : "");
      grantedList.appendChild(
        el("li", { "data-testid": "customer-remedy", "data-kind": r.kind, "data-status": r.status }, [
          el("span", { className: "past-time", text: dayTime(r.created_at) }),
          el("span", { text: (r.kind === "coupon" ? t("card_coupon") : label("remedy_", r.kind)) + " ¥" + money(r.amount) + (r.order_id ? " · " + r.order_id : "") }),
          el("span", { className: "muted small", text: " " + who + " · " + r.status }),
        ])
      );
    });
    body.appendChild(grantedList);
  }
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
                hooks.select(p.conversation_id);
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
  renderAlerts(body, Array.isArray(c.alerts) ? c.alerts : []);

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
  if (!state.detail || !state.detail.customer_id) return;
  var text = $("note-text").value.trim();
  var tags = $("note-tags")
    .value.split(/[,，、]/)
    .map(function (s) {
      return s.trim();
    })
    .filter(Boolean);
  if (!text && !tags.length) return toast(t("noteEmpty"), "error");
  var id = state.detail.conversation_id;
  var btn = $("note-save");
  btn.disabled = true;
  api("POST", "/api/agent/customers/" + encodeURIComponent(state.detail.customer_id) + "/notes", { text: text, tags: tags })
    .then(function (profile) {
      toast(t("noteSaved"));
      if (!state.detail || state.detail.conversation_id !== id) return;
      $("note-text").value = "";
      $("note-tags").value = "";
      if (profile && profile.customer_id) state.detail.customer = profile;
      renderCustomer();
    })
    .catch(function (err) {
      btn.disabled = false;
      toast(t("actionFailed", { m: err.message }), "error");
    });
}

/** Proactive messages the store sent this customer (issue #16), with what they chose. */
function renderAlerts(body, alerts) {
  body.appendChild(el("div", { className: "orders-title", text: t("pvCustomerAlerts") + (alerts.length ? " · " + alerts.length : "") }));
  var list = el("ul", { className: "past", "data-testid": "customer-alerts" });
  if (!alerts.length) list.appendChild(el("li", { className: "muted", text: t("pvNoCustomerAlerts") }));
  alerts.forEach(function (a) {
    list.appendChild(
      el("li", { "data-testid": "customer-alert", "data-kind": a.kind, "data-outcome": a.outcome }, [
        el("span", { className: "past-time", text: dayTime(a.sent_at || a.created_at) }),
        el("span", { className: "past-reason", text: label("rulekind_", a.kind) + " · " + a.order_id }),
        el("span", { className: "pill", text: label("outcome_", a.outcome) + (a.choice ? " · " + a.choice : "") }),
      ])
    );
  });
  body.appendChild(list);
}
