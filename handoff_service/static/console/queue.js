// The live queue on the left: waiting, callback and active chats, badges, ticking waits, Alt+↓/↑, assignments.

import { $, clear, el, toast } from "../desk-common.js";
import { api } from "./api.js";
import { throttledSupervisorRefresh } from "./colleagues.js";
import { cssEscape, waitLabel } from "./format.js";
import { hooks } from "./hooks.js";
import { label, t } from "./language.js";
import { chime, updateTitle } from "./notify.js";
import { customerLabel } from "./people.js";
import { findItem, isMine, state } from "./state.js";
import { renderSupervisorBadge } from "./supervisor.js";

export function loadQueue() {
  if (!state.token) return Promise.resolve();
  return api("GET", "/api/agent/queue").then(
    function (res) {
      onQueue(res.items || []);
    },
    function () {
      /* shown by the connection state; retried by polling */
    }
  );
}

/** A new list of the chats in the queue (from the socket, polling or a reload). */
export function onQueue(items) {
  var firstLoad = !state.queueLoaded;
  state.queueLoaded = true;
  var present = Object.create(null);
  items.forEach(function (it) {
    present[it.conversation_id] = it;
    if (it.customer_id && it.customer_name) state.names[it.customer_id] = it.customer_name;
    if (it.state === "queued") {
      if (!state.knownQueued[it.conversation_id] && !firstLoad && it.conversation_id !== state.selectedId) {
        state.unseenNew[it.conversation_id] = true;
        toast(t("newChat"));
      }
      state.knownQueued[it.conversation_id] = true;
    }
  });
  // forget badges of chats that are no longer waiting (or no longer mine)
  Object.keys(state.unseenNew).forEach(function (id) {
    if (!present[id] || present[id].state !== "queued") delete state.unseenNew[id];
  });
  Object.keys(state.knownQueued).forEach(function (id) {
    if (!present[id] || present[id].state !== "queued") delete state.knownQueued[id];
  });
  Object.keys(state.unseenAssigned).forEach(function (id) {
    if (!present[id] || !isMine(present[id])) delete state.unseenAssigned[id];
  });
  state.queueItems = items;
  state.slaAlerts = state.slaAlerts.filter(function (a) {
    return present[a.conversation_id];
  });
  updateTitle();
  renderQueue();
  if (state.view === "supervisor") throttledSupervisorRefresh();
  else renderSupervisorBadge();
  hooks.followQueue(present);
}

function orderedItems() {
  var rank = { queued: 0, callback: 1, agent: 2 };
  return state.queueItems.slice().sort(function (a, b) {
    var ra = rank[a.state] === undefined ? 3 : rank[a.state];
    var rb = rank[b.state] === undefined ? 3 : rank[b.state];
    if (ra !== rb) return ra - rb;
    if (ra === 2 && isMine(a) !== isMine(b)) return isMine(a) ? -1 : 1; // my chats first
    return (a.position || 0) - (b.position || 0);
  });
}

export function renderQueue() {
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
  $("queue-count").textContent = String(state.queueItems.length);
  $("queue-empty").hidden = state.queueItems.length > 0 || !state.queueLoaded;
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
      "data-new": state.unseenNew[item.conversation_id] || state.unseenAssigned[item.conversation_id] || state.unreadMine[item.conversation_id] ? "true" : null,
      "aria-current": item.conversation_id === state.selectedId ? "true" : null,
      on: {
        click: function () {
          hooks.select(item.conversation_id);
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

/** Alt+↓ / Alt+↑: the next / previous chat in the list as shown. */
export function step(delta) {
  var buttons = Array.prototype.slice.call(document.querySelectorAll('#queue [data-testid="queue-item"]'));
  if (!buttons.length) return;
  var ids = buttons.map(function (b) {
    return b.getAttribute("data-conversation-id");
  });
  var at = ids.indexOf(state.selectedId);
  var next = at === -1 ? (delta > 0 ? 0 : ids.length - 1) : Math.max(0, Math.min(ids.length - 1, at + delta));
  if (ids[next] === state.selectedId) return;
  var focusOnList = document.activeElement && document.activeElement.getAttribute("data-testid") === "queue-item";
  hooks.select(ids[next]);
  var target = document.querySelector('#queue [data-conversation-id="' + cssEscape(ids[next]) + '"]');
  if (target) {
    target.scrollIntoView({ block: "nearest" });
    if (focusOnList) target.focus();
  }
}

/** The service gave a chat to an agent (me?): badge, chime, toast. */
export function onAssigned(frame) {
  if (!state.me || frame.agent_id !== state.me.id) return;
  var id = frame.conversation_id;
  if (id !== state.selectedId || document.hidden) state.unseenAssigned[id] = true;
  updateTitle();
  chime();
  var item = findItem(id);
  toast(t("assignedToYou", { name: item ? customerLabel(item) : "#" + String(id).slice(0, 8) }));
  loadQueue();
}

/** Waiting times tick without a server round trip. */
export function startWaitTicker() {
  setInterval(function () {
    var nodes = document.querySelectorAll('[data-testid="queue-wait"]');
    for (var i = 0; i < nodes.length; i++) {
      var w = waitLabel(nodes[i].getAttribute("data-queued-at"));
      nodes[i].textContent = w.text;
      var row = nodes[i].closest("[data-state]");
      if (w.level && !(row && row.getAttribute("data-state") === "agent")) nodes[i].setAttribute("data-level", w.level);
      else nodes[i].removeAttribute("data-level");
    }
  }, 15000);

}
