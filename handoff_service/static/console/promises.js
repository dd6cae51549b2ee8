// #19: promised callbacks in the console: "call back by <time>" on my chat (the shopper sees the
// promise), my open promises (everyone's for supervisors) with their time left, reminders and
// overdue alerts from the socket, and marking one kept.

import { $, clear, el, toast } from "../desk-common.js";
import { api, chatPath, errorText } from "./api.js";
import { durationText } from "./format.js";
import { hooks } from "./hooks.js";
import { t } from "./language.js";
import { chime } from "./notify.js";
import { isSupervisor, state } from "./state.js";

const book = { items: [] };

export function loadPromises() {
  if (!state.token) return;
  api("GET", "/api/agent/promises" + (isSupervisor() ? "?everyone=true" : "")).then(
    function (res) {
      book.items = res.promises || [];
      renderPromises();
    },
    function () {}
  );
}

export function renderPromises() {
  var list = $("promises");
  if (!list) return;
  clear(list);
  $("promise-card").hidden = !book.items.length;
  book.items.forEach(function (p) {
    var left = p.seconds_left;
    list.appendChild(
      el("li", { className: "promise", "data-testid": "promise", "data-promise-id": String(p.id), "data-overdue": String(!!p.overdue) }, [
        el("div", { className: "small" }, [
          el("b", { text: p.due_local }),
          " · " + (p.overdue ? t("promiseOverdue", { t: durationText(-left) }) : t("promiseLeft", { t: durationText(left) })) + (isSupervisor() && p.agent_name ? " · " + p.agent_name : ""),
        ]),
        el("div", { className: "whisper-text", text: p.note || "—" }),
        el("div", null, [
          el("button", { type: "button", className: "btn-link", text: t("openChat"), on: { click: function () { hooks.select(p.conversation_id); } } }),
          " ",
          el("button", {
            type: "button",
            className: "btn btn-secondary btn-sm",
            "data-testid": "promise-kept",
            text: t("promiseKept"),
            on: {
              click: function () {
                api("POST", "/api/agent/promises/" + p.id + "/kept").then(loadPromises, function (err) {
                  toast(errorText(err), "error");
                });
              },
            },
          }),
        ]),
      ])
    );
  });
}

function submitPromise(e) {
  e.preventDefault();
  var when = $("promise-time").value; // the browser's local time
  var node = $("promise-result");
  var due = when ? new Date(when) : null;
  if (!due || isNaN(due.getTime())) {
    node.hidden = false;
    node.setAttribute("data-status", "error");
    node.textContent = t("promiseBadTime");
    return;
  }
  api("POST", chatPath(state.selectedId, "/promises"), { due_at: due.toISOString(), note: $("promise-note").value.trim() }).then(
    function (res) {
      node.hidden = false;
      node.setAttribute("data-status", "made");
      node.textContent = t("promiseMade", { due: res.due_local });
      $("promise-note").value = "";
      loadPromises();
    },
    function (err) {
      node.hidden = false;
      node.setAttribute("data-status", "error");
      node.textContent = errorText(err);
    }
  );
}

export function onPromiseFrame(frame) {
  if (frame.type === "promise_due") {
    toast(t("promiseDueSoon", { due: frame.due_local, note: frame.note || "" }));
    chime();
  } else {
    toast(t("promiseOverdueAlert", { due: frame.due_local }), "error");
  }
  loadPromises();
}

/** The next whole hour after the next one, as a datetime-local value (the browser's time). */
function defaultTime() {
  var d = new Date(Date.now() + 2 * 3600 * 1000);
  d.setMinutes(0, 0, 0);
  var pad = function (n) {
    return (n < 10 ? "0" : "") + n;
  };
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":00";
}

export function bindPromises() {
  $("promise-form").addEventListener("submit", submitPromise);
  $("action-promise").addEventListener("click", function () {
    if (!$("promise-time").value) $("promise-time").value = defaultTime();
  });
  setInterval(function () {
    book.items.forEach(function (p) {
      p.seconds_left -= 30;
      p.overdue = p.seconds_left < 0;
    });
    renderPromises();
  }, 30000);
}

