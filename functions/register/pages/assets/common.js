// What every page shares: calling the API, showing its problem+json errors, the consent dialog, address pickers.
"use strict";
(function () {
  const t = (key, vars) => window.I18N.t(key, vars);

  function csrfToken() {
    const found = document.cookie.split("; ").find((c) => c.startsWith("onecard_csrf="));
    return found ? decodeURIComponent(found.slice("onecard_csrf=".length)) : "";
  }

  /** Calls our API in the page's language; answers {status, body}. Network failures become a 0 status with a
   * problem body. */
  async function api(method, path, body) {
    // The API's messages (errors, next steps) follow Accept-Language: the page's switch, not the browser's locale.
    const headers = { Accept: "application/json", "Accept-Language": window.I18N.lang === "en" ? "en" : "zh-TW" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
    let response;
    try {
      response = await fetch(path, {
        method, headers, credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_) {
      return { status: 0, body: { detail: t("network_error") } };
    }
    const text = await response.text();
    let parsed = null;
    // Text that is not JSON is said only when it is plain text (a proxy's one line); an error page is not shown.
    const plain = (response.headers.get("Content-Type") || "").startsWith("text/plain");
    try { parsed = text ? JSON.parse(text) : null; } catch (_) { parsed = plain ? { detail: text.slice(0, 300) } : null; }
    return { status: response.status, body: parsed };
  }

  /** Member `name` of the JSON object of an answer with the `expected` status (200 unless told), or null: another
   * status, a failed request, an empty body, text that is not JSON or another object (an error page, another
   * route's answer) all read as "not available". Every page reads the API's answers through this one helper. */
  function jsonMember(answer, name, expected = 200) {
    const body = answer && answer.status === expected ? answer.body : null;
    if (!body || typeof body !== "object" || Array.isArray(body)) return null;
    return body[name] === undefined ? null : body[name];
  }

  // --- Errors: next to each field and in a summary at the top that takes the focus ---------------------------
  function fieldContainer(form, path) {
    // "partners[0].document_sha256" and "mailing_address.city" fall back to the nearest named container.
    let name = path.replace(/\[\d+\]/g, "");
    while (name) {
      const found = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
      if (found && !found.closest("[hidden]")) return found;
      name = name.includes(".") ? name.slice(0, name.lastIndexOf(".")) : "";
    }
    return null;
  }

  function firstControl(container) {
    if (!container) return null;
    if (container.matches("input, select, textarea")) return container;
    return container.querySelector("input:not([type=hidden]):not(:disabled), select:not(:disabled), textarea, button");
  }

  function describe(control, id, add) {
    const ids = (control.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean).filter((x) => x !== id);
    if (add) ids.push(id);
    if (ids.length) control.setAttribute("aria-describedby", ids.join(" "));
    else control.removeAttribute("aria-describedby");
  }

  function clearErrors(form, summary) {
    for (const el of form.querySelectorAll(".field-error")) {
      for (const control of form.querySelectorAll(`[aria-describedby~="${el.id}"]`)) describe(control, el.id, false);
      el.remove();
    }
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    for (const el of form.querySelectorAll(".has-error")) el.classList.remove("has-error");
    if (summary) {
      summary.hidden = true;
      summary.querySelector("ul").replaceChildren();
      delete summary.querySelector("h2").dataset.errorCount;
    }
  }

  let errorCounter = 0;

  /** Shows each {field, message} beside its field and in the summary, then moves the focus to the summary. */
  function showErrors(form, summary, errors, fallbackMessage) {
    clearErrors(form, summary);
    const list = summary.querySelector("ul");
    const given = errors && errors.length ? errors : [{ field: "", message: fallbackMessage || t("network_error") }];
    // The summary lists the mistakes in the order of the form, whatever order the API found them in.
    const items = given.map((error) => ({ ...error, container: error.field ? fieldContainer(form, error.field) : null }))
      .sort((a, b) => {
        if (!a.container || !b.container) return (a.container ? 1 : 0) - (b.container ? 1 : 0);
        if (a.container === b.container) return 0;
        return a.container.compareDocumentPosition(b.container) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
      });
    for (const error of items) {
      const container = error.container;
      const control = firstControl(container);
      const item = document.createElement("li");
      if (container && control) {
        errorCounter += 1;
        const message = document.createElement("p");
        message.className = "field-error";
        message.id = `field-error-${errorCounter}`;
        message.textContent = error.message;
        const anchor = container.matches("fieldset") ? container.querySelector("legend") : container.querySelector("label");
        if (anchor && anchor.parentElement === container) anchor.after(message);
        else container.prepend(message);
        container.classList.add("has-error");
        const controls = container.matches("input, select") ? [container]
          : container.querySelectorAll("input:not(:disabled), select:not(:disabled), textarea");
        for (const c of controls) {
          c.setAttribute("aria-invalid", "true");
          describe(c, message.id, true);
        }
        if (!control.id) control.id = `control-${errorCounter}`;
        const link = document.createElement("a");
        link.href = `#${control.id}`;
        const name = anchor ? anchor.textContent.replace(/\s*\*\s*$/, "").trim() : "";
        link.textContent = name ? `${name}${t("label_colon")}${error.message}` : error.message;
        link.addEventListener("click", (event) => { event.preventDefault(); control.focus(); });
        item.append(link);
      } else {
        item.textContent = error.message;
      }
      list.append(item);
    }
    const heading = summary.querySelector("h2");
    heading.dataset.errorCount = String(items.length);
    heading.textContent = t("n_errors", { n: items.length });
    summary.hidden = false;
    summary.focus();
  }

  function problemErrors(body) {
    const answer = { status: "problem", body };
    const listed = jsonMember(answer, "errors", "problem");
    const errors = (Array.isArray(listed) ? listed : []).filter((e) => e && typeof e.message === "string");
    if (errors.length) return errors;
    return [{ field: "", message: problemText(answer) }];
  }

  /** The sentence of a refusal (its detail or title), or the network message when the answer has none. */
  function problemText(answer) {
    const any = { status: "problem", body: answer ? answer.body : null };
    const text = jsonMember(any, "detail", "problem") || jsonMember(any, "title", "problem");
    return typeof text === "string" && text ? text : t("network_error");
  }

  // --- The consent dialog: the partner's current document from the API; resolves agree, decline or dismissed ---
  const documents = {};

  async function consentDocument(partner) {
    if (!documents[partner]) {
      const answer = await api("GET", `/v1/consent-documents/${encodeURIComponent(partner)}`);
      const text = jsonMember(answer, "text_zh");
      // Only a whole document is shown and remembered: agreeing sends its hash.
      if (typeof text !== "string" || !jsonMember(answer, "sha256")) {
        throw new Error(problemText(answer));
      }
      documents[partner] = answer.body;
    }
    return documents[partner];
  }

  function renderDocument(container, text) {
    const blocks = text.split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
    const nodes = blocks.map((block) => {
      const heading = block.match(/^(#{1,6})\s+(.*)$/s);
      const el = document.createElement(heading ? "h3" : "p");
      el.textContent = heading ? heading[2] : block.replace(/^[-*]\s+/gm, "• ");
      return el;
    });
    container.replaceChildren(...nodes);
    container.scrollTop = 0;
  }

  /** Opens the dialog for `partner`; resolves {decision: "agree"|"decline"|"dismissed", document}. For a minor,
   * `guardian` ({name} or {}) says that the guardian is the one who reads and agrees. */
  async function askConsent(partner, guardian) {
    const dialog = document.getElementById("consent-dialog");
    const document_ = await consentDocument(partner);
    const guardianNote = dialog.querySelector("#consent-guardian");
    guardianNote.hidden = !guardian;
    if (guardian) {
      guardianNote.textContent = guardian.name ? t("consent_by_guardian_named", { name: guardian.name })
        : t("consent_by_guardian");
    }
    const english = window.I18N.lang === "en";
    dialog.querySelector("#consent-title").textContent = english && document_.title_en ? document_.title_en : document_.title;
    renderDocument(dialog.querySelector("#consent-text"),
      english && document_.text_en ? document_.text_en : document_.text_zh);
    const textLang = english && document_.text_en ? "en" : "zh-Hant-TW";
    const textBox = dialog.querySelector("#consent-text");
    if (textLang === document.documentElement.lang) textBox.removeAttribute("lang");
    else textBox.lang = textLang;
    return new Promise((resolve) => {
      let decision = "dismissed";
      const onClick = (event) => {
        const button = event.target.closest("button");
        if (!button) return;
        if (button.dataset.decision) decision = button.dataset.decision;
        if (button.dataset.decision || button.hasAttribute("data-close")) dialog.close();
      };
      const trapFocus = (event) => {
        if (event.key !== "Tab") return;
        const focusable = [...dialog.querySelectorAll("button, [tabindex='0']")].filter((el) => !el.hidden);
        const first = focusable[0];
        const last = focusable[focusable.length - 1];
        if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
        else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
      };
      dialog.addEventListener("click", onClick);
      dialog.addEventListener("keydown", trapFocus);
      dialog.addEventListener("close", () => {
        dialog.removeEventListener("click", onClick);
        dialog.removeEventListener("keydown", trapFocus);
        resolve({ decision, document: document_ });
      }, { once: true });
      dialog.showModal();
      dialog.querySelector("#consent-text").focus();
    });
  }

  // --- Address: city → district selects, the postal code shown ----------------------------------------------
  let postalData = null;  // one request for every address picker of the page
  function postalCodes() {
    if (!postalData) {
      postalData = api("GET", "/assets/postal-codes.json").then((answer) => {
        const cities = jsonMember(answer, "cities");
        const usable = Array.isArray(cities)
          ? cities.filter((c) => c && typeof c.name === "string" && Array.isArray(c.districts)) : [];
        if (!usable.length) postalData = null;  // without the table the pickers offer no choice; a later one asks again
        return usable;
      });
    }
    return postalData;
  }

  async function setupAddress(root, initial) {
    const cities = await postalCodes();
    const city = root.querySelector("select.city");
    const district = root.querySelector("select.district");
    const postal = root.querySelector(".postal-code");
    for (const c of cities) city.append(new Option(c.name, c.name));
    const fillDistricts = () => {
      const chosen = cities.find((c) => c.name === city.value);
      district.replaceChildren(new Option(t("choose"), ""));
      for (const d of chosen ? chosen.districts : []) district.append(new Option(d.name, d.name));
      showPostal();
    };
    const showPostal = () => {
      const chosen = cities.find((c) => c.name === city.value);
      const found = chosen && chosen.districts.find((d) => d.name === district.value);
      postal.textContent = found ? found.postal_code : "—";
    };
    city.addEventListener("change", fillDistricts);
    district.addEventListener("change", showPostal);
    if (initial && initial.city) {
      city.value = initial.city;
      fillDistricts();
      district.value = initial.district || "";
      showPostal();
      root.querySelector("input.street").value = initial.street || "";
    }
    return () => {
      const value = { city: city.value, district: district.value, street: root.querySelector("input.street").value.trim() };
      return value.city || value.district || value.street ? value : null;
    };
  }

  // The outcome of a one-step page (a link from a mail): a success or a warning, announced and focused.
  // `key`: the text is the page's own (not the API's), so a switch of language says it again in the other.
  function showResult(result, text, ok, key) {
    result.textContent = text;
    if (key) result.dataset.resultKey = key; else delete result.dataset.resultKey;
    result.classList.toggle("success", ok);
    result.classList.toggle("warning", !ok);
    result.hidden = false;
    result.focus();
  }

  // A switch of language redraws the texts of the page; an error summary's heading keeps its count.
  document.addEventListener("languagechange", () => {
    for (const heading of document.querySelectorAll(".error-summary h2[data-error-count]")) {
      heading.textContent = t("n_errors", { n: Number(heading.dataset.errorCount) });
    }
    for (const result of document.querySelectorAll("[data-result-key]")) result.textContent = t(result.dataset.resultKey);
  });

  window.OneCard = {
    api, jsonMember, csrfToken, showErrors, clearErrors, problemErrors, problemText, askConsent, setupAddress, showResult, t,
  };
})();
