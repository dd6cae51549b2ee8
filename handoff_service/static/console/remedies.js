// Remedies for my chat's customer: a coupon (above my limit it waits for a supervisor's approval) and a return/exchange.

import { $, toast } from "../desk-common.js";
import { api, chatPath, errorText } from "./api.js";
import { amount } from "./format.js";
import { t } from "./language.js";
import { showResult } from "./panels.js";
import { state } from "./state.js";

export function bindRemedies() {
  $("coupon-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var id = state.selectedId;
    var value = Number($("coupon-amount").value);
    if (!(value >= 1 && value <= 10000)) {
      showResult("coupon-result", "error", t("couponBadAmount"));
      return $("coupon-amount").focus();
    }
    var btn = $("coupon-submit");
    btn.disabled = true;
    api("POST", chatPath(id, "/coupon"), { amount: value, reason: $("coupon-reason").value.trim() })
      .then(function (res) {
        if (res.status === "issued") {
          var coupon = res.coupon || {};
          toast(t("couponIssued", { n: amount(coupon.amount || value), code: coupon.code || "" }));
          $("coupon-amount").value = "";
          $("coupon-reason").value = "";
          showResult("coupon-result", "issued", t("couponIssued", { n: amount(coupon.amount || value), code: coupon.code || "" }));
        } else {
          showResult("coupon-result", "pending", t("couponPending", { id: res.request_id }));
        }
      })
      .catch(function (err) {
        showResult("coupon-result", "error", errorText(err));
      })
      .then(function () {
        btn.disabled = false;
      });
  });

  $("return-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var id = state.selectedId;
    var orderId = $("return-order").value;
    if (!orderId) return;
    var kind = document.querySelector('input[name="return-kind"]:checked').value;
    var btn = $("return-submit");
    btn.disabled = true;
    api("POST", chatPath(id, "/return"), { order_id: orderId, kind: kind, reason: $("return-reason").value.trim() })
      .then(function (res) {
        var text = t("returnStarted", { id: res.return_id || "" });
        toast(text);
        showResult("return-result", "started", text);
        $("return-reason").value = "";
      })
      .catch(function (err) {
        showResult("return-result", "error", errorText(err));
      })
      .then(function () {
        btn.disabled = false;
      });
  });
}
