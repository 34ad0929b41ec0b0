// 忘記密碼: asks for a reset link by ID number or card barcode. The answer is the same whoever asks, so the page
// always says the same thing and explains who gets no mail (no verified address; card holders of the library system).
"use strict";
(function () {
  const { api, showErrors, problemErrors } = window.OneCard;
  const $ = (id) => document.getElementById(id);
  document.addEventListener("DOMContentLoaded", () => {
    const form = $("reset-form");
    const summary = $("error-summary");
    const result = $("reset-result");
    const chosen = () => form.querySelector('input[name="reset-with"]:checked').value;
    function showChosen() {
      const byBarcode = chosen() === "card_barcode";
      $("reset-id-field").hidden = byBarcode;
      $("reset-barcode-field").hidden = !byBarcode;
      $("reset-id").required = !byBarcode;
      $("reset-barcode").required = byBarcode;
    }
    for (const radio of form.querySelectorAll('input[name="reset-with"]')) radio.addEventListener("change", showChosen);
    showChosen();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {};
      if (chosen() === "card_barcode") body.card_barcode = $("reset-barcode").value.trim();
      else body.id_number = $("reset-id").value.trim();
      const answer = await api("POST", "/v1/password-resets", body);
      if (answer.status === 202) {
        summary.hidden = true;
        result.hidden = false;
        result.focus();
        return;
      }
      showErrors(form, summary, problemErrors(answer.body));
    });
  });
})();
