// 個人書房: the reader's data, one-card links (with live status), revised consents and the PDPA rights.
"use strict";
(function () {
  const { api, jsonMember, showErrors, clearErrors, problemErrors, problemText, askConsent, setupAddress, t } = window.OneCard;
  const $ = (id) => document.getElementById(id);
  const summary = () => $("error-summary");
  const PARTNERS = ["ntpc", "klcpl", "taipei-card"];
  const SETTLED = new Set(["active", "rejected", "failed", "unlinked", "withdrawn"]);
  // Links that wait for the counter's identity check change only when the card is collected: nothing to poll.
  const AT_THE_COUNTER = new Set(["agreed", "waiting_for_verification", "withdrawn"]);
  let profile = null;
  let links = {};
  let notes = {};
  let receipts = [];

  function requireLogin(answer) {
    if (answer.status === 401) {
      window.location.assign("/login");
      return true;
    }
    return false;
  }

  // Mobiles are stored in international form; readers know them as 09xx.
  function localMobile(value) {
    return value && value.startsWith("+8869") ? `0${value.slice(4)}` : value;
  }

  // Landlines are stored as +886-<area>-<number>[#<extension>]; readers write them as 02-2720-1234.
  function localLandline(value) {
    const found = typeof value === "string" && value.match(/^\+886-(\d{1,3})-(\d{5,8})(?:#(\d+))?$/);
    if (!found) return value;
    const [, area, number, extension] = found;
    const grouped = `${number.slice(0, number.length - 4)}-${number.slice(-4)}`;
    return `0${area}-${grouped}${extension ? `#${extension}` : ""}`;
  }

  // A minor agrees through their guardian: the dialog says so.
  function guardianOf() {
    const born = profile && typeof profile.birth_date === "string" ? profile.birth_date : "";
    const [y, m, d] = born.split("-").map(Number);
    if (!y) return null;
    const now = new Date();
    const age = now.getFullYear() - y - (now.getMonth() + 1 < m || (now.getMonth() + 1 === m && now.getDate() < d) ? 1 : 0);
    return age < 18 ? {} : null;
  }

  // A moment (stored in UTC) as the date it was in Taipei, written YYYY-MM-DD like the other dates.
  function taipeiDate(iso) {
    const moment = new Date(iso);
    if (Number.isNaN(moment.getTime())) return String(iso).slice(0, 10);
    return moment.toLocaleDateString("en-CA", { timeZone: "Asia/Taipei" });
  }

  /** A profile from the API, or null: anything that is not one (another route's answer, an error page). */
  function profileOf(answer) {
    return typeof jsonMember(answer, "reader_id") === "string" ? answer.body : null;
  }

  const listOf = (value) => (Array.isArray(value) ? value.filter((item) => item && typeof item === "object") : []);

  // --- Profile ------------------------------------------------------------------------------------------
  function address(value) {
    return value ? `${value.postal_code || ""} ${value.city}${value.district}${value.street}`.trim() : "—";
  }

  // A field this reader's record does not have (a card holder's record comes from the library system) shows "—".
  const label = (prefix, value) => (value ? t(`${prefix}${value}`) : "");

  // What is true of the reader's card: an applicant is told of the application and its deadline; a reader whose
  // card was handed over here, of its issue; a card holder of the library system, of the card it holds.
  function cardRows() {
    const holder = profile.password_source === "library_system";
    const rows = [];
    if (!holder) rows.push(["reader_id", profile.reader_id]);
    rows.push(["card_type", t(`card_type_value_${profile.card_type}`)]);
    if (profile.card_barcode) rows.push(["card_barcode", profile.card_barcode]);
    if (profile.status === "pending_verification") {
      rows.push(["reader_status", t(`reader_status_${profile.status}`)]);
      rows.push(["verify_by", profile.verify_by]);
      rows.push(["created_at", (profile.created_at || "").slice(0, 10)]);
    } else {
      rows.push(["card_status", profile.card_status ? label("card_status_", profile.card_status) : t("card_status_valid")]);
      if (profile.activated_at) rows.push(["card_issued", taipeiDate(profile.activated_at)]);
      if (profile.card_expires) rows.push(["card_expires", profile.card_expires]);
    }
    return rows;
  }

  function renderProfile() {
    const rows = [
      ...cardRows(),
      ["name", profile.name],
      ["masked_id", profile.id_number_masked],
      ["gender", label("", profile.gender)],
      ["birth_date", profile.birth_date],
      ["occupation", label("occ_", profile.occupation)],
      ["education", label("edu_", profile.education)],
      ["mailing_address", address(profile.mailing_address)],
      ["household_address", address(profile.household_address)],
      ["phone_home_full", localLandline(profile.phone_home)],
      ["phone_office_full", localLandline(profile.phone_office)],
      ["household_phone", localLandline(profile.household_phone)],
      ["mobile", localMobile(profile.mobile)],
      ["email", profile.email
        && `${profile.email}${t("in_parens", { text: t(profile.email_verified ? "email_verified" : "email_not_verified") })}`],
    ];
    if (profile.library_address) rows.push(["library_address", profile.library_address]);
    const card = window.LibraryCard.fromProfile(profile);
    $("my-card").hidden = !window.LibraryCard.draw($("card"), card);
    // A card holder's record is the library system's: they change their password and contact data there, through
    // this page where the service can write to it, and nothing else.
    const cardHolder = profile.password_source === "library_system";
    const atTheLibrary = cardHolder && !profile.changes_in_library_system;
    $("password-at-the-library").hidden = !atTheLibrary;
    $("password-form").hidden = atTheLibrary;
    for (const field of document.querySelectorAll("[data-applicants-only]")) field.hidden = cardHolder;
    $("new-password-hint").hidden = cardHolder;
    $("new-password-hint-library").hidden = !cardHolder;
    $("new-password").setAttribute("aria-describedby", cardHolder ? "new-password-hint-library" : "new-password-hint");
    const nodes = [];
    for (const [key, value] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = t(key);
      const dd = document.createElement("dd");
      dd.textContent = value || "—";
      nodes.push(dt, dd);
    }
    $("profile").replaceChildren(...nodes);
    $("email-unverified").hidden = !profile.email || Boolean(profile.email_verified);
  }

  async function resendVerification() {
    const answer = await api("POST", "/v1/readers/me/email-verification");
    if (requireLogin(answer)) return;
    const result = $("resend-result");
    result.textContent = answer.status === 202 ? t("resend_done") : problemText(answer);
    result.hidden = false;
    result.focus();
  }

  // --- Links ----------------------------------------------------------------------------------------------
  function renderLinks() {
    for (const partner of PARTNERS) {
      const link = links[partner];
      const status = link ? link.status : "none";
      let text = t(`status_${status}`);
      if (status === "active" && link.partner_card_number) {
        const what = t(`partner_card_number_${partner.replace(/-/g, "_")}`);
        text += t("in_parens", { text: `${what}${t("label_colon")}${link.partner_card_number}` });
      }
      if (status === "pending" && link.partner_available === false) text += ` ${t("partner_down_note")}`;
      if (notes[partner]) text = `${notes[partner]} ${text}`;
      const el = $(`status-${partner}`);
      if (el.textContent !== text) el.textContent = text;
      const card = document.querySelector(`.partner-card[data-partner="${partner}"]`);
      const open = ["pending", "active", "unlinking", "agreed", "waiting_for_verification"].includes(status);
      card.querySelector(".link-button").hidden = open;
      card.querySelector(".unlink-button").hidden = status !== "active" && status !== "waiting_for_verification";
    }
  }

  async function refreshLinks() {
    const answer = await api("GET", "/v1/readers/me/links");
    if (requireLogin(answer)) return;
    const listed = jsonMember(answer, "links");
    if (!Array.isArray(listed)) return;  // not an answer about links: what is shown stays
    links = linksBy(listed);
    renderLinks();
  }

  const linksBy = (listed) => Object.fromEntries(listOf(listed)
    .filter((link) => PARTNERS.includes(link.partner) && typeof link.status === "string")
    .map((link) => [link.partner, link]));

  // --- Consent receipts: every decision, as the reader's own record of it ----------------------------------------
  function renderReceipts() {
    $("receipts-empty").hidden = receipts.length > 0;
    const when = (iso) => {
      const date = new Date(iso);
      if (Number.isNaN(date.getTime())) return String(iso || "—");
      return date.toLocaleString(window.I18N.lang === "en" ? "en-GB" : "zh-TW",
        { timeZone: "Asia/Taipei", dateStyle: "medium", timeStyle: "short" });
    };
    $("receipt-list").replaceChildren(...receipts.map((receipt) => {
      const li = document.createElement("li");
      const heading = document.createElement("p");
      heading.className = "receipt-head";
      const partnerKey = `partner_${String(receipt.partner).replace(/-/g, "_")}`;
      heading.textContent = `${t(partnerKey)}：${t(`decision_${receipt.decision}`)}`;
      const facts = document.createElement("p");
      // An erasure's receipt concerns the library's own record: it has no consent document, so no version.
      const versioned = receipt.partner !== "library_system";
      facts.textContent = t(versioned ? "receipt_facts" : "receipt_facts_no_version", { version: receipt.document_version,
                                               when: when(receipt.recorded_at), channel: t(`channel_${receipt.channel}`) });
      const id = document.createElement("p");
      id.append(`${t("receipt_id")}：`);
      const code = document.createElement("code");
      code.textContent = receipt.receipt_id;
      id.append(code);
      li.append(heading, facts, id);
      return li;
    }));
  }

  async function refreshReceipts() {
    const answer = await api("GET", "/v1/readers/me/consents");
    if (requireLogin(answer)) return;
    const listed = jsonMember(answer, "receipts");
    if (!Array.isArray(listed)) return;
    receipts = listOf(listed).filter((r) => typeof r.receipt_id === "string" && typeof r.partner === "string");
    renderReceipts();
  }

  let polling = null;
  function pollUntilSettled() {
    if (polling) return;
    let ticks = 0;
    polling = setInterval(async () => {
      ticks += 1;
      // While every waiting partner is down (hours, perhaps), look every 30 s rather than every second.
      const stalled = PARTNERS.every((p) => !links[p] || links[p].status !== "pending" || links[p].partner_available === false);
      if (stalled && PARTNERS.some((p) => links[p] && links[p].status === "pending") && ticks % 30 !== 0) return;
      await refreshLinks();
      const waiting = PARTNERS.some((p) => links[p] && !SETTLED.has(links[p].status) && !AT_THE_COUNTER.has(links[p].status));
      if (!waiting) {
        clearInterval(polling);
        polling = null;
        notes = {};
        renderLinks();
      }
    }, 1000);
  }

  async function enable(event) {
    const button = event.currentTarget;
    const partner = button.dataset.partner;
    const result = await askConsent(partner, guardianOf());
    button.focus();
    if (result.decision !== "agree") {
      notes[partner] = t("nothing_sent");
      renderLinks();
      return;
    }
    const answer = await api("POST", "/v1/readers/me/links", { partner, document_sha256: result.document.sha256 });
    if (requireLogin(answer)) return;
    if (answer.status === 202) {
      notes[partner] = t("request_sent");
      const status = jsonMember(answer, "status", 202);
      links[partner] = { partner, status: typeof status === "string" ? status : "pending" };
      refreshReceipts();
      renderLinks();
      $(`status-${partner}`).closest(".partner-card").querySelector("h3").scrollIntoView({ block: "nearest" });
      pollUntilSettled();
    } else {
      showErrors(document.body, summary(), problemErrors(answer.body));
    }
  }

  async function unlink(event) {
    const partner = event.currentTarget.dataset.partner;
    const answer = await api("DELETE", `/v1/readers/me/links/${encodeURIComponent(partner)}`);
    if (requireLogin(answer)) return;
    if (answer.status >= 300) {
      showErrors(document.body, summary(), problemErrors(answer.body));
      return;
    }
    await refreshLinks();
    pollUntilSettled();
  }

  // --- Revised consent documents ----------------------------------------------------------------------------
  function renderRevisions() {
    const notices = profile.consent_revisions;
    $("revisions").hidden = notices.length === 0;
    $("revision-list").replaceChildren(...notices.map((notice) => {
      const li = document.createElement("li");
      const text = document.createElement("p");
      text.textContent = t("revision_notice", { title: notice.title, version: notice.current_version })
        + (notice.summary_of_changes ? ` ${notice.summary_of_changes}` : "");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = t("read_and_decide");
      const result = document.createElement("p");
      result.setAttribute("role", "status");
      button.addEventListener("click", async () => {
        const answer = await askConsent(notice.partner, guardianOf());
        button.focus();
        if (answer.decision === "dismissed") return;
        const sent = await api("POST", "/v1/readers/me/consents", {
          partner: notice.partner, document_sha256: answer.document.sha256, decision: answer.decision });
        if (requireLogin(sent)) return;
        if (sent.status === 201) {
          result.textContent = t(answer.decision === "agree" ? "revision_agreed" : "revision_declined");
          button.hidden = true;
          refreshReceipts();
          await refreshLinks();
          pollUntilSettled();
        } else {
          showErrors(document.body, summary(), problemErrors(sent.body));
        }
      });
      li.append(text, button, result);
      return li;
    }));
  }

  // --- Correct my data, change password, erase, log out -----------------------------------------------------
  let mailing = () => null;

  function fillCorrections() {
    $("correct-occupation").value = profile.occupation;
    $("correct-education").value = profile.education;
    $("correct-phone-home").value = localLandline(profile.phone_home) || "";
    $("correct-phone-office").value = localLandline(profile.phone_office) || "";
    $("correct-household-phone").value = localLandline(profile.household_phone) || "";
    $("correct-mobile").value = localMobile(profile.mobile) || "";
    $("correct-email").value = profile.email || "";
  }

  async function correct(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const value = (id) => $(id).value.trim() || null;
    const changes = {
      occupation: $("correct-occupation").value,
      education: $("correct-education").value,
      phone_home: value("correct-phone-home"),
      phone_office: value("correct-phone-office"),
      household_phone: value("correct-household-phone"),
      mobile: value("correct-mobile"),
      email: value("correct-email"),
    };
    if (profile.password_source === "library_system") {
      for (const name of ["occupation", "education", "phone_office", "household_phone"]) delete changes[name];
    }
    const address_ = mailing();
    if (address_) changes.mailing_address = address_;
    // Only what differs is sent, so an untouched field is never "corrected".
    for (const [key, v] of Object.entries(changes)) {
      const before = key === "mobile" ? localMobile(profile.mobile)
        : key.includes("phone") ? localLandline(profile[key]) : profile[key];
      if (key !== "mailing_address" && (before ?? null) === v) delete changes[key];
    }
    if (changes.mailing_address && profile.mailing_address
        && ["city", "district", "street"].every((k) => profile.mailing_address[k] === changes.mailing_address[k])) {
      delete changes.mailing_address;
    }
    const answer = await api("PATCH", "/v1/readers/me", changes);
    if (requireLogin(answer)) return;
    const corrected = profileOf(answer);
    if (corrected) {
      clearErrors(form, summary());
      profile = { ...profile, ...corrected };
      renderProfile();
      $("correct-result").textContent = t("saved");
    } else {
      $("correct-result").textContent = "";
      showErrors(form, summary(), problemErrors(answer.body));
    }
  }

  async function changePassword(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const answer = await api("PUT", "/v1/readers/me/password", {
      current_password: $("current-password").value, password: $("new-password").value,
      password_confirm: $("new-password-confirm").value });
    if (answer.status === 204) {
      clearErrors(form, summary());
      form.reset();
      $("password-result").textContent = t("password_changed");
    } else if (!requireLogin(answer)) {
      showErrors(form, summary(), problemErrors(answer.body));
    }
  }

  async function erase(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const answer = await api("POST", "/v1/readers/me/erasure", { password: $("erase-password").value });
    if (answer.status === 202) {
      $("study").hidden = true;
      $("erased").hidden = false;
      $("erased").focus();
    } else if (!requireLogin(answer)) {
      const errors = problemErrors(answer.body).map((e) => ({ ...e, field: e.field === "password" ? "erase_password" : e.field }));
      showErrors(form, summary(), errors);
    }
  }

  async function logOut() {
    await api("DELETE", "/v1/sessions/current");
    window.CardOffline.forget();  // a card kept for offline use leaves with the reader (a library PC is shared)
    window.location.assign("/login");
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const answer = await api("GET", "/v1/readers/me");
    if (requireLogin(answer)) return;
    profile = profileOf(answer);
    if (!profile) {
      $("loading").textContent = problemText(answer);
      return;
    }
    links = linksBy(profile.links);
    profile.consent_revisions = listOf(profile.consent_revisions);
    renderProfile();
    window.CardOffline.refresh(window.LibraryCard.fromProfile(profile));
    $("resend-verification").addEventListener("click", resendVerification);
    renderLinks();
    renderRevisions();
    refreshReceipts();
    fillCorrections();
    mailing = await setupAddress($("correct-mailing"), profile.mailing_address);
    for (const button of document.querySelectorAll(".link-button")) button.addEventListener("click", enable);
    for (const button of document.querySelectorAll(".unlink-button")) button.addEventListener("click", unlink);
    $("correct-form").addEventListener("submit", correct);
    $("password-form").addEventListener("submit", changePassword);
    $("erase-form").addEventListener("submit", erase);
    $("logout").addEventListener("click", logOut);
    document.addEventListener("languagechange", () => { renderProfile(); renderLinks(); renderRevisions(); renderReceipts(); });
    $("loading").hidden = true;
    $("study").hidden = false;
    if (PARTNERS.some((p) => links[p] && links[p].status === "pending")) pollUntilSettled();
  });
})();
