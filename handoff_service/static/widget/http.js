// The widget's HTTP calls to the kefu service (JSON, bearer token, no cookies) and the ids of its messages.

import { config } from "./config.js";

function ApiError(status, code, message, retryAfter) {
  this.status = status;
  this.code = code;
  this.message = message;
  this.retryAfter = retryAfter; // seconds, when over an abuse limit (429)
}

/** api("POST", "/api/sessions", body, token) → a promise of the JSON answer, or an ApiError. */
export function api(method, path, body, token, signal) {
  const headers = { Accept: "application/json" };
  if (body) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = "Bearer " + token;
  return fetch(config.base + path, {
    method: method,
    headers: headers,
    body: body ? JSON.stringify(body) : undefined,
    signal: signal,
    credentials: "omit",
    cache: "no-store",
  }).then(function (res) {
    return res
      .json()
      .catch(function () {
        return null;
      })
      .then(function (data) {
        if (!res.ok) {
          const retryAfter = (data && data.retry_after) || Number(res.headers.get("Retry-After")) || 0;
          throw new ApiError(res.status, data && data.error, (data && data.message) || res.statusText, retryAfter);
        }
        return data;
      });
  });
}

/** The path of one of the chat's resources: /api/sessions/<id><tail>. */
export function sessionPath(session, tail) {
  return "/api/sessions/" + encodeURIComponent(session.conversation_id) + (tail || "");
}

export function sleep(ms) {
  return new Promise(function (r) {
    setTimeout(r, ms);
  });
}

/** A random id for a message, so a retried send is stored once. */
export function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
  const a = new Uint8Array(16);
  (window.crypto || window.msCrypto).getRandomValues(a);
  return Array.prototype.map
    .call(a, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    })
    .join("");
}
