// What the widget knows about the shopper's chat right now: one shared object that the other modules read and change.

/** Who owns the chat and what the shopper is waiting for; "queue" frames keep position/wait live. */
export function freshConv() {
  return { state: "bot", position: null, waitSeconds: null, agentName: null, callbackDue: null, contactSaved: false };
}

export const state = {
  session: null, // {conversation_id, token, seq}, or null before the first message
  lastSeq: 0,
  seen: Object.create(null), // seq -> true
  pending: Object.create(null), // client_id -> {clientId, text, el, resets, busy}
  conv: freshConv(),
  isOpen: false,
  unread: 0,
  loadingHistory: false,
  buttonTitles: Object.create(null), // bot button payload -> its title (what the shopper clicked)
  lastOtherSeq: 0, // newest seq of a bot/agent/system event (to know if a reply already came)
  socket: null, // the open WebSocket, if any
  relabelHooks: [], // texts of cards and forms that must follow the language toggle
  callbackForms: [], // [{form}] contact forms shown in this chat
  csatForms: [], // [{finish}] satisfaction forms shown in this chat
  npsForms: [], // [{finish}] "would you recommend us" forms shown in this chat
};

/** Forgets what the rows of the current chat registered (before its history is removed). */
export function forgetHistory() {
  state.relabelHooks = [];
  state.callbackForms = [];
  state.csatForms = [];
  state.npsForms = [];
  state.seen = Object.create(null);
}
