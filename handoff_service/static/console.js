// The agent console's start (served at /console): wires the modules in console/ together and shows the login or the desk.
/*
 * ES modules, no build step; each module in console/ starts with what it is for. Texts: console/texts.js.
 * Helpers shared with the trainer's page (storage, texts, DOM, API, toast, login): desk-common.js.
 *
 * Stable test hooks (data-testid; the same value is the element id unless marked "(many)"):
 *   login-view, login-form, login-username, login-password, login-submit, login-error, login-lang
 *   app-view, agent-name, conn-status (data-state=live|polling|connecting), lang-toggle (data-lang), logout
 *   status-toggle (data-status=online|away|offline), status-online, status-away, status-offline (aria-pressed)
 *   tab-desk, tab-supervisor (supervisors and admins only), supervisor-badge, desk-view, supervisor-view
 *   shortcuts-button, shortcuts-help
 *   queue               the live queue list (<ul>)
 *   queue-count         number of chats in the queue list
 *   queue-empty         shown when nobody is waiting
 *   queue-item (many)   one chat, a <button> with data-conversation-id, data-state, data-priority,
 *                       data-mine="true|false", aria-current="true" when selected, data-new="true" when unread
 *     queue-priority, queue-name, queue-wait, queue-reason, queue-lang, queue-state, queue-owner (many, inside each item)
 *   conversation        the right-hand pane; no-selection (placeholder when nothing is selected)
 *   conv-name, conv-state (data-state), conv-priority (data-priority), conv-lang, conv-owner, conv-id
 *   claim               Claim button (visible when state is queued or callback)
 *   action-bar          one-click actions on my chat: action-coupon, action-return, action-transfer,
 *                       handback-outcome (<select> resolved | unresolved) + handback, action-close
 *   action-panel        the open action's form (data-panel=coupon|return|transfer|close):
 *     coupon-form: coupon-amount, coupon-reason, coupon-submit, coupon-limit,
 *                  coupon-result (data-status=issued|pending|error)
 *     return-form: return-order (<select> of the customer's orders), return-kind-refund, return-kind-exchange,
 *                  return-reason, return-submit, return-result (data-status=started|error)
 *     transfer-form: transfer-agent (<select>, supervisors) or transfer-team (input), transfer-submit, transfer-result
 *     close-form: close-submit
 *   transcript          messages (role=log, aria-live=polite)
 *   transcript-message (many)  data-sender=shopper|bot|agent, data-seq, data-client-id, data-status
 *   transcript-notice  (many)  centred state notices, data-seq, data-state (csat_request / csat too, data-kind)
 *   transcript-card    (many)  a coupon or return card under an agent message, data-card-type
 *   shopper-typing      "… is typing" under the transcript (my chats)
 *   composer, reply-input (Ctrl/Cmd+Enter sends), reply-send, composer-note
 *   suggestions, suggestions-for, suggestions-refresh, suggestion-list, suggestion (many, data-kind=knowledge|canned,
 *     data-text = what it inserts)
 *   escalation-card, escalation-reason (data-reason), escalation-priority, escalation-summary, escalation-slots,
 *     escalation-transcript, escalation-history, escalation-history-item (many, data-reason),
 *     escalation-proactive, escalation-proactive-item (many, data-kind), transcript-proactive (many): proactive messages,
 *     sentiment-trend, sentiment-dot (many, data-sentiment, data-level=calm|uneasy|upset)
 *   customer-panel, customer-name, customer-tags, customer-order-count, customer-total-spend, customer-aov,
 *     customer-complaints, customer-orders, customer-order (many, data-order-id), customer-store-error,
 *     customer-past-chats, customer-past-chat (many, data-conversation-id), customer-notes, customer-note (many),
 *     note-text, note-tags, note-save
 *   audit-card (supervisors), audit-entry (many, data-action)
 *   agents-table, agent-row (many, data-username, data-status), sv-agents-summary
 *   approvals, approval (many, data-request-id), approval-approve, approval-reject (inside each), approvals-count
 *   sla-alerts, sla-alert (many, data-conversation-id), alerts-count
 *   proactive (supervisors: proactive service), pv-summary, pv-scan, pv-stuck, pv-stuck-item (many, data-order-id),
 *     pv-today, pv-alert (many, data-kind, data-outcome), pv-choices, pv-choice (many, data-choice)
 *   customer-alerts, customer-alert (many, data-kind): proactive messages this customer was sent
 *   #19: transcript-photo (many, data-attachment-id, data-loaded), reply-photo (file input) + reply-photo-button;
 *     action-remedy → remedy-form: remedy-order, remedy-kind, remedy-amount, remedy-reason, remedy-limit, remedy-submit,
 *     remedy-result (data-status=done|pending|rejected|error); action-promise → promise-form: promise-time, promise-note,
 *     promise-submit, promise-result (data-status=made|error); action-help → help-form: help-note, help-submit, help-result;
 *     take-over (supervisors, another agent's chat); whisper-card: whispers, whisper (many), whisper-input, whisper-send;
 *     promise-card: promise (many, data-overdue), promise-kept; reply-library ("/" in the reply box): reply-tone,
 *     reply-tone-suggestion (data-tone), library-reply (many, data-tone); customer-remedies, customer-remedy (many);
 *     supervisor view: help-requests, help-request (many, data-status) with help-timer (data-overdue), help-join,
 *     help-take-over; remedy-approvals, remedy-approval (many, data-kind), remedy-approve, remedy-reject;
 *     staffing-card: staffing-now, staff-hour (24, data-agents), shift (many); library-card: library-form (library-title,
 *     library-tone, library-zh, library-en, library-tags, library-save), library-item (many, data-archived),
 *     library-edit, library-archive
 *   toast
 *
 * The page title is "kefu", or "(N) kefu" while N chats newly queued or assigned to me have not been opened.
 * A chat assigned to me also plays a short sound (WebAudio).
 */

