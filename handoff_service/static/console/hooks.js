// Late-bound calls up (open a chat, follow the queue, the session expired), set by console.js.
// They let the queue list, customer panel and supervisor view call modules that import them, without a cycle.

export const hooks = {
  select: function (conversationId) {}, // conversation.js: open a chat
  followQueue: function (present) {}, // conversation.js: the queue changed; re-read the open chat if it moved
  expire: function () {}, // session.js: the server no longer accepts our token
};
