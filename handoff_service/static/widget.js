/*!
 * kefu chat widget: no dependencies, no build step. This file only finds its <script> tag and loads the
 * widget's ES modules from /static/widget/ (main.js starts it; each module says what it is for).
 *
 * Embed with one tag (type="module" works as well); a logged-in shopper's id counts only with the store
 * server's signature of it (SECURITY.md, "Shopper identity"), otherwise the chat is a guest chat:
 *   <script src="https://YOUR-KEFU-HOST/widget.js" data-customer-id="C1001"
 *           data-customer-expires="1767225600" data-customer-signature="<hex HMAC-SHA256>" defer></script>
 * Optional attributes: data-lang="zh|en", data-color="#b8405e" (brand colour), data-shop-name="…".
 * On a store of another origin the browser fetches the modules with CORS: list the store's origin in
 * KEFU_ALLOWED_ORIGINS and the kefu host answers /static/widget/*.js, /widget.js and /api/sessions… with it.
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
 *   kefu-end           "end chat" in the header, shown while the assistant answers (the service may then ask a rating)
 *   kefu-nps (many)    the 0–10 "would you recommend us" form: kefu-nps-point (many, data-score), kefu-nps-comment,
 *                      kefu-nps-submit, kefu-nps-thanks; data-done="true" once answered
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
 *   kefu-attach        (#19) the camera button; kefu-photo-input is its <input type=file accept=image/* capture>
 *   kefu-photo         (many, #19) a photo in a message row, data-attachment-id, data-loaded="true" once decoded
 *   kefu-card          (#19) also data-card-type="remedy" (data-kind), "promise" (kefu-promise-due) and
 *                      "products": kefu-product (many, data-sku) with kefu-add-to-cart links
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

  // a classic script knows its tag; a module script (currentScript is null there) looks for it
  var script =
    document.currentScript ||
    (function () {
      var all = document.querySelectorAll('script[src*="widget.js"]');
      return all[all.length - 1] || null;
    })();
  var origin;
  try {
    origin = new URL(script && script.src ? script.src : "/", location.href).origin;
  } catch (e) {
    origin = location.origin;
  }
  import(origin + "/static/widget/main.js").then(
    function (widget) {
      widget.start(script);
    },
    function (err) {
      // the store's page goes on without the chat
      if (window.console) console.error("kefu widget: could not load " + origin + "/static/widget/main.js", err);
    }
  );
})();
