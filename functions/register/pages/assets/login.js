// 個人書房 login: on success the reader goes to /me (the session is an HttpOnly cookie).
"use strict";
(function () {
  const { api, showErrors, problemErrors } = window.OneCard;
  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("login-form");
    const summary = document.getElementById("error-summary");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const answer = await api("POST", "/v1/sessions", {
        id_number: document.getElementById("login-id").value.trim(),
        password: document.getElementById("login-password").value,
      });
      if (answer.status === 201) {
        window.location.assign("/me");
        return;
      }
      showErrors(form, summary, problemErrors(answer.body));
    });
  });
})();
