// The staff page: sign in at the staff user pool (password, first-time new password, TOTP set-up or code), then
// the counter, the duplicate reviews and the partners' state. Tokens live in this script's memory only; they are
// renewed with the refresh token before they expire (and once more when the API says 401), so a counter shift
// is not interrupted, and everything is forgotten after 15 minutes without a key or a click.
"use strict";
(function () {
  window.I18N.add({
    staff_title: "Staff desk", staff_sign_in: "Staff sign-in", staff_username: "User name", staff_sign_in_button: "Sign in",
    staff_new_password_title: "First sign-in: choose a new password",
    staff_new_password_hint: "At least 14 characters with upper- and lower-case letters, digits and symbols.",
    staff_new_password: "New password", staff_set_password: "Set the new password",
    staff_mfa_setup_title: "Set up two-step verification",
    staff_mfa_setup_text: "Scan the QR code with an authenticator app (such as Google or Microsoft Authenticator), or add an account with the key below; then enter the 6-digit code it shows.",
    staff_mfa_secret: "Key: ", staff_mfa_code: "Code (6 digits)", staff_mfa_setup_button: "Finish set-up",
    staff_mfa_title: "Two-step verification", staff_mfa_button: "Confirm", staff_signed_in_as: "Signed in: ",
    staff_sign_out: "Sign out", staff_idle_hint: "You are signed out after 15 minutes without activity.",
    staff_views: "Staff functions", staff_counter: "Counter", staff_reviews: "Duplicate reviews", staff_partners: "Partners",
    staff_lookup_number: "Applicant's ID number (a scanner may type it)", staff_lookup: "Look up",
    staff_purpose: "Purpose of the look-up (kept in the reader's audit trail)",
    staff_purpose_identity_check: "Check the identity document and hand over the card",
    staff_purpose_reader_enquiry: "A reader's enquiry at the counter",
    staff_applicant: "Application", staff_document_checked: "Identity document checked",
    staff_doc_national: "National ID card", staff_doc_resident: "Resident certificate", staff_doc_passport: "Passport",
    staff_doc_household: "Household register", staff_doc_entry: "Entry permit",
    staff_barcode: "Library card barcode (scan)", staff_activate: "Activate the card",
    staff_reviews_empty: "No application waits for a review.", staff_partners_caption: "Each partner's state and backlog",
    staff_partner: "Partner", staff_state: "State", staff_rate: "Calls per second", staff_backlog: "Waiting requests",
    staff_guardian_check: "The guardian at the counter",
    staff_guardian_hint: "The applicant is under 18: ask the adult who came along for their identity document and type its number, to check that they are the guardian named in the application.",
    staff_guardian_number: "ID number of the adult present", staff_guardian_button: "Check the guardian",
    staff_replacement: "Give another card",
    staff_replacement_hint: "A lost or damaged card, or a barcode the library system holds for someone else: scan a new card to give the reader; the old barcode stops working at once.",
    staff_replacement_reason: "Reason", staff_reason_refused: "The library system holds this barcode (someone else's)",
    staff_reason_lost: "Lost", staff_reason_damaged: "Damaged", staff_replacement_barcode: "New card barcode (scan)",
    staff_replace: "Give the new card",
  });
  const ZH = {
    signed_out: "已登出。", idle_out: "閒置超過 15 分鐘，已自動登出。", bad_sign_in: "帳號或密碼錯誤。",
    bad_code: "驗證碼不正確，請重新輸入。", password_mismatch: "兩次輸入的新密碼不相同。",
    weak_password: "新密碼不符合規則：至少 14 個字元，需含大寫與小寫英文字母、數字及符號。",
    no_application: "查無此證號的申請。", already_active: "此讀者的借閱證已啟用。", expired: "此申請已逾期失效，請申請人重新辦證。",
    barcode_taken: "此借閱證條碼已屬於其他讀者，請換一張卡。", rejected_as_duplicate: "此申請經審核為重複申請，不予啟用。",
    activated: "已啟用借閱證 {barcode}。", decided_distinct: "已標記為不同人。", decided_duplicate: "已標記為同一人（不予啟用）。",
    not_allowed: "此功能不在您的權限內。", session_over: "登入已逾時，請重新登入。", network: "無法連線，請稍後再試。",
    no_application_hint: "查無此證號的申請（逾期未辦理的申請已刪除，請申請人重新申請）。",
    reader_id: "讀者編號", status: "狀態", name: "姓名", birth_date: "生日", id_number: "證號", card_type: "證別",
    address: "通訊地址", guardian: "法定代理人", verify_by: "辦理期限", mobile: "行動電話",
    library_system: "圖書館系統",
    household_number: "戶號（家庭證）", household_head: "戶長姓名", household_address: "戶籍地址",
    relationship_father: "父", relationship_mother: "母", relationship_legal_guardian: "監護人",
    different: "不同人", same: "同一人", flagged: "此申請", resembles: "相似的紀錄", up: "正常", down: "中斷",
    status_pending_verification: "待臨櫃驗證", status_active: "已啟用", status_removed: "已刪除",
    card_personal: "個人證", card_family: "家庭證",
    guardian_matches: "相符：到場者為申請書所填的法定代理人。", guardian_differs: "不相符：此證號不是申請書所填法定代理人的證號。",
    guardian_first: "申請人未滿 18 歲：請先確認到場的法定代理人，再啟用借閱證。", guardian_id: "法定代理人證號（遮蔽）",
    mfa_qr: "驗證器 App 的 QR code",
    lib_held: "自 {since} 起已有此讀者：{category}", lib_category_provisional: "暫時讀者（尚不能借閱）",
    lib_category_full: "正式借閱證", lib_pending_create: "等待建立暫時讀者", lib_pending_upgrade: "等待升級為正式借閱證",
    lib_pending_password: "等待設定讀者密碼", lib_pending_card: "等待換上新借閱證條碼",
    lib_why_queued: "排隊送出中", lib_why_unreachable: "圖書館系統暫時無法連線，恢復後自動送出",
    lib_why_down: "圖書館系統停止回應，恢復後自動送出", lib_why_rate: "依約定速率排隊中",
    lib_waiting: "{what}，{why}（自 {since} 起）", lib_down_since: "（圖書館系統自 {since} 起中斷）",
    lib_refused: "於 {at} 拒絕（代碼 {code}）：{words}", lib_detail: "；圖書館系統說明：{detail}",
    lib_refusal_duplicate: "已有同名同生日之讀者，已送審核", lib_refusal_cardnumber: "此借閱證條碼已屬他人，請換發新卡",
    lib_refusal_password: "不接受讀者的密碼，請讀者於櫃檯重設", lib_refusal_data: "不接受此筆資料",
    lib_refusal_failed: "多日無法送達，請洽系統管理員", lib_not_sent: "尚未送出：申請人尚未完成電子信箱驗證",
    lib_join: "；", colon: "：",
    replaced: "已換發借閱證 {barcode}，原條碼 {old} 已停用。", replacement_barcode: "新卡條碼",
    replacement_reason: "換證原因", replacement_barcode_format: "請掃描新借閱證的條碼（6 至 20 個英文字母或數字）。",
    same_barcode: "新卡條碼與讀者目前的條碼相同，請掃描另一張新卡。",
    barcode_held_by_library_system: "此借閱證條碼在圖書館系統已屬於其他讀者，請改用另一張新卡。",
    not_active: "此讀者的借閱證尚未啟用，請先啟用借閱證。", card_changed: "讀者的借閱證剛有變更，請重新查詢後再試。",
    reason_unknown: "請選擇換證原因。",
    card_refused_hint: "圖書館系統已有此讀者借閱證的條碼（屬他人）：請掃描另一張新卡換發。",
  };
  const EN = {
    signed_out: "Signed out.", idle_out: "Signed out after 15 minutes without activity.",
    bad_sign_in: "Wrong user name or password.", bad_code: "The code is not right; enter it again.",
    password_mismatch: "The two new passwords differ.",
    weak_password: "The new password does not meet the rules: at least 14 characters with upper- and lower-case letters, digits and symbols.",
    no_application: "No application for this ID number.", already_active: "This reader's card is already active.",
    expired: "This application has expired; the applicant must apply again.",
    barcode_taken: "This barcode belongs to another reader; use another card.",
    rejected_as_duplicate: "This application was rejected as a duplicate.", activated: "Card {barcode} activated.",
    decided_distinct: "Marked as different people.", decided_duplicate: "Marked as the same person (not to be activated).",
    not_allowed: "Your role does not allow this.", session_over: "Your sign-in has ended; sign in again.",
    no_application_hint: "No application for this ID number (an application not completed in time has been deleted; the applicant must apply again).",
    network: "Cannot connect; try again later.", reader_id: "Reader ID", status: "Status", name: "Name",
    birth_date: "Date of birth", id_number: "ID number", card_type: "Card type", address: "Mailing address",
    guardian: "Legal guardian", verify_by: "Collect by", mobile: "Mobile phone",
    library_system: "Library system",
    household_number: "Household register number (family card)", household_head: "Head of household",
    household_address: "Registered household address", relationship_father: "father", relationship_mother: "mother",
    relationship_legal_guardian: "legal guardian",
    different: "Different people", same: "The same person", flagged: "This application", resembles: "Resembles",
    up: "Up", down: "Down", status_pending_verification: "Waits for the counter", status_active: "Active",
    status_removed: "Removed", card_personal: "Personal card", card_family: "Family card",
    guardian_matches: "Matches: the adult present is the guardian named in the application.",
    guardian_differs: "Does not match: this is not the ID number of the guardian named in the application.",
    guardian_first: "The applicant is under 18: check the guardian present before activating the card.",
    guardian_id: "Guardian's ID number (masked)", mfa_qr: "QR code for the authenticator app",
    lib_held: "holds the reader since {since} as a {category}", lib_category_provisional: "provisional patron (no loans yet)",
    lib_category_full: "full card", lib_pending_create: "waiting to be created as a provisional patron",
    lib_pending_upgrade: "waiting to become a full card", lib_pending_password: "waiting to set the reader's password",
    lib_pending_card: "waiting for the new card barcode", lib_why_queued: "queued",
    lib_why_unreachable: "the library system cannot be reached; sent when it is back",
    lib_why_down: "the library system is down; sent when it is back",
    lib_why_rate: "waiting for its turn at the agreed rate", lib_waiting: "{what}: {why} (since {since})",
    lib_down_since: " (the library system has been down since {since})",
    lib_refused: "refused at {at} (code {code}): {words}", lib_detail: "; the library system says: {detail}",
    lib_refusal_duplicate: "a patron with this name and birth date exists; sent to the reviewers",
    lib_refusal_cardnumber: "this barcode belongs to someone else there; give the reader another card",
    lib_refusal_password: "the reader's password was refused; reset it at the counter",
    lib_refusal_data: "the record was refused", lib_refusal_failed: "could not be reached for days; ask the operators",
    lib_not_sent: "not sent yet: the e-mail address is not verified", lib_join: "; ", colon: ": ",
    replaced: "Card {barcode} given; the old barcode {old} no longer works.", replacement_barcode: "New card barcode",
    replacement_reason: "Reason", replacement_barcode_format: "Scan the new card's barcode (6 to 20 letters or digits).",
    same_barcode: "This is the reader's current barcode; scan another new card.",
    barcode_held_by_library_system: "The library system holds this barcode for another card holder; use another new card.",
    not_active: "This reader's card is not active yet; activate it first.",
    card_changed: "The reader's card changed meanwhile; look them up again.", reason_unknown: "Choose a reason.",
    card_refused_hint: "The library system holds this reader's card barcode for someone else: scan another new card to give them.",
  };
  const say = (key, vars) => {
    let text = (window.I18N.lang === "en" ? EN[key] : ZH[key]) || key;
    for (const [name, value] of Object.entries(vars || {})) text = text.replace("{" + name + "}", String(value));
    return text;
  };
  const IDLE_MS = 15 * 60 * 1000;
  // A token is renewed this long before it expires (or at four fifths of a shorter life).
  const RENEW_EARLY_MS = 5 * 60 * 1000;
  const RETRY_RENEWAL_MS = 30 * 1000;
  const $ = (id) => document.getElementById(id);
  const { jsonMember } = window.OneCard;
  let main, tokens = null, who = null, pending = null, idleTimer = null, lastActive = 0;
  let renewalTimer = null, renewing = null;

  // --- The user pool ---------------------------------------------------------------------------------------
  async function pool(action, body) {
    let response;
    try {
      response = await fetch(main.dataset.signInEndpoint, {
        method: "POST", credentials: "omit", body: JSON.stringify(body),
        headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService." + action },
      });
    } catch (_) {
      return { ok: false, error: "network" };
    }
    const answer = { status: response.status, body: await response.json().catch(() => null) };
    if (response.ok) return { ok: true, ...answer };
    const type = jsonMember(answer, "__type", response.status) || jsonMember(answer, "code", response.status);
    return { ok: false, error: String(type || "").split("#").pop() };
  }

  // The user pool's answers, read like the API's: a member, or null when the answer has another shape.
  const poolMember = (answer, name) => (answer.ok ? jsonMember(answer, name) : null);

  // The authenticator app's set-up as a QR code (RFC 6238 key in the otpauth URI the apps read), drawn here.
  function drawQr(username, secret) {
    const box = $("mfa-qr");
    box.replaceChildren();
    if (typeof window.qrcode !== "function") return;
    const issuer = "TPML staff";
    const uri = `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(username)}`
      + `?secret=${encodeURIComponent(secret)}&issuer=${encodeURIComponent(issuer)}`;
    const code = window.qrcode(0, "M");
    code.addData(uri);
    code.make();
    const count = code.getModuleCount();
    const quiet = 4;
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    const size = count + 2 * quiet;
    svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
    svg.setAttribute("shape-rendering", "crispEdges");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", say("mfa_qr"));
    svg.dataset.modules = String(count);
    const background = document.createElementNS(ns, "rect");
    background.setAttribute("width", String(size));
    background.setAttribute("height", String(size));
    background.setAttribute("fill", "#ffffff");
    const path = document.createElementNS(ns, "path");
    let d = "";
    for (let row = 0; row < count; row += 1) {
      for (let column = 0; column < count; column += 1) {
        if (code.isDark(row, column)) d += `M${column + quiet} ${row + quiet}h1v1h-1z`;
      }
    }
    path.setAttribute("d", d);
    path.setAttribute("fill", "#000000");
    svg.append(background, path);
    box.append(svg);
  }

  function show(section, focusId) {
    for (const id of ["sign-in", "new-password", "mfa-setup", "mfa", "work"]) $(id).hidden = id !== section;
    if (focusId) $(focusId).focus();
  }

  function message(text) { $("staff-error").hidden = true; $("staff-message").textContent = text || ""; }
  function error(text) {
    const box = $("staff-error");
    box.querySelector("p").textContent = text;
    box.hidden = false;
    $("staff-message").textContent = "";
  }

  async function next(answer) {
    if (!answer.ok && answer.error === "NotAuthorizedException" && pending && pending.session) {
      pending = null;  // the pool's few minutes for a sign-in's steps are over: start again
      show("sign-in", "staff-username");
      return error(say("session_over"));
    }
    if (!answer.ok) return error(say(answer.error === "CodeMismatchException" ? "bad_code"
      : answer.error === "InvalidPasswordException" ? "weak_password"
      : answer.error === "network" ? "network" : "bad_sign_in"));
    const parameters = poolMember(answer, "ChallengeParameters");
    const named = parameters && typeof parameters.USERNAME === "string" ? parameters.USERNAME : null;
    pending = { session: poolMember(answer, "Session"), username: named || pending.username };
    const result = poolMember(answer, "AuthenticationResult");
    if (result && typeof result.IdToken === "string") return signedIn(result);
    message("");
    const challenge = poolMember(answer, "ChallengeName");
    if (challenge === "NEW_PASSWORD_REQUIRED") return show("new-password", "staff-new-password");
    if (challenge === "SOFTWARE_TOKEN_MFA") return show("mfa", "staff-mfa-code");
    if (challenge === "MFA_SETUP") {
      const associated = await pool("AssociateSoftwareToken", { Session: pending.session });
      const secret = poolMember(associated, "SecretCode");
      if (typeof secret !== "string") return error(say("bad_sign_in"));
      pending.session = poolMember(associated, "Session") || pending.session;
      $("mfa-secret").textContent = secret;
      drawQr(pending.username, secret);
      return show("mfa-setup", "staff-mfa-setup-code");
    }
    return error(say("bad_sign_in"));
  }

  function respond(challenge, responses) {
    return pool("RespondToAuthChallenge", { ClientId: main.dataset.clientId, ChallengeName: challenge,
      Session: pending.session, ChallengeResponses: { USERNAME: pending.username, ...responses } });
  }

  function claims(token) {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(part + "===".slice((part.length + 3) % 4)), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  // Keeps a sign-in's or a renewal's tokens and schedules the next renewal. The lifetime is the token's own
  // (exp − iat), counted on this computer's clock from now: a counter PC's clock may be minutes off.
  function keep(result) {
    tokens = { id: result.IdToken, access: result.AccessToken, refresh: result.RefreshToken || (tokens && tokens.refresh) };
    const c = claims(tokens.id);
    const lifeMs = Math.min(c.exp - c.iat, result.ExpiresIn || Infinity) * 1000;
    scheduleRenewal(Math.max(1000, lifeMs - Math.min(RENEW_EARLY_MS, lifeMs / 5)));
    return c;
  }

  function scheduleRenewal(delay) {
    clearTimeout(renewalTimer);
    renewalTimer = setTimeout(renew, delay);
  }

  // One renewal at a time (InitiateAuth with REFRESH_TOKEN_AUTH); answers whether fresh tokens came. A refused
  // refresh token (ended by a sign-out elsewhere, or older than the client allows) ends the sign-in; a network
  // failure keeps the tokens and tries again shortly.
  function renew() {
    if (!tokens || !tokens.refresh) return Promise.resolve(false);
    if (!renewing) {
      const refreshToken = tokens.refresh;
      renewing = pool("InitiateAuth", { ClientId: main.dataset.clientId, AuthFlow: "REFRESH_TOKEN_AUTH",
        AuthParameters: { REFRESH_TOKEN: refreshToken } }).then((answer) => {
        renewing = null;
        if (!tokens || tokens.refresh !== refreshToken) return false;  // signed out meanwhile
        const result = poolMember(answer, "AuthenticationResult");
        if (result && typeof result.IdToken === "string") { keep(result); return true; }
        if (answer.error === "network") scheduleRenewal(RETRY_RENEWAL_MS);
        else signOut("session_over");
        return false;
      });
    }
    return renewing;
  }

  function signedIn(result) {
    const c = keep(result);
    const raw = c["cognito:groups"] || [];
    who = { name: c.name || c["cognito:username"], username: c["cognito:username"], branch: c["custom:branch"] || "",
            groups: Array.isArray(raw) ? raw : String(raw).split(/[ ,]/).filter(Boolean) };
    pending = null;
    lastActive = Date.now();
    for (const id of ["staff-username", "staff-password", "staff-new-password", "staff-new-password-confirm", "staff-mfa-code", "staff-mfa-setup-code"]) $(id).value = "";
    $("mfa-secret").textContent = "";
    $("mfa-qr").replaceChildren();
    $("staff-who").textContent = `${who.name}（${who.username}，${who.branch}）`;
    const allowed = { counter: ["counter", "supervisor"], reviews: ["reviewer", "supervisor"], partners: ["supervisor"] };
    let first = null;
    for (const button of document.querySelectorAll(".view-button")) {
      const ok = allowed[button.dataset.view].some((g) => who.groups.includes(g));
      button.closest("li").hidden = !ok;
      if (ok && !first) first = button.dataset.view;
    }
    message("");
    show("work");
    touch();
    openView(first);
  }

  function signOut(reason) {
    if (tokens && tokens.access) pool("GlobalSignOut", { AccessToken: tokens.access });
    tokens = null; who = null; pending = null; renewing = null; current = null; reviews = []; partners = [];
    clearTimeout(idleTimer);
    clearTimeout(renewalTimer);
    for (const view of document.querySelectorAll(".view")) view.hidden = true;
    $("applicant").hidden = true;
    $("applicant-details").textContent = "";
    $("lookup-id-number").value = "";
    $("card-barcode").value = "";
    $("replacement-barcode").value = "";
    $("review-list").textContent = "";
    $("partner-table").querySelector("tbody").textContent = "";
    $("staff-who").textContent = "";
    show("sign-in", "staff-username");
    message(say(reason));
  }

  // A key or a click keeps the sign-in; 15 minutes without one ends it. The time is checked as well as the
  // timer, because a sleeping computer holds timers back.
  function touch() {
    if (!tokens) return;
    if (Date.now() - lastActive >= IDLE_MS) return signOut("idle_out");
    lastActive = Date.now();
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => signOut("idle_out"), IDLE_MS);
  }

  // --- The staff API ------------------------------------------------------------------------------------------
  function send(method, path, body) {
    const headers = { Accept: "application/json", Authorization: tokens ? tokens.id : "" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(path, { method, headers, credentials: "omit", body: body === undefined ? undefined : JSON.stringify(body) })
      .catch(() => null);
  }

  async function call(method, path, body) {
    touch();
    if (!tokens) return { status: 401, body: null };
    let response = await send(method, path, body);
    // A token that expired anyway (a sleeping computer, a late timer): renew once and ask again.
    if (response && response.status === 401 && tokens && await renew()) response = await send(method, path, body);
    if (!response) return { status: 0, body: null };
    const parsed = await response.json().catch(() => null);
    if (response.status === 401) signOut("session_over");
    if (response.status === 403) error(say("not_allowed"));
    return { status: response.status, body: parsed };
  }

  function openView(name) {
    for (const button of document.querySelectorAll(".view-button")) {
      if (button.dataset.view === name) button.setAttribute("aria-current", "page"); else button.removeAttribute("aria-current");
    }
    for (const view of document.querySelectorAll(".view")) view.hidden = view.id !== "view-" + name;
    if (name === "counter") $("lookup-id-number").focus();
    if (name === "reviews") loadReviews("heading");
    if (name === "partners") loadPartners();
  }

  function row(list, term, value, cls) {
    const dt = document.createElement("dt"); dt.textContent = term;
    const dd = document.createElement("dd"); dd.textContent = value == null || value === "" ? "—" : value;
    if (cls) dd.className = cls;
    list.append(dt, dd);
  }
  const address = (a) => a ? [a.postal_code, a.city, a.district, a.street].filter(Boolean).join(" ") : "";
  // A refusal's sentence: the first field's message, the detail, or the network message.
  const refusalText = (answer) => {
    const errors = jsonMember(answer, "errors", answer.status);
    const first = Array.isArray(errors) && errors[0] && typeof errors[0].message === "string" ? errors[0].message : null;
    const detail = jsonMember(answer, "detail", answer.status);
    return first || (typeof detail === "string" && detail) || say("network");
  };
  const listOf = (answer, name) => {
    const listed = jsonMember(answer, name);
    return Array.isArray(listed) ? listed.filter((item) => item && typeof item === "object") : null;
  };
  const known = (prefix, value) => say(prefix + value) === prefix + value ? value : say(prefix + value);
  const statusText = (s) => known("status_", s);
  const text = (value) => (typeof value === "string" && value ? value : "—");

  // Whether the library system has the application, drawn from the API's fields in the page's language (its
  // `words` are one zh-TW sentence for other clients): the patron it holds, then what waits, or its refusal.
  function libraryText(s) {
    if (!s || typeof s.state !== "string") return "";
    const parts = [];
    if (typeof s.category === "string") {
      parts.push(say("lib_held", { since: text(s.held_since || (s.state === "held" ? s.since : "")),
                                   category: known("lib_category_", s.category) }));
    }
    if (s.state === "not_sent") parts.push(say("lib_not_sent"));
    if (s.state === "waiting") {
      parts.push(say("lib_waiting", { what: known("lib_pending_", text(s.pending)), why: known("lib_why_", text(s.reason)),
                                      since: text(s.since) })
        + (typeof s.down_since === "string" ? say("lib_down_since", { since: s.down_since }) : ""));
    }
    if (s.state === "refused") {
      parts.push(say("lib_refused", { at: text(s.since), code: text(s.reason),
                                      words: known("lib_refusal_", text(s.reason)) })
        + (typeof s.detail === "string" && s.detail ? say("lib_detail", { detail: s.detail }) : ""));
    }
    return parts.join(say("lib_join"));
  }

  // What the views show, kept so that a change of language draws them again.
  let current = null, reviews = [], partners = [], guardianChecked = false;

  async function lookUp(event) {
    event.preventDefault();
    const number = $("lookup-id-number").value.trim();
    if (!number) return $("lookup-id-number").focus();
    const query = new URLSearchParams({ id_type: $("lookup-id-type").value, id_number: number,
                                        purpose: $("lookup-purpose").value });
    const answer = await call("GET", "/v1/staff/applications?" + query);
    $("applicant").hidden = true;
    current = null;
    if (typeof jsonMember(answer, "reader_id") !== "string") {
      if (answer.status === 404) error(say("no_application_hint"));
      else if (answer.status !== 401 && answer.status !== 403) error(refusalText(answer));
      if (!tokens) return;
      $("lookup-id-number").select();
      return $("lookup-id-number").focus();
    }
    current = answer.body;
    guardianChecked = false;
    clearReplacement();
    $("replacement-barcode").value = "";
    const refusedCard = (current.library_system || {}).state === "refused" && current.library_system.reason === "cardnumber";
    $("replacement-reason").value = refusedCard ? "refused_by_library_system" : "lost";
    $("guardian-id-number").value = "";
    $("guardian-result").textContent = "";
    drawApplicant();
    $("applicant").hidden = false;
    if (refusedCard && current.status === "active") {
      error(say("card_refused_hint"));  // the next scan is the reader's new card
      return $("replacement-barcode").focus();
    }
    const refusal = current.status === "active" ? "already_active"
      : (current.review || {}).status === "duplicate" ? "rejected_as_duplicate" : null;
    if (refusal) {
      error(say(refusal));
      $("lookup-id-number").select();  // the next scan replaces the number
      return $("lookup-id-number").focus();
    }
    message("");
    $("card-barcode").value = "";
    // The next scan is the card's barcode; with a minor, the guardian's document comes first.
    $(current.guardian ? "guardian-id-number" : "card-barcode").focus();
  }

  function drawApplicant() {
    const list = $("applicant-details");
    list.textContent = "";
    if (!current) return;
    row(list, say("id_number"), current.id_number, "id-number");
    row(list, say("name"), current.name);
    row(list, say("birth_date"), current.birth_date);
    row(list, say("card_type"), known("card_", current.card_type));
    row(list, say("address"), address(current.mailing_address));
    row(list, say("mobile"), current.mobile);
    const g = current.guardian;
    if (g) {
      row(list, say("guardian"), [g.name, known("relationship_", g.relationship), g.phone].filter(Boolean).join("，"));
      row(list, say("guardian_id"), g.id_number_masked);
    }
    $("guardian-form").hidden = !g;
    const h = current.household;
    if (h) {
      row(list, say("household_number"), h.register_number);
      row(list, say("household_head"), h.head_name);
      row(list, say("household_address"), address(current.household_address));
    }
    row(list, say("status"), statusText(current.status));
    row(list, say("verify_by"), current.verify_by);
    // Whether the library system has this application: since when, waiting (and why), or refused.
    row(list, say("library_system"), libraryText(current.library_system), "library-system");
    row(list, say("reader_id"), current.reader_id);
    const active = current.status === "active";
    $("activation-form").hidden = active;
    $("replacement-form").hidden = !active;
  }

  async function activate(event) {
    event.preventDefault();
    const barcode = $("card-barcode").value.trim();
    if (!current || !/^[0-9A-Za-z]{6,20}$/.test(barcode)) return $("card-barcode").focus();
    if (current.guardian && !guardianChecked) {
      error(say("guardian_first"));
      return $("guardian-id-number").focus();
    }
    const documentChecked = document.querySelector('input[name="document"]:checked').value;
    const activation = { card_barcode: barcode, document_checked: documentChecked };
    // The API checks the guardian again: a minor's card is handed over only with the guardian's number.
    if (current.guardian) activation.guardian_id_number = $("guardian-id-number").value.trim();
    const answer = await call("POST", `/v1/staff/readers/${current.reader_id}/activation`, activation);
    const activated = jsonMember(answer, "card_barcode");
    if (typeof activated === "string") {
      $("applicant").hidden = true;
      current = null;
      $("lookup-id-number").value = "";
      const library = libraryText(jsonMember(answer, "library_system"));
      message(say("activated", { barcode: activated }) + (library ? ` ${say("library_system")}${say("colon")}${library}` : ""));
      return $("lookup-id-number").focus();  // ready for the next applicant's document
    }
    if (!tokens) return;
    const code = jsonMember(answer, "code", answer.status) || "";
    const known409 = { barcode_taken: "barcode_taken", barcode_held_by_library_system: "barcode_taken",
                       already_active: "already_active", already_expired: "expired",
                       rejected_as_duplicate: "rejected_as_duplicate" };
    if (answer.status === 409 && known409[code]) error(say(known409[code]));
    else if (answer.status === 404) error(say("no_application"));
    else if (answer.status !== 403) error(refusalText(answer));
    const again = ["barcode_taken", "barcode_held_by_library_system", "links_changed", "library_system_unavailable"];
    if (again.includes(code) || answer.status === 0) {
      $("card-barcode").select();  // another card, or the same once more
      return $("card-barcode").focus();
    }
    $("applicant").hidden = true;  // nothing more to do for this applicant
    current = null;
    $("lookup-id-number").select();
    $("lookup-id-number").focus();
  }

  // A field's own error, beside it and named in the error box (the box is what a screen reader hears first).
  function fieldError(id, labelKey, message_) {
    const box = $(id + "-error");
    box.textContent = message_;
    box.hidden = false;
    $(id).setAttribute("aria-invalid", "true");
    $(id).setAttribute("aria-describedby", `${id}-error replacement-hint`);
    error(say(labelKey) + say("colon") + message_);
    $(id).focus();
    if ($(id).select) $(id).select();
  }

  function clearReplacement() {
    for (const id of ["replacement-barcode", "replacement-reason"]) {
      $(id + "-error").hidden = true;
      $(id + "-error").textContent = "";
      $(id).removeAttribute("aria-invalid");
      $(id).setAttribute("aria-describedby", "replacement-hint");
    }
  }

  // An active reader given another card: lost, damaged, or a barcode the library system holds for someone else.
  async function replaceCard(event) {
    event.preventDefault();
    clearReplacement();
    const barcode = $("replacement-barcode").value.trim();
    if (!current) return $("lookup-id-number").focus();
    if (!/^[0-9A-Za-z]{6,20}$/.test(barcode)) return fieldError("replacement-barcode", "replacement_barcode", say("replacement_barcode_format"));
    const reason = $("replacement-reason").value;
    const answer = await call("POST", `/v1/staff/readers/${current.reader_id}/card-replacement`, { card_barcode: barcode, reason });
    const given = jsonMember(answer, "card_barcode");
    if (typeof given === "string") {
      const old = jsonMember(answer, "previous_card_barcode");
      current = { ...current, card_barcode: given, library_system: jsonMember(answer, "library_system") || current.library_system };
      drawApplicant();
      $("replacement-barcode").value = "";
      const library = libraryText(jsonMember(answer, "library_system"));
      message(say("replaced", { barcode: given, old: typeof old === "string" ? old : "—" })
        + (library ? ` ${say("library_system")}${say("colon")}${library}` : ""));
      return $("lookup-id-number").focus();  // ready for the next reader's document
    }
    if (!tokens || answer.status === 403) return;
    const code = jsonMember(answer, "code", answer.status) || "";
    if (answer.status === 409 && ["barcode_taken", "barcode_held_by_library_system"].includes(code)) {
      return fieldError("replacement-barcode", "replacement_barcode", say(code));
    }
    const errors = jsonMember(answer, "errors", 422);
    if (Array.isArray(errors) && errors.length) {
      const first = errors.find((e) => e && e.field === "card_barcode") || errors.find((e) => e && e.field === "reason");
      if (first && first.field === "reason") return fieldError("replacement-reason", "replacement_reason", say("reason_unknown"));
      if (first) {
        const words = first.code === "same_barcode" ? say("same_barcode") : say("replacement_barcode_format");
        return fieldError("replacement-barcode", "replacement_barcode", words);
      }
    }
    if (answer.status === 409 && ["not_active", "card_changed"].includes(code)) error(say(code));
    else if (answer.status === 404) error(say("no_application"));
    else error(refusalText(answer));
    $("replacement-barcode").focus();
  }

  // The adult with a minor: the number on their document is checked by the API against the application's.
  async function checkGuardian(event) {
    event.preventDefault();
    const typed = $("guardian-id-number").value.trim();
    if (!current || !typed) return $("guardian-id-number").focus();
    const answer = await call("POST", `/v1/staff/readers/${current.reader_id}/guardian-check`, { id_number: typed });
    const matches = jsonMember(answer, "matches");
    if (typeof matches !== "boolean") {
      if (answer.status !== 401 && answer.status !== 403) error(refusalText(answer));
      return;
    }
    guardianChecked = matches;
    const result = $("guardian-result");
    result.textContent = say(matches ? "guardian_matches" : "guardian_differs");
    result.classList.toggle("success", matches);
    result.classList.toggle("warning", !matches);
    message("");
    if (matches) $("card-barcode").focus();
    else { $("guardian-id-number").select(); $("guardian-id-number").focus(); }
  }

  function record(title, r) {
    const box = document.createElement("div");
    const h = document.createElement("h4"); h.textContent = title;
    const list = document.createElement("dl"); list.className = "details";
    row(list, say("name"), r.name); row(list, say("birth_date"), r.birth_date); row(list, say("id_number"), r.id_number_masked);
    row(list, say("status"), statusText(r.status)); row(list, say("reader_id"), r.reader_id);
    box.append(h, list);
    return box;
  }

  // focus: "heading" when the view opens, "next" after a decision (the next decision waiting, from the keyboard).
  async function loadReviews(focus) {
    const answer = await call("GET", "/v1/staff/reviews");
    const listed = listOf(answer, "reviews");
    if (!listed) {
      if (answer.status !== 401 && answer.status !== 403) error(refusalText(answer));
      return;
    }
    reviews = listed.filter((r) => typeof r.reader_id === "string" && r.application && typeof r.application === "object")
      .map((r) => ({ ...r, resembles: Array.isArray(r.resembles) ? r.resembles.filter((x) => x && typeof x === "object") : [] }));
    drawReviews();
    const next = focus === "next" && document.querySelector("#review-list button");
    (next || $("reviews-title")).focus();
  }

  function drawReviews() {
    const list = $("review-list");
    list.textContent = "";
    $("reviews-empty").hidden = reviews.length > 0;
    for (const review of reviews) {
      const item = document.createElement("li");
      const heading = document.createElement("h3");
      heading.textContent = `${review.application.name}（${review.reader_id}）`;
      const sides = document.createElement("div"); sides.className = "side-by-side";
      sides.append(record(say("flagged"), review.application), ...review.resembles.map((r) => record(say("resembles"), r)));
      const actions = document.createElement("p");
      for (const [decision, key] of [["distinct", "different"], ["duplicate", "same"]]) {
        const button = document.createElement("button");
        button.type = "button"; button.textContent = say(key);
        button.setAttribute("aria-label", `${say(key)}：${review.application.name}（${review.reader_id}）`);
        button.addEventListener("click", async () => {
          const decided = await call("POST", `/v1/staff/reviews/${review.reader_id}`, { decision });
          if (decided.status === 200) { message(say("decided_" + decision)); await loadReviews("next"); }
          else if (decided.status !== 401 && decided.status !== 403) error(refusalText(decided));
        });
        actions.append(button, " ");
      }
      item.append(heading, sides, actions);
      list.append(item);
    }
  }

  async function loadPartners() {
    const answer = await call("GET", "/v1/staff/partners");
    const listed = listOf(answer, "partners");
    if (!listed) {
      if (answer.status !== 401 && answer.status !== 403) error(refusalText(answer));
      return;
    }
    partners = listed.filter((p) => typeof p.partner === "string");
    drawPartners();
    $("partners-title").focus();
  }

  function drawPartners() {
    const body = $("partner-table").querySelector("tbody");
    body.textContent = "";
    for (const p of partners) {
      const tr = document.createElement("tr");
      const name = document.createElement("th"); name.scope = "row";
      name.textContent = `${window.I18N.t("partner_" + p.partner.replace(/-/g, "_"))}（${p.partner}）`;
      tr.append(name);
      for (const value of [say(p.state) + (p.down_since ? `（${p.down_since}）` : ""), p.rate_per_second ?? "—", p.backlog ?? "—"]) {
        const td = document.createElement("td"); td.textContent = String(value); tr.append(td);
      }
      body.append(tr);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    main = $("main");
    $("sign-in-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const username = $("staff-username").value.trim(), password = $("staff-password").value;
      if (!username || !password) return $(username ? "staff-password" : "staff-username").focus();
      pending = { username };
      await next(await pool("InitiateAuth", { ClientId: main.dataset.clientId, AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: username, PASSWORD: password } }));
      $("staff-password").value = "";
    });
    $("new-password-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const password = $("staff-new-password").value;
      if (password !== $("staff-new-password-confirm").value) { error(say("password_mismatch")); return $("staff-new-password").focus(); }
      await next(await respond("NEW_PASSWORD_REQUIRED", { NEW_PASSWORD: password }));
      if (!$("new-password").hidden) {  // refused by the pool's rules: both fields again, from the first
        $("staff-new-password").value = "";
        $("staff-new-password-confirm").value = "";
        $("staff-new-password").focus();
      }
    });
    $("mfa-setup-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const verified = await pool("VerifySoftwareToken", { Session: pending.session, UserCode: $("staff-mfa-setup-code").value.trim(),
        FriendlyDeviceName: "staff-page" });
      if (poolMember(verified, "Status") !== "SUCCESS") { error(say("bad_code")); return $("staff-mfa-setup-code").focus(); }
      pending.session = poolMember(verified, "Session") || pending.session;
      await next(await respond("MFA_SETUP", {}));
    });
    $("mfa-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      await next(await respond("SOFTWARE_TOKEN_MFA", { SOFTWARE_TOKEN_MFA_CODE: $("staff-mfa-code").value.trim() }));
      if (!tokens) $("staff-mfa-code").select();
    });
    $("sign-out").addEventListener("click", () => signOut("signed_out"));
    document.addEventListener("languagechange", () => { drawApplicant(); drawReviews(); drawPartners(); });
    for (const button of document.querySelectorAll(".view-button")) button.addEventListener("click", () => openView(button.dataset.view));
    $("lookup-form").addEventListener("submit", lookUp);
    $("activation-form").addEventListener("submit", activate);
    $("guardian-form").addEventListener("submit", checkGuardian);
    $("replacement-form").addEventListener("submit", replaceCard);
    for (const type of ["keydown", "pointerdown"]) document.addEventListener(type, touch, { passive: true });
    $("staff-username").focus();
  });
})();
