// Moving my chat on: claim it, hand it back to the bot (resolved or not), transfer it to a colleague or team, close it.

import { $, toast } from "../desk-common.js";
import { api, chatPath } from "./api.js";
import { loadColleagues } from "./colleagues.js";
import { refreshDetail, setDetail } from "./conversation.js";
import { t } from "./language.js";
import { closePanel, showResult } from "./panels.js";
import { loadQueue } from "./queue.js";
import { state } from "./state.js";
import { stopMyTyping } from "./typing.js";

export function bindLifecycle() {
  $("claim").addEventListener("click", function () {
    var id = state.selectedId;
    var btn = $("claim");
    btn.disabled = true;
    btn.textContent = t("claiming");
    api("POST", chatPath(id, "/claim"))
      .then(function (res) {
        if (state.selectedId !== id) return;
        setDetail(res);
        toast(t("claimed"));
        $("reply-input").focus();
      })
      .catch(function (err) {
        toast(err.status === 409 ? (/limit/.test(err.message || "") ? t("claimFull") : t("claimConflict")) : err.message, "error");
        refreshDetail();
      })
      .then(function () {
        btn.disabled = false;
        btn.textContent = t("claim");
        loadQueue();
      });
  });

  $("handback").addEventListener("click", function () {
    var id = state.selectedId;
    var btn = $("handback");
    btn.disabled = true;
    stopMyTyping();
    api("POST", chatPath(id, "/handback"), { outcome: $("handback-outcome").value })
      .then(function () {
        toast(t("handedBack"));
        if (state.selectedId === id) refreshDetail();
      })
      .catch(function (err) {
        toast(err.message, "error");
        refreshDetail();
      })
      .then(function () {
        btn.disabled = false;
        loadQueue();
      });
  });

  $("transfer-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var id = state.selectedId;
    var body;
    var who;
    if (state.colleagues) {
      var agentId = Number($("transfer-agent").value);
      if (!agentId) return showResult("transfer-result", "error", t("transferPick"));
      body = { to_agent_id: agentId };
      var picked = $("transfer-agent").selectedOptions[0];
      who = picked ? picked.textContent.split(" · ")[0] : "";
    } else {
      var team = $("transfer-team").value.trim();
      if (!team) return $("transfer-team").focus();
      body = { team: team };
    }
    var btn = $("transfer-submit");
    btn.disabled = true;
    stopMyTyping();
    api("POST", chatPath(id, "/transfer"), body)
      .then(function (res) {
        toast(body.team ? t("transferredTeam", { team: body.team }) : t("transferred", { name: who }));
        closePanel();
        if (state.selectedId === id && res && res.conversation_id) setDetail(res);
        loadQueue();
        loadColleagues();
      })
      .catch(function (err) {
        showResult("transfer-result", "error", t("actionFailed", { m: err.message }));
      })
      .then(function () {
        btn.disabled = false;
      });
  });

  $("close-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var id = state.selectedId;
    var btn = $("close-submit");
    btn.disabled = true;
    stopMyTyping();
    api("POST", chatPath(id, "/close"))
      .then(function () {
        toast(t("closedToast"));
        closePanel();
        if (state.selectedId === id) refreshDetail();
        loadQueue();
      })
      .catch(function (err) {
        toast(t("actionFailed", { m: err.message }), "error");
        refreshDetail();
      })
      .then(function () {
        btn.disabled = false;
      });
  });
}
