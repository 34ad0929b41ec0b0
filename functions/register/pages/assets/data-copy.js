// 下載我的資料: the export (GET /v1/readers/me/export) as a person reads it — in the page's language, every field
// named, every code said in words — to read, print, or save as one HTML file; the JSON stays beside it.
"use strict";
(function () {
  const { api, jsonMember, problemText, t } = window.OneCard;
  const $ = (id) => document.getElementById(id);
  let copy = null;

  const ID_TYPES = { national_id: "id_national", resident_certificate: "id_resident", entry_permit: "id_entry_permit",
                     passport: "id_passport" };
  const known = (key, fallback) => (t(key) === key ? fallback : t(key));
  const partnerName = (code) => known(`partner_${String(code).replace(/-/g, "_")}`, String(code));
  const yesNo = (value) => t(value ? "yes" : "no_word");

  function when(value) {
    if (value === null || value === undefined || value === "") return "";
    const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;  // a date, not a moment
    return date.toLocaleString(window.I18N.lang === "en" ? "en-GB" : "zh-TW",
      { timeZone: "Asia/Taipei", dateStyle: "medium", timeStyle: "short" });
  }

  function address(value) {
    if (!value || typeof value !== "object") return "";
    return `${value.postal_code || ""} ${value.city || ""}${value.district || ""}${value.street || ""}`.trim();
  }

  function phone(value) {
    if (typeof value !== "string") return value;
    const mobile = value.match(/^\+8869(\d{8})$/);
    if (mobile) return `09${mobile[1]}`;
    const landline = value.match(/^\+886-(\d{1,3})-(\d{5,8})(?:#(\d+))?$/);
    if (!landline) return value;
    const [, area, number, extension] = landline;
    return `0${area}-${number.slice(0, -4)}-${number.slice(-4)}${extension ? `#${extension}` : ""}`;
  }

  // Each field of the profile: its label and how its value reads. Fields not listed are shown too (under
  // "other data"), so the copy stays complete whatever the service stores later.
  const PROFILE = [
    ["reader_id", "reader_id"], ["card_type", "card_type", (v) => known(`card_type_value_${v}`, v)],
    ["status", "reader_status", (v) => known(`reader_status_${v}`, v)],
    ["card_barcode", "card_barcode"], ["card_status", "card_status", (v) => known(`card_status_${v}`, v)],
    ["card_expires", "card_expires"], ["activated_at", "card_issued", when], ["verify_by", "verify_by"],
    ["created_at", "record_created", when], ["name", "name"],
    ["nationality_type", "nationality", (v) => known(`nat_${v}`, v)],
    ["id_type", "id_type", (v) => known(ID_TYPES[v] || v, v)], ["id_number", "id_number"],
    ["id_number_masked", "masked_id_shown"], ["passport_country", "passport_country"],
    ["gender", "gender", (v) => known(v, v)], ["birth_date", "birth_date"],
    ["occupation", "occupation", (v) => known(`occ_${v}`, v)], ["education", "education", (v) => known(`edu_${v}`, v)],
    ["mailing_address", "mailing_address", address], ["household_same_as_mailing", "same_as_mailing", yesNo],
    ["household_address", "household_address", address], ["library_address", "library_address"],
    ["phone_home", "phone_home_full", phone], ["phone_office", "phone_office_full", phone],
    ["household_phone", "household_phone", phone], ["mobile", "mobile", phone], ["email", "email"],
    ["email_verified", "email_verified_field", yesNo],
    ["password_source", "password_kept_by", (v) => known(`password_source_${v}`, v)],
    ["password", "password", () => t("password_held_as_hash")],
  ];
  const GUARDIAN = [["name", "guardian_name"], ["relationship", "guardian_relationship",
    (v) => known(v === "legal_guardian" ? "legal_guardian" : v, v)], ["id_number", "guardian_id"],
    ["phone", "guardian_phone", phone]];
  const HOUSEHOLD = [["register_number", "household_number"], ["head_name", "household_head_name"],
    ["head_id_number", "household_head_id"]];
  const NOTICES = [["links", "notice_links", yesNo], ["consent_revisions", "notice_revisions", yesNo]];

  function element(tag, text, className) {
    const el = document.createElement(tag);
    if (text !== undefined) el.textContent = text;
    if (className) el.className = className;
    return el;
  }

  function facts(record, fields) {
    const list = element("dl", undefined, "profile");
    const shown = new Set();
    for (const [key, label, read] of fields) {
      shown.add(key);
      const value = record[key];
      if (value === null || value === undefined || value === "") continue;
      list.append(element("dt", t(label)), element("dd", String(read ? read(value) : value)));
    }
    return { list, rest: Object.keys(record).filter((key) => !shown.has(key)) };
  }

  function section(titleKey, ...content) {
    const box = element("section");
    box.append(element("h2", t(titleKey)), ...content);
    return box;
  }

  function table(headKeys, rows) {
    if (!rows.length) return element("p", t("copy_none"));
    // A phone may need to scroll a wide table sideways: the keyboard can too.
    const wrap = element("div", undefined, "table-wrap");
    wrap.tabIndex = 0;
    const grid = element("table");
    const head = element("tr");
    for (const key of headKeys) {
      const th = element("th", t(key));
      th.scope = "col";
      head.append(th);
    }
    const thead = element("thead");
    thead.append(head);
    const tbody = element("tbody");
    for (const cells of rows) {
      const tr = element("tr");
      for (const cell of cells) tr.append(element("td", cell === null || cell === undefined || cell === "" ? "—" : String(cell)));
      tbody.append(tr);
    }
    grid.append(thead, tbody);
    wrap.setAttribute("role", "group");
    wrap.setAttribute("aria-label", headKeys.map((key) => t(key)).join(" / "));
    wrap.append(grid);
    return wrap;
  }

  function draw() {
    const profile = copy.profile && typeof copy.profile === "object" ? copy.profile : {};
    const parts = [];
    const meta = element("p");
    meta.textContent = t("copy_made", { when: when(copy.exported_at), controller: t("site_name") });
    parts.push(meta);

    const main = facts(profile, PROFILE);
    const about = [main.list];
    if (profile.guardian && typeof profile.guardian === "object") {
      about.push(element("h3", t("guardian")), facts(profile.guardian, GUARDIAN).list);
    }
    if (profile.household && typeof profile.household === "object") {
      about.push(element("h3", t("household_legend")), facts(profile.household, HOUSEHOLD).list);
    }
    if (profile.notices && typeof profile.notices === "object") {
      about.push(element("h3", t("notices_title")), facts(profile.notices, NOTICES).list);
    }
    const rest = main.rest.filter((key) => !["guardian", "household", "notices"].includes(key) && profile[key] != null);
    if (rest.length) {
      about.push(element("h3", t("copy_other")),
        facts(profile, rest.map((key) => [key, key, (v) => (typeof v === "object" ? JSON.stringify(v) : v)])).list);
    }
    parts.push(section("copy_profile", ...about));

    const items = Array.isArray(copy.links) ? copy.links.filter((i) => i && typeof i === "object") : [];
    const linkStatus = (s) => known(`status_${s}`, s);
    parts.push(section("links_title",
      table(["copy_partner", "status_word", "copy_partner_card", "copy_updated"],
        items.filter((i) => String(i.sk || "").startsWith("LINK#"))
          .map((i) => [partnerName(i.partner), linkStatus(i.status), i.partner_card_number, when(i.updated_at || i.status_at)])),
      element("h3", t("copy_link_history")),
      table(["copy_when", "copy_partner", "status_word"],
        items.filter((i) => String(i.sk || "").startsWith("LINKEVENT#"))
          .map((i) => [when(i.at), partnerName(i.partner), linkStatus(i.status)]))));

    const receipts = Array.isArray(copy.consent_receipts) ? copy.consent_receipts.filter((r) => r && typeof r === "object") : [];
    parts.push(section("receipts_title", table(["copy_when", "copy_partner", "copy_version", "copy_decision", "copy_channel", "receipt_id"],
      receipts.map((r) => [when(r.recorded_at), partnerName(r.partner), r.document_version,
        known(`decision_${r.decision}`, r.decision), known(`channel_${r.channel}`, r.channel), r.receipt_id]))));

    const audit = Array.isArray(copy.audit_trail) ? copy.audit_trail.filter((a) => a && typeof a === "object") : [];
    const fieldName = (f) => {
      const entry = PROFILE.find(([key]) => key === f);
      return entry ? t(entry[1]) : known(`audit_field_${f}`, f);
    };
    parts.push(section("copy_audit", table(["copy_when", "copy_field", "copy_action", "copy_by"],
      audit.map((a) => [when(a.at), fieldName(a.field), known(`audit_${a.action}`, a.action),
        `${known(`by_${a.by}`, a.by)}（${known(`channel_${a.channel}`, a.channel)}）`]))));

    const sessions = Array.isArray(copy.sessions) ? copy.sessions.filter((s) => s && typeof s === "object") : [];
    parts.push(section("copy_sessions", table(["copy_logged_in", "copy_expires"],
      sessions.map((s) => [when(s.created_at), when(s.expires_at)]))));
    $("copy-body").replaceChildren(...parts);
  }

  // The copy as one file: this page's text and the stylesheet's rules, nothing that needs the service.
  async function save() {
    const css = await fetch("/assets/site.css").then((r) => (r.ok ? r.text() : "")).catch(() => "");
    const lang = document.documentElement.lang;
    const html = `<!DOCTYPE html>\n<html lang="${lang}"><head><meta charset="utf-8">`
      + `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${document.title}</title>`
      + `<style>${css}</style></head><body><main>${$("main").querySelector("h1").outerHTML}`
      + `${$("copy-body").innerHTML}</main></body></html>\n`;
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([html], { type: "text/html;charset=utf-8" }));
    link.download = `tpml-reader-data-${(copy.exported_at || "").slice(0, 10) || "copy"}.html`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const answer = await api("GET", "/v1/readers/me/export");
    if (answer.status === 401) {
      window.location.assign("/login");
      return;
    }
    const profile = jsonMember(answer, "profile");
    if (!profile || typeof profile !== "object") {
      $("loading").textContent = problemText(answer);
      return;
    }
    copy = answer.body;
    draw();
    $("copy-save").addEventListener("click", save);
    $("copy-print").addEventListener("click", () => window.print());
    document.addEventListener("languagechange", draw);
    $("loading").hidden = true;
    $("copy").hidden = false;
  });
})();
