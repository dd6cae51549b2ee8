// Customers' and agents' names as the console shows them.

import { t } from "./language.js";
import { state } from "./state.js";

/** A queue item's customer: their name when known, else their id ("guest" without one). */
export function customerLabel(item) {
  if (!item.customer_id) return t("guest");
  return item.customer_name || state.names[item.customer_id] || item.customer_id;
}

/** An agent's display name by id (me, a colleague, "system" for none, else "#id"). */
export function agentName(id) {
  const me = state.me;
  if (me && id === me.id) return me.display_name;
  const list = state.colleagues || [];
  for (let i = 0; i < list.length; i++) if (list[i].id === id) return list[i].display_name;
  return id === null || id === undefined ? t("system") : "#" + id;
}
