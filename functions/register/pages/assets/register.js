// 網路辦證: the application form. The API judges every field; this page only gathers, explains and shows.
"use strict";
(function () {
  const { api, jsonMember, showErrors, clearErrors, problemErrors, askConsent, setupAddress, t } = window.OneCard;
  const form = document.getElementById("register-form");
  const summary = document.getElementById("error-summary");
  const $ = (id) => document.getElementById(id);
  const checked = (name) => {
    const input = form.querySelector(`input[name="${name}"]:checked`);
    return input ? input.value : null;
  };
  const text = (id) => $(id).value.trim();

  const ID_TYPES = {
    roc: ["national_id"],
    mainland: ["resident_certificate", "entry_permit"],
    foreign: ["resident_certificate", "passport"],
  };
  const ID_TYPE_LABELS = {
    national_id: "id_national", resident_certificate: "id_resident", entry_permit: "id_entry_permit", passport: "id_passport",
  };

  // --- Identity type follows nationality; passports name their country ---------------------------------------
  function fillIdTypes() {
    const select = $("id-type");
    const previous = select.value;
    const types = ID_TYPES[checked("nationality_type") || "roc"];
    select.replaceChildren(...types.map((type) => new Option(t(ID_TYPE_LABELS[type]), type)));
    if (types.includes(previous)) select.value = previous;
    showPassportCountry();
  }

  function showPassportCountry() {
    const passport = $("id-type").value === "passport";
    $("passport-country-field").hidden = !passport;
    $("passport-country").disabled = !passport;
  }

  async function fillCountries() {
    // Anything but the country table leaves only the prompt; the API then names the field if a passport needs it.
    const countries = jsonMember(await api("GET", "/assets/countries.json"), "countries");
    if (!countries || typeof countries !== "object") return;
    const select = $("passport-country");
    const entries = Object.entries(countries).filter(([code, name]) => code !== "TW" && typeof name === "string");
    for (const [code, name] of entries) select.append(new Option(`${name} (${code})`, code));
  }

  // --- Family card: household fields, no partner links ----------------------------------------------------
  function showCardType() {
    const family = checked("card_type") === "family";
    $("household-fields").hidden = !family;
    for (const input of $("household-fields").querySelectorAll("input")) input.disabled = !family;
    $("family-no-link").hidden = !family;
    for (const fieldset of form.querySelectorAll("fieldset.partner")) {
      fieldset.hidden = family;
      fieldset.disabled = family;
    }
    $("partner-hint").hidden = family;
  }

  // --- Birthday selects; under 18 shows the guardian --------------------------------------------------------
  function fillDateParts() {
    const thisYear = new Date().getFullYear();
    for (let y = thisYear; y >= thisYear - 120; y -= 1) $("birth-year").append(new Option(String(y), String(y)));
    for (let m = 1; m <= 12; m += 1) $("birth-month").append(new Option(String(m), String(m)));
    for (let d = 1; d <= 31; d += 1) $("birth-day").append(new Option(String(d), String(d)));
  }

  function birthDate() {
    const [y, m, d] = [$("birth-year").value, $("birth-month").value, $("birth-day").value];
    if (!y || !m || !d) return null;
    return `${y}-${m.padStart(2, "0")}-${d.padStart(2, "0")}`;
  }

  function isMinor(iso) {
    if (!iso) return false;
    const [y, m, d] = iso.split("-").map(Number);
    const now = new Date();
    let age = now.getFullYear() - y;
    if (now.getMonth() + 1 < m || (now.getMonth() + 1 === m && now.getDate() < d)) age -= 1;
    return age < 18;
  }

  function showGuardian() {
    const minor = isMinor(birthDate());
    $("guardian-fields").hidden = !minor;
    for (const input of $("guardian-fields").querySelectorAll("input")) input.disabled = !minor;
  }

  // --- Household address can be the mailing address ------------------------------------------------------
  function showHouseholdAddress() {
    const same = $("same-as-mailing").checked;
    $("household-address-parts").hidden = same;
    for (const control of $("household-address-parts").querySelectorAll("input, select")) control.disabled = same;
  }

  // --- Partner links: choosing agreement opens the document; only 同意 keeps it --------------------------------
  const agreedDocuments = {};

  async function onPartnerChoice(event) {
    const input = event.target;
    const partner = input.closest("fieldset.partner").dataset.partner;
    if (input.value !== "agree") {
      delete agreedDocuments[partner];
      return;
    }
    let result;
    try {
      result = await askConsent(partner);
    } catch (_) {
      result = { decision: "dismissed" };
    }
    if (result.decision === "agree") {
      agreedDocuments[partner] = result.document.sha256;
    } else {
      delete agreedDocuments[partner];
      form.querySelector(`input[name="link_${partner}"][value="no"]`).checked = true;
    }
    input.closest("fieldset.partner").querySelector("input:checked").focus();
  }

  // --- 讀者證號是否辦過 ----------------------------------------------------------------------------------------
  async function checkAvailability() {
    const result = $("availability-result");
    const query = new URLSearchParams({ id_type: $("id-type").value, id_number: text("id-number") });
    const answer = await api("GET", `/v1/readers/availability?${query}`);
    const registered = jsonMember(answer, "registered");
    if (typeof registered === "boolean") {
      result.textContent = t(registered ? "registered_yes" : "registered_no");
    } else {
      result.textContent = problemErrors(answer.body).map((e) => e.message).join(" ");
    }
  }

  // --- The captcha: the API's proof-of-work, solved in a worker while the applicant types -----------------
  let captcha = null;

  function solveCaptcha() {
    const status = $("captcha-status");
    status.dataset.state = "working";
    status.textContent = t("captcha_working");
    captcha = (async () => {
      const answer = await api("GET", "/v1/captcha");
      if (typeof jsonMember(answer, "challenge") !== "string") throw new Error("no challenge");
      const challenge = answer.body;
      const number = await new Promise((resolve, reject) => {
        const worker = new Worker("/assets/pow-worker.js");
        worker.onmessage = (event) => { worker.terminate(); resolve(event.data.number); };
        worker.onerror = (event) => { worker.terminate(); reject(event); };
        worker.postMessage(challenge);
      });
      if (number === null) throw new Error("no solution");
      const payload = { algorithm: challenge.algorithm, challenge: challenge.challenge, number,
                        salt: challenge.salt, signature: challenge.signature };
      status.dataset.state = "done";
      status.textContent = t("captcha_done");
      return btoa(JSON.stringify(payload));
    })().catch((error) => {
      status.dataset.state = "failed";
      status.textContent = t("captcha_failed");
      setTimeout(solveCaptcha, 3000);
      throw error;
    });
    captcha.catch(() => {});
  }

  // --- Submitting ----------------------------------------------------------------------------------------
  let mailingAddress = () => null;
  let householdAddress = () => null;

  function optional(value) {
    return value ? value : undefined;
  }

  function application(solution) {
    const family = checked("card_type") === "family";
    const birth = birthDate();
    const same = $("same-as-mailing").checked;
    const body = {
      card_type: checked("card_type"),
      nationality_type: checked("nationality_type"),
      id_type: $("id-type").value,
      id_number: text("id-number"),
      passport_country: $("id-type").value === "passport" ? optional($("passport-country").value) : undefined,
      password: $("password").value,
      password_confirm: $("password-confirm").value,
      name: text("name"),
      gender: optional(checked("gender")),
      birth_date: optional(birth),
      occupation: optional(checked("occupation")),
      education: optional(checked("education")),
      mailing_address: optional(mailingAddress()),
      household_same_as_mailing: same,
      household_address: same ? undefined : optional(householdAddress()),
      phone_home: optional(text("phone-home")),
      phone_office: optional(text("phone-office")),
      household_phone: optional(text("household-phone")),
      mobile: optional(text("mobile")),
      email: optional(text("email")),
      captcha: solution,
    };
    if (family) {
      body.household = { register_number: text("household-number"), head_name: text("household-head-name"),
                         head_id_number: text("household-head-id") };
    } else {
      body.partners = Object.entries(agreedDocuments).map(([partner, sha]) => ({ partner, document_sha256: sha }));
    }
    if (isMinor(birth)) {
      body.guardian = { name: text("guardian-name"), relationship: checked("guardian_relationship") || undefined,
                        id_number: text("guardian-id"), phone: text("guardian-phone") };
    }
    return JSON.parse(JSON.stringify(body));  // drops the undefined values
  }

  // A conflict is about one field: the ID number, or the household that already has its family card.
  const CONFLICT_FIELDS = { already_registered: "id_number", household_already_registered: "household.register_number" };

  async function submit(event) {
    event.preventDefault();
    const button = $("submit");
    button.disabled = true;
    button.textContent = t("submitting");
    try {
      let solution = "";
      try { solution = await captcha; } catch (_) { /* the API names the captcha field */ }
      const answer = await api("POST", "/v1/readers", application(solution));
      if (answer.status === 201) {
        showSuccess(answer.body);
        return;
      }
      solveCaptcha();  // each solution is good for one try
      const errors = problemErrors(answer.body);
      const code = answer.body && answer.body.code;
      if (answer.status === 409 && CONFLICT_FIELDS[code]) errors[0].field = CONFLICT_FIELDS[code];
      showErrors(form, summary, errors);
    } finally {
      button.disabled = false;
      button.textContent = button.dataset.zh;
      if (window.I18N.lang === "en") window.I18N.apply();
    }
  }

  const LINK_LABELS = { ntpc: "link_ntpc", klcpl: "link_klcpl", "taipei-card": "link_taipei_card" };

  function showSuccess(accepted) {
    clearErrors(form, summary);
    $("application").hidden = true;
    const parts = [`${t("card_type")}：${t("card_type_value_" + accepted.card_type)}`,
                   `${t("reader_id")}：${accepted.reader_id}`, `${t("masked_id")}：${accepted.id_number_masked}`];
    if (accepted.status) parts.push(`${t("reader_status")}：${t("reader_status_" + accepted.status)}`);
    if (accepted.verify_by) parts.push(`${t("verify_by")}：${accepted.verify_by}`);
    $("success-summary").textContent = parts.join("　");
    $("next-steps").replaceChildren(...(accepted.next_steps || []).map((step) => {
      const li = document.createElement("li");
      li.textContent = step;
      return li;
    }));
    const links = accepted.links || [];
    $("success-links").hidden = links.length === 0;
    $("link-statuses").replaceChildren(...links.map((link) => {
      const li = document.createElement("li");
      const name = document.createElement("span");
      name.dataset.i18n = LINK_LABELS[link.partner];
      name.textContent = form.querySelector(`fieldset[data-partner="${link.partner}"] legend`).dataset.zh
        || form.querySelector(`fieldset[data-partner="${link.partner}"] legend`).textContent;
      li.append(name, `：${t("status_" + link.status)}`);
      li.dataset.partner = link.partner;
      return li;
    }));
    window.I18N.apply();
    $("success").hidden = false;
    $("success").focus();
  }

  document.addEventListener("DOMContentLoaded", async () => {
    fillDateParts();
    fillIdTypes();
    showCardType();
    showGuardian();
    showHouseholdAddress();
    solveCaptcha();
    for (const input of form.querySelectorAll('input[name="nationality_type"]')) input.addEventListener("change", fillIdTypes);
    for (const input of form.querySelectorAll('input[name="card_type"]')) input.addEventListener("change", showCardType);
    for (const id of ["birth-year", "birth-month", "birth-day"]) $(id).addEventListener("change", showGuardian);
    for (const input of form.querySelectorAll("fieldset.partner input")) input.addEventListener("change", onPartnerChoice);
    $("id-type").addEventListener("change", showPassportCountry);
    $("same-as-mailing").addEventListener("change", showHouseholdAddress);
    $("check-availability").addEventListener("click", checkAvailability);
    document.addEventListener("languagechange", () => {
      fillIdTypes();
      $("captcha-status").textContent = t(`captcha_${$("captcha-status").dataset.state}`);
    });
    form.addEventListener("submit", submit);
    [mailingAddress, householdAddress] = await Promise.all([setupAddress($("mailing-address")),
                                                            setupAddress($("household-address"))]);
    await fillCountries();
  });
})();