import { $, applyTexts as applyDeskTexts, onLangButtons } from "./desk-common.js";
import { startSupervisorTimer } from "./console/colleagues.js";
import { reconnectIfDown, renderConn } from "./console/connection.js";
import { followQueue, renderDetail, select } from "./console/conversation.js";
import { hooks } from "./console/hooks.js";
import { chooseLang, lang, t } from "./console/language.js";
import { bindProactive, renderProactive } from "./console/proactive.js";
import { bindLifecycle } from "./console/lifecycle.js";
import { updateTitle, watchGestures } from "./console/notify.js";
import { bindPanels } from "./console/panels.js";
import { bindPresence, renderStatusToggle } from "./console/presence.js";
import { renderQueue, startWaitTicker } from "./console/queue.js";
import { bindRemedies } from "./console/remedies.js";
import { bindPhotos } from "./console/photos.js";
import { bindPromises, bindShifts } from "./console/promises.js";
import { bindReplyLibrary, relabelReplyLibrary } from "./console/reply-library.js";
import { bindServiceTools, relabelServiceTools } from "./console/service-tools.js";
import { bindReplying } from "./console/replying.js";
import { bindSession, expire, restoreSession, resumeOrLogIn } from "./console/session.js";
import { bindShortcuts } from "./console/shortcuts.js";
import { state } from "./console/state.js";
import { bindSuggestions } from "./console/suggestions.js";
import { renderSupervisor } from "./console/supervisor.js";
import { bindViews } from "./console/views.js";

/** Every text on the page in the current language (the static markup and what is drawn). */
function applyTexts() {
  applyDeskTexts(lang, t);
  ["online", "away", "offline"].forEach(function (s) {
    $("status-" + s).setAttribute("title", t("statusHelp_" + s));
  });
  $("shortcuts-button").setAttribute("aria-label", t("shortcutsButton"));
  $("shortcuts-button").setAttribute("title", t("shortcutsButton"));
  $("shortcuts-help").setAttribute("aria-label", t("shortcutsTitle"));
  $("reply-input").setAttribute("placeholder", t("replyPlaceholder"));
  $("coupon-reason").setAttribute("placeholder", t("couponReasonPlaceholder"));
  $("return-reason").setAttribute("placeholder", t("returnReasonPlaceholder"));
  $("transfer-team").setAttribute("placeholder", t("transferTeamPlaceholder"));
  $("conversation").setAttribute("aria-label", t("conversationLabel"));
  renderConn();
  renderStatusToggle();
  renderQueue();
  renderSupervisor();
  renderProactive();
  relabelServiceTools();
  relabelReplyLibrary();
  if (state.detail) renderDetail(true);
}

function setLang(next) {
  chooseLang(next);
  applyTexts();
}

/** Keeps the title badge honest when the agent comes back to the tab, and the socket up when the network is. */
function watchWindow() {
  window.addEventListener("focus", function () {
    const id = state.selectedId;
    if (id && (state.unseenNew[id] || state.unseenAssigned[id])) {
      delete state.unseenNew[id];
      delete state.unseenAssigned[id];
      updateTitle();
      renderQueue();
    }
  });
  window.addEventListener("online", reconnectIfDown);
}

function start() {
  hooks.select = select;
  hooks.followQueue = followQueue;
  hooks.expire = expire;
  restoreSession();
  bindSession();
  onLangButtons(function () {
    setLang(lang === "zh" ? "en" : "zh");
  });
  bindPresence();
  bindViews();
  bindProactive();
  watchGestures();
  startWaitTicker();
  bindSuggestions();
  bindLifecycle();
  bindPanels();
  bindRemedies();
  bindServiceTools();
  bindPhotos();
  bindPromises();
  bindShifts();
  bindReplyLibrary();
  bindReplying();
  startSupervisorTimer();
  bindShortcuts();
  watchWindow();
  applyTexts();
  updateTitle();
  resumeOrLogIn();
}

start();
