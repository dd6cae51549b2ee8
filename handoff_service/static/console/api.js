// The console's calls to /api/agent/… with the signed-in agent's token; a 401 ends the session.

import * as desk from "../desk-common.js";
import { hooks } from "./hooks.js";
import { t } from "./language.js";
import { state } from "./state.js";

export const api = desk.apiClient({
  token: function () {
    return state.token;
  },
  unauthorized: function () {
    hooks.expire();
  },
  networkMessage: function () {
    return t("networkError");
  },
});

/** /api/agent/conversations/<id><tail>. */
export function chatPath(id, tail) {
  return "/api/agent/conversations/" + encodeURIComponent(id) + (tail || "");
}

/** What to tell the agent when an action failed; the store's refusals come as 409 with its reason. */
export function errorText(err) {
  return err.status === 409 && /store refused/.test(err.message || "") ? t("storeRefused", { m: String(err.message).replace(/^the store refused:?\s*/, "") }) : t("actionFailed", { m: err.message });
}
