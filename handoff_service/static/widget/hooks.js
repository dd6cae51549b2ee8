// Late-bound calls up to the chat (send, retry, take an event, forget the session), set by main.js.
// They let the message views and the transport call modules that import them, without an import cycle.

export const hooks = {
  submit: function (text) {}, // sending.js: send text as the shopper
  deliver: function (item) {}, // sending.js: (re)send a pending message
  addEvent: function (ev, live) {}, // events.js: show an event from the service
  dropSession: function (clearHistory) {}, // session.js: the service no longer knows this chat
};
