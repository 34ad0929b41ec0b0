// 設定新密碼: the reset link in the mail opens this page (its token in the fragment, never sent to a server). The
// new password is set only when the reader presses the button, so a mail scanner that opens the link changes nothing.
"use strict";
(function () {
  const { api, showErrors, problemErrors } = window.OneCard;
  const t = (key) => window.I18N.t(key);
  const $ = (id) => document.getElementById(id);
  document.addEventListener("DOMContentLoaded", () => {
    const token = new URLSearchParams(window.location.hash.replace(/^#/, "")).get("token") || "";
    const form = $("newpw-form");
    const summary = $("error-summary");
    const result = $("newpw-result");
    const show = (text, ok, key) => window.OneCard.showResult(result, text, ok, key);
    if (!token) {
      form.hidden = true;
      show(t("newpw_no_token"), false, "newpw_no_token");
      return;
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      $("newpw-button").disabled = true;
      const answer = await api("POST", "/v1/password-resets/" + encodeURIComponent(token),
        { password: $("newpw-password").value, password_confirm: $("newpw-confirm").value });
      $("newpw-button").disabled = false;
      if (answer.status === 200) {
        form.hidden = true;
        summary.hidden = true;
        show(t("newpw_done"), true, "newpw_done");
        return;
      }
      const errors = problemErrors(answer.body);
      if (errors.some((e) => e.field === "token")) {
        summary.hidden = true;
        show(window.OneCard.problemText(answer), false);
        return;
      }
      showErrors(form, summary, errors);
    });
  });
})();
