// What the host page asked for on the widget's <script> tag (data-*), and where the kefu service is.

export const config = {
  base: location.origin, // the kefu service: where these modules were served from
  wsBase: location.origin.replace(/^http/, "ws"),
  customerId: null,
  customerSignature: null, // the store server's HMAC of the id (SECURITY.md, "Shopper identity")
  customerExpires: null,
  shopName: "",
  brand: "#b8405e",
  langAttr: "", // data-lang: the shop's preferred language, if any
  storeKey: "kefu.widget.v1.guest", // this shopper's chat in localStorage
  langKey: "kefu.widget.v1.lang", // the language the shopper picked with the toggle
  photoMaxBytes: 8 * 1048576, // #19: the service refuses bigger photos (KEFU_ATTACHMENT_MAX_BYTES); said before uploading
};

/** Reads the embedding tag (null when it cannot be found: defaults everywhere). */
export function configure(script) {
  const attr = (name) => (script ? script.getAttribute(name) : null);
  try {
    config.base = new URL(import.meta.url).origin;
  } catch (e) {
    config.base = location.origin;
  }
  config.wsBase = config.base.replace(/^http/, "ws");
  config.customerId = (attr("data-customer-id") || "").trim() || null;
  config.customerSignature = (attr("data-customer-signature") || "").trim() || null;
  const expires = parseInt(attr("data-customer-expires") || "", 10);
  config.customerExpires = Number.isFinite(expires) ? expires : null;
  config.shopName = (attr("data-shop-name") || "").trim();
  config.brand = /^#[0-9a-fA-F]{3,8}$/.test(attr("data-color") || "") ? attr("data-color") : "#b8405e";
  config.langAttr = (attr("data-lang") || "").toLowerCase();
  config.storeKey = "kefu.widget.v1." + (config.customerId || "guest");
}
