// localStorage: the shopper's chat (so it survives a reload) and their language choice; private mode may refuse.

import { config } from "./config.js";
import { state } from "./state.js";

export function safeGet(key) {
  try {
    return window.localStorage.getItem(key);
  } catch (e) {
    return null;
  }
}

export function safeSet(key, value) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch (e) {
    /* private mode: the chat still works, it just won't survive a reload */
  }
}

/** The stored chat {conversation_id, token, seq}, or null. */
export function loadSession() {
  try {
    const s = JSON.parse(safeGet(config.storeKey) || "null");
    if (s && typeof s.conversation_id === "string" && typeof s.token === "string") {
      s.seq = Number(s.seq) || 0;
      return s;
    }
  } catch (e) {
    /* corrupt: start over */
  }
  return null;
}

/** Stores state.session (or forgets it when null) with the newest seq seen. */
export function saveSession() {
  const session = state.session;
  if (!session) return safeSet(config.storeKey, null);
  session.seq = state.lastSeq;
  safeSet(config.storeKey, JSON.stringify({ conversation_id: session.conversation_id, token: session.token, seq: state.lastSeq }));
}
