// The widget's start: reads the embedding tag, builds the panel, wires the modules, exposes window.kefuWidget.

import { checkInbox, setDropper } from "./alerts.js";
import { bindComposer } from "./composer.js";
import { bindPhotos } from "./photos.js";
import { config, configure } from "./config.js";
import { addEvent } from "./events.js";
import { hooks } from "./hooks.js";
import { initLang, lang } from "./language.js";
import { buildUi, host } from "./layout.js";
import { applyTexts, bindPanel, setLang, setOpen } from "./panel.js";
import { deliver, submit } from "./sending.js";
import { dropSession } from "./session.js";
import { state } from "./state.js";
import { setConn, updateQuickChips } from "./status.js";
import { loadSession } from "./storage.js";
import { reconnectSoon, restore, transportName } from "./transport.js";
import { typingWho } from "./typing.js";

/** Starts the widget for the <script> tag that embedded it (once per page). */
export function start(script) {
  if (window.kefuWidget) return; // loaded twice: keep the first
  configure(script);
  initLang();
  state.session = loadSession();
  hooks.submit = submit;
  hooks.deliver = deliver;
  hooks.addEvent = addEvent;
  hooks.dropSession = dropSession;
  buildUi();
  bindPanel();
  bindComposer();
  bindPhotos();
  watchPage();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
  window.kefuWidget = pageApi();
}

function mount() {
  (document.body || document.documentElement).appendChild(host);
  applyTexts();
  updateQuickChips();
  setDropper(dropSession);
  if (state.session) restore().then(checkInbox);
  else checkInbox();
}

/** The network coming and going, the tab coming back, another tab of the same shop changing the chat. */
function watchPage() {
  window.addEventListener("online", function () {
    reconnectSoon(true);
  });
  window.addEventListener("offline", function () {
    if (state.session) setConn("offline");
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) reconnectSoon(false);
  });
  // another tab of the same shop started or dropped the chat
  window.addEventListener("storage", function (e) {
    if (e.key !== config.storeKey) return;
    const other = loadSession();
    if (other && (!state.session || other.conversation_id !== state.session.conversation_id)) {
      dropSession(true);
      state.session = other;
      restore();
    }
  });
}

/** window.kefuWidget: for the host page and tests. */
function pageApi() {
  return {
    open: function () {
      setOpen(true);
    },
    close: function () {
      setOpen(false);
    },
    toggle: function () {
      setOpen(!state.isOpen);
    },
    setLang: setLang,
    state: function () {
      const conv = state.conv;
      return {
        lang: lang,
        open: state.isOpen,
        conversation_id: state.session ? state.session.conversation_id : null,
        state: conv.state,
        agent_name: conv.agentName,
        position: conv.position,
        wait_seconds: conv.waitSeconds,
        typing: typingWho,
        last_seq: state.lastSeq,
        transport: transportName(),
      };
    },
  };
}
