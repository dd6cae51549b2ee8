// Proactive messages (a parcel stuck, an order shipped, a pre-sale delay): when the store wrote to a
// signed-in shopper who had no chat open, the service opened one; the widget takes it here the next
// time the shopper opens the storefront, and the launcher shows a badge with what they have not read.

import { config } from "./config.js";
import { api } from "./http.js";
import { lang } from "./language.js";
import { state } from "./state.js";
import { renderStatus } from "./status.js";
import { saveSession } from "./storage.js";
import { restore } from "./transport.js";

const ENDED = { closed: true, abandoned: true };

/** Asks once per page for a chat the store opened; adopts it when the shopper has none going. */
export function checkInbox() {
  if (!config.customerId) return;
  if (state.session && !ENDED[state.conv.state]) return;
  const identity = { customer_id: config.customerId, customer_signature: config.customerSignature, customer_expires: config.customerExpires };
  api("POST", "/api/proactive/inbox", Object.assign(identity, { lang: lang })).then(
    function (res) {
      if (!res || !res.conversation_id || !res.token) return;
      if (state.session && !ENDED[state.conv.state]) return; // the shopper started a chat meanwhile
      if (state.session) hooksDrop();
      state.session = { conversation_id: res.conversation_id, token: res.token, seq: 0 };
      state.lastSeq = 0;
      state.conv.state = res.state || "bot";
      saveSession();
      renderStatus();
      restore(); // the history; what the shopper has not read counts on the badge
    },
    function () {
      /* no proactive chat this time: the widget works as before */
    }
  );
}

let dropper = null;
/** dropSession, passed in by main.js (session.js imports this module's neighbours). */
export function setDropper(fn) {
  dropper = fn;
}
function hooksDrop() {
  if (dropper) dropper(true);
}
