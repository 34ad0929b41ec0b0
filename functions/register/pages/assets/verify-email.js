// 電子信箱驗證: the link in the mail opens this page; the reader confirms with a button (a mail scanner that
// fetches the link verifies nothing), and the API's answer — verified, or why not — is announced.
"use strict";
(function () {
  const { api } = window.OneCard;
  const t = (key) => window.I18N.t(key);
  document.addEventListener("DOMContentLoaded", () => {
    const token = new URLSearchParams(window.location.search).get("token") || "";
    const button = document.getElementById("verify-button");
    const result = document.getElementById("verify-result");
    const show = (text, ok, key) => window.OneCard.showResult(result, text, ok, key);
    if (!token) {
      button.hidden = true;
      show(t("verify_no_token"), false, "verify_no_token");
      return;
    }
    button.addEventListener("click", async () => {
      button.disabled = true;
      const answer = await api("POST", "/v1/email-verifications", { token });
      if (answer.status === 200) {
        button.hidden = true;
        show(t("verify_done"), true, "verify_done");
        return;
      }
      button.disabled = false;
      show(window.OneCard.problemText(answer), false);
    });
  });
})();
