// 個人書房 login by ID number or card barcode: on success the reader goes to /me (the session is an HttpOnly cookie).
"use strict";
(function () {
  const { api, showErrors, problemErrors } = window.OneCard;
  const $ = (id) => document.getElementById(id);
  document.addEventListener("DOMContentLoaded", () => {
    const form = $("login-form");
    const summary = $("error-summary");
    const chosen = () => form.querySelector('input[name="login-with"]:checked').value;
    function showChosen() {
      const byBarcode = chosen() === "card_barcode";
      $("login-id-field").hidden = byBarcode;
      $("login-barcode-field").hidden = !byBarcode;
      $("login-id").required = !byBarcode;
      $("login-barcode").required = byBarcode;
    }
    for (const radio of form.querySelectorAll('input[name="login-with"]')) radio.addEventListener("change", showChosen);
    showChosen();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { password: $("login-password").value };
      if (chosen() === "card_barcode") body.card_barcode = $("login-barcode").value.trim();
      else body.id_number = $("login-id").value.trim();
      const answer = await api("POST", "/v1/sessions", body);
      if (answer.status === 201) {
        window.location.assign("/me");
        return;
      }
      showErrors(form, summary, problemErrors(answer.body));
    });
  });
})();