// ---------------------------------------------------------------- hours, shifts and staffing (supervisors)

/** Today's suggested agents per hour (store time), whether the desk is open and staffed, and the shifts. */
export function loadStaffing() {
  if (!isSupervisor() || !$("staffing-grid")) return;
  Promise.all([api("GET", "/api/agent/shifts"), api("GET", "/api/agent/staffing?weeks=4")]).then(
    function (both) {
      var shifts = both[0];
      var staffing = both[1];
      var local = new Date(shifts.local_time.slice(0, 19));
      var today = (local.getDay() + 6) % 7; // Monday = 0, as the server counts
      $("staffing-now").textContent = t(shifts.open_now ? (shifts.staffed_now ? "deskOpen" : "deskUnstaffed") : "deskClosed", {
        time: shifts.local_time.slice(11, 16),
        tz: shifts.timezone,
      });
      $("staffing-now").setAttribute("data-open", String(shifts.open_now));
      var grid = $("staffing-grid");
      clear(grid);
      staffing.hours
        .filter(function (h) {
          return h.weekday === today;
        })
        .forEach(function (h) {
          grid.appendChild(
            el("div", { className: "staff-hour", "data-testid": "staff-hour", "data-hour": String(h.hour), "data-agents": String(h.agents), title: t("staffHour", { h: h.hour, n: h.agents, c: h.average_chats }) }, [
              el("b", { text: String(h.agents) }),
              el("span", { text: String(h.hour) }),
            ])
          );
        });
      staff.shifts = shifts.shifts;
      renderShifts();
    },
    function () {}
  );
}

const staff = { shifts: [] };

function shiftsOf(agentId) {
  return staff.shifts
    .filter(function (s) {
      return s.agent_id === agentId;
    })
    .map(function (s) {
      return { weekday: s.weekday, start: s.start, end: s.end === "24:00" ? "24:00" : s.end };
    });
}

function saveShifts(agentId, shifts) {
  api("PUT", "/api/agent/agents/" + agentId + "/shifts", { shifts: shifts }).then(loadStaffing, function (err) {
    toast(errorText(err), "error");
  });
}

function renderShifts() {
  var list = $("shift-list");
  clear(list);
  staff.shifts.forEach(function (s) {
    list.appendChild(
      el("li", { className: "small", "data-testid": "shift", "data-agent-id": String(s.agent_id) }, [
        s.agent_name + " · " + t("day_" + s.weekday) + " " + s.start + "–" + s.end + " ",
        el("button", {
          type: "button",
          className: "btn-link",
          "data-testid": "shift-remove",
          text: "×",
          "aria-label": t("shiftRemove"),
          on: {
            click: function () {
              saveShifts(
                s.agent_id,
                shiftsOf(s.agent_id).filter(function (x) {
                  return !(x.weekday === s.weekday && x.start === s.start && x.end === s.end);
                })
              );
            },
          },
        }),
      ])
    );
  });
  var agents = $("shift-agent");
  var chosen = agents.value;
  clear(agents);
  (state.colleagues || []).forEach(function (a) {
    if (a.role !== "trainer") agents.appendChild(el("option", { value: String(a.id), text: a.display_name }));
  });
  if (chosen) agents.value = chosen;
  var days = $("shift-day").options;
  for (var i = 0; i < days.length; i++) days[i].textContent = t("day_" + days[i].value);
}

export function bindShifts() {
  $("shift-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var agentId = Number($("shift-agent").value);
    if (!agentId) return;
    var added = { weekday: $("shift-day").value, start: $("shift-start").value, end: $("shift-end").value === "00:00" ? "24:00" : $("shift-end").value };
    saveShifts(agentId, shiftsOf(agentId).concat([added]));
  });
}
