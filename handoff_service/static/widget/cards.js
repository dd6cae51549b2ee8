// Cards under an agent's message: a coupon (amount, minimum spend, code with a copy button) and a return/exchange.

import { el } from "./dom.js";
import { lang, t } from "./language.js";
import { state } from "./state.js";

function money(n) {
  var v = Number(n);
  if (!isFinite(v)) return "";
  return String(Math.round(v * 100) / 100);
}
function dl(pairs) {
  var list = el("dl", { className: "kefu-dl" });
  pairs.forEach(function (pair) {
    if (pair[1] === null || pair[1] === undefined || pair[1] === "") return;
    list.appendChild(el("dt", { text: pair[0] }));
    list.appendChild(el("dd", { text: String(pair[1]) }));
  });
  return list;
}
function safeLink(u) {
  if (typeof u !== "string" || !u) return null;
  try {
    var url = new URL(u, location.href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch (e) {
    return null;
  }
}

/** The card of a message payload (coupon or return), or null for a kind the widget does not know. */
export function renderCard(card) {
  var node = el("div", { className: "kefu-card", "data-testid": "kefu-card", "data-card-type": String(card.type || "") });
  if (card.type === "coupon") {
    var code = String(card.code || "");
    var amount = el("b", null, [el("small", { text: "¥" }), document.createTextNode(money(card.amount))]);
    var minLine = el("span");
    var title = el("div", { className: "kefu-card-title" });
    var until = el("div", { className: "kefu-card-sub" });
    var codeLabel = el("span");
    var copyBtn = el("button", { className: "kefu-copy", type: "button", "data-testid": "kefu-card-copy" });
    var copied = false;
    copyBtn.addEventListener("click", function () {
      var done = function () {
        copied = true;
        label();
        setTimeout(function () {
          copied = false;
          label();
        }, 1800);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(code).then(done, function () {});
    });
    var label = function () {
      var min = Number(card.min_spend) || 0;
      minLine.textContent = min > 0 ? t("couponMin", { n: money(min) }) : t("couponNoMin");
      title.textContent = String((lang === "en" ? card.title_en : card.title_zh) || card.title_zh || card.title_en || "");
      until.textContent = card.valid_until ? t("couponUntil", { d: String(card.valid_until) }) : "";
      codeLabel.textContent = t("couponCode");
      copyBtn.textContent = copied ? t("copied") : t("copy");
    };
    label();
    state.relabelHooks.push(label);
    node.appendChild(
      el("div", { className: "kefu-coupon" }, [
        el("div", { className: "kefu-coupon-amt" }, [amount, minLine]),
        el("div", { className: "kefu-coupon-body" }, [
          title,
          until,
          el("div", { className: "kefu-code" }, [codeLabel, el("code", { "data-testid": "kefu-card-code", text: code }), copyBtn]),
        ]),
      ])
    );
    return node;
  }
  if (card.type === "promise") {
    // #19: the agent promised an answer by a time
    var when = el("b", { "data-testid": "kefu-promise-due", text: String(card.due_local || "") });
    var head = el("span");
    var relabelPromise = function () {
      head.textContent = t("promiseCard");
    };
    relabelPromise();
    state.relabelHooks.push(relabelPromise);
    node.appendChild(el("div", { className: "kefu-return-head" }, [head, when]));
    return node;
  }
  if (card.type === "remedy") {
    // #19: a reship, refund, free return, express upgrade or gift
    var what = el("b");
    var remedyBody = el("div");
    var relabelRemedy = function () {
      what.textContent = t("remedyKind_" + card.kind) || String(card.kind || "");
      remedyBody.textContent = "";
      remedyBody.appendChild(
        dl([
          [t("remedyOrder"), card.order_id],
          // what the store spends on a reship or gift is not the shopper's business; a refund's sum is
          [t("remedyAmount"), card.kind === "refund" && Number(card.amount) > 0 ? "¥" + money(card.amount) : ""],
        ])
      );
    };
    relabelRemedy();
    state.relabelHooks.push(relabelRemedy);
    node.setAttribute("data-kind", String(card.kind || ""));
    node.appendChild(el("div", { className: "kefu-return-head" }, [what]));
    node.appendChild(remedyBody);
    return node;
  }
  if (card.type === "products" && Array.isArray(card.items)) {
    // #19: products recommended for the shopper's need, each with an "add to cart" link
    var list = el("div", { className: "kefu-rec" });
    card.items.slice(0, 4).forEach(function (p) {
      if (!p || typeof p !== "object") return;
      var cart = safeLink(p.cart_url);
      var image = safeLink(p.image_url);
      var button = cart ? el("a", { className: "kefu-rec-cart", "data-testid": "kefu-add-to-cart", href: cart, target: "_top", rel: "noopener" }) : null;
      var item = el("div", { className: "kefu-rec-item", "data-testid": "kefu-product", "data-sku": String(p.sku || "") }, [
        image ? el("img", { src: image, alt: "", loading: "lazy", referrerpolicy: "no-referrer" }) : null,
        el("div", { className: "kefu-rec-body" }, [
          el("b", { text: String((lang === "en" ? p.name_en : p.name_zh) || p.name_zh || p.name_en || "") }),
          el("span", { text: String((lang === "en" ? p.why_en : p.why_zh) || "") }),
          el("div", { text: t("recPrice", { n: money(p.price) }) }),
        ]),
        button,
      ]);
      var relabelProduct = function () {
        if (button) button.textContent = t("recAddToCart");
      };
      relabelProduct();
      state.relabelHooks.push(relabelProduct);
      list.appendChild(item);
    });
    node.appendChild(list);
    return list.children.length ? node : null;
  }
  if (card.type === "return") {
    var head = el("b");
    var badge = el("span", { className: "kefu-badge" });
    var body = el("div");
    var relabelReturn = function () {
      head.textContent = t("returnKind_" + card.kind) || String(card.kind || "");
      badge.textContent = t("returnStatus_" + card.status) || String(card.status || "");
      badge.hidden = !card.status;
      body.textContent = "";
      body.appendChild(
        dl([
          [t("returnId"), card.return_id],
          [t("returnOrder"), card.order_id],
          [t("returnAddress"), card.address],
        ])
      );
    };
    relabelReturn();
    state.relabelHooks.push(relabelReturn);
    node.appendChild(el("div", { className: "kefu-return-head" }, [head, badge]));
    node.appendChild(body);
    return node;
  }
  return null;
}
