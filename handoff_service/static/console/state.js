// What the console knows now (who is signed in, the queue, the open chat, supervisor lists): one shared object.

const SUPERVISOR_ROLES = { supervisor: true, admin: true };

/** Where this tab keeps the signed-in session (sessionStorage). */
export const SESSION_KEYS = { token: "kefu.console.token", agent: "kefu.console.agent" };

export const state = {
  token: null,
  me: null, // the signed-in agent {id, username, display_name, role, status, coupon_limit?}
  queueItems: [],
  queueLoaded: false,
  knownQueued: Object.create(null), // conversation ids seen queued
  unseenNew: Object.create(null), // newly queued chats not opened yet (title badge)
  unseenAssigned: Object.create(null), // chats given to me that I have not opened (title badge)
  unreadMine: Object.create(null), // my chats with new customer messages
  names: Object.create(null), // customer_id -> name, learned from details
  selectedId: null,
  detail: null, // the open chat as GET /api/agent/conversations/<id> returned it
  seenSeq: Object.create(null),
  latestShopperSeq: 0, // of the open chat: suggestions follow the shopper's newest message
  pendingReplies: Object.create(null), // client_id -> {clientId, text, conversationId, row}
  suggestions: null, // {conversationId, state: loading|ok|failed, forMessage, items: [{kind, title, text, score}]}
  view: "desk", // desk | supervisor
  colleagues: null, // GET /api/agent/agents (supervisors) or /colleagues; null = not allowed or not loaded
  approvals: [],
  slaAlerts: [], // {conversation_id, waited_seconds, at}
  alertsSeen: 0,
};

export function isSupervisor() {
  return !!(state.me && SUPERVISOR_ROLES[state.me.role]);
}

export function isMine(item) {
  return !!(state.me && item && item.assigned_agent_id === state.me.id);
}

/** The queue item of a conversation, or null. */
export function findItem(id) {
  for (let i = 0; i < state.queueItems.length; i++) if (state.queueItems[i].conversation_id === id) return state.queueItems[i];
  return null;
}
