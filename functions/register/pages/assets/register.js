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

  let countries = null;

  async function fillCountries() {
    // Anything but the country table leaves only the prompt; the API then names the field if a passport needs it.
    const table = jsonMember(await api("GET", "/assets/countries.json"), "countries");
    if (!table || typeof table !== "object" || Array.isArray(table)) return;
    countries = Object.entries(table).filter(([code, name]) => code !== "TW" && typeof name === "string");
    showCountries();
  }

  // Each country by its name in the page's language (the browser knows them), in the order of those names.
  function showCountries() {
    if (!countries) return;
    const select = $("passport-country");
    const lang = window.I18N.lang === "en" ? "en" : "zh-Hant-TW";
    let names = null;
    try { names = new Intl.DisplayNames([lang], { type: "region", fallback: "none" }); } catch (_) { names = null; }
    const shown = countries.map(([code, name]) => [code, (names && names.of(code)) || name]);
    shown.sort(([, a], [, b]) => a.localeCompare(b, lang));
    const chosen = select.value;
    select.replaceChildren(select.options[0], ...shown.map(([code, name]) => new Option(`${name} (${code})`, code)));
    select.value = chosen;
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
      // An applicant under 18 applies with their guardian, who is the one agreeing to a partner's consent form.
      result = await askConsent(partner, isMinor(birthDate()) ? { name: text("guardian-name") } : null);
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
      const body = application(solution);
      const answer = await api("POST", "/v1/readers", body);
      if (typeof jsonMember(answer, "reader_id", 201) === "string") {
        accepted = { ...answer.body, family: body.card_type === "family", minor: isMinor(body.birth_date),
                     email: body.email || null };
        showSuccess(accepted);
        return;
      }
      solveCaptcha();  // each solution is good for one try
      const errors = problemErrors(answer.body);
      const code = jsonMember(answer, "code", answer.status);
      if (answer.status === 409 && CONFLICT_FIELDS[code]) errors[0].field = CONFLICT_FIELDS[code];
      // "At least one of household phone and mobile" is a rule about both: shown where both are.
      for (const error of errors) if (error.code === "phone_required") error.field = "contact_phones";
      showErrors(form, summary, errors);
    } finally {
      button.disabled = false;
      button.textContent = button.dataset.zh;
      if (window.I18N.lang === "en") window.I18N.apply();
    }
  }

  const LINK_LABELS = { ntpc: "partner_ntpc", klcpl: "partner_klcpl", "taipei-card": "partner_taipei_card" };

  let accepted = null;  // the accepted application, kept so that a change of language draws the page again

  function item(text) {
    const li = document.createElement("li");
    li.textContent = text;
    return li;
  }

  // What was applied for, by when, what to bring and where: the confirmation mail's facts, in short lines.
  function showSuccess(application) {
    clearErrors(form, summary);
    $("application").hidden = true;
    $("success-summary").textContent = t("success_applied", { card: t(`card_word_${application.card_type}`) });
    $("success-reader-id").textContent = application.reader_id;
    const steps = [item(t("success_when", { date: application.verify_by }))];
    const bring = item(t("success_bring"));
    const things = document.createElement("ul");
    things.append(item(t("bring_id")));
    if (application.family) things.append(item(t("bring_household")));
    if (application.minor) things.append(item(t("bring_guardian")));
    bring.append(things);
    steps.push(bring, item(t("success_expires")));
    steps.push(item(application.email ? t("success_mail", { email: application.email }) : t("success_no_mail")));
    $("next-steps").replaceChildren(...steps);
    const links = Array.isArray(application.links) ? application.links.filter((l) => l && LINK_LABELS[l.partner]) : [];
    $("success-links").hidden = links.length === 0;
    $("success-links-note").textContent = t("success_links");
    $("link-statuses").replaceChildren(...links.map((link) => {
      const li = item(`${t(LINK_LABELS[link.partner])}${t("label_colon")}${t("status_" + link.status)}`);
      li.dataset.partner = link.partner;
      return li;
    }));
    if ($("success").hidden) {
      $("success").hidden = false;
      $("success").focus();
    }
  }

  async function copyReaderId() {
    const number = $("success-reader-id").textContent;
    let done = false;
    try {
      await navigator.clipboard.writeText(number);
      done = true;
    } catch (_) {
      // Without the clipboard, the number is selected for the reader to copy.
      const range = document.createRange();
      range.selectNodeContents($("success-reader-id"));
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    $("copy-result").textContent = done ? t("copied") : "";
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
    $("copy-reader-id").addEventListener("click", copyReaderId);
    document.addEventListener("languagechange", () => {
      fillIdTypes();
      showCountries();
      if (accepted) showSuccess(accepted);
      $("captcha-status").textContent = t(`captcha_${$("captcha-status").dataset.state}`);
    });
    form.addEventListener("submit", submit);
    [mailingAddress, householdAddress] = await Promise.all([setupAddress($("mailing-address")),
                                                            setupAddress($("household-address"))]);
    await fillCountries();
  });
})();
