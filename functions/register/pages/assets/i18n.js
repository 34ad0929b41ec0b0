// zh-TW is written in the pages themselves; this adds English and remembers the reader's choice.
"use strict";
(function () {
  const EN = {
    skip: "Skip to main content", site_name: "Taipei Public Library", nav_main: "Main menu",
    nav_register: "Apply for a card", nav_study: "My library account",
    home_title: "Online card application and the Taipei–New Taipei–Keelung one-card service",
    home_intro: "Apply online for a Taipei Public Library card and, at the same time, link it with New Taipei City Library, Keelung City Public Library and the Taipei Card. Existing readers can log in to their library account to enable the service.",
    home_register: "Apply for a card",
    home_register_text: "No card yet: fill in the application, then bring your identity document to any branch counter.",
    home_study: "My library account (log in)",
    home_study_text: "Already a reader: see your data, enable the one-card service, download or correct your data.",
    footer: "Taipei Public Library · This site uses no external fonts, scripts or trackers.",
    login_title: "Log in to my library account", errors_title: "Please correct the following",
    id_number: "ID number", login_id_hint: "National ID, resident certificate or passport number",
    login_intro: "Applicants who applied online and readers who already hold a library card can log in; card holders use the password of the library's system.",
    login_with: "Log in with", login_with_id_number: "ID number", login_with_barcode: "Card barcode",
    card_barcode: "Card barcode", login_barcode_hint: "The number under the barcode on your card, e.g. TP90000001",
    password: "Password", login_button: "Log in", login_no_card: "No card yet? Apply online",
    register_title: "Apply for a library card",
    register_intro: "Fill in this form to apply for a library card; you may also link it with New Taipei City Library, Keelung City Public Library or the Taipei Card. Fields marked * are required.",
    register_note_id: "Citizens of the Republic of China enter their national ID number; people from mainland China their resident certificate or entry permit number; foreign nationals their resident certificate or passport number.",
    register_note_family: "A family card requires a household registered in Taipei City, with the household number and head of household from the household register.",
    card_type: "Card type", card_personal: "Personal card", card_family: "Family card",
    household_legend: "Household register (family card)", household_number: "Household number",
    household_head_name: "Head of household: name", household_head_id: "Head of household: ID number",
    nationality: "Nationality", nat_roc: "Republic of China (Taiwan) national", nat_mainland: "Mainland Chinese",
    nat_foreign: "Foreign national", id_type: "Document type", id_national: "National ID number",
    id_resident: "Resident certificate (UI number)", id_entry_permit: "Entry permit number", id_passport: "Passport number",
    passport_country: "Passport issued by", choose: "Please choose", check_availability: "Has this ID already got a card?",
    password_hint: "4 to 10 letters or digits", password_confirm: "Confirm password", name: "Name",
    gender: "Gender", female: "Female", male: "Male", birth_date: "Date of birth", year: "Year", month: "Month", day: "Day",
    guardian_legend: "Legal guardian (applicants under 18)",
    guardian_hint: "Applicants under 18 need their legal guardian to agree to the application and the consent forms.",
    guardian_name: "Guardian's name", guardian_relationship: "Relationship", father: "Father", mother: "Mother",
    legal_guardian: "Legal guardian", guardian_id: "Guardian's ID number", guardian_phone: "Guardian's phone",
    occupation: "Occupation", occ_agriculture: "Agriculture, fishing, mining", occ_service: "Services",
    occ_student: "Student", occ_freelance: "Self-employed", occ_business: "Commerce", occ_industry: "Industry",
    occ_education: "Education", occ_military_public: "Military or civil service", occ_child: "Child", occ_other: "Other",
    education: "Education", edu_below_primary: "Below primary school", edu_primary: "Primary school",
    edu_junior_high: "Junior high school", edu_senior_high: "Senior (vocational) high school",
    edu_college: "University or college", edu_graduate: "Graduate school", edu_other: "Other",
    mailing_address: "Mailing address", city: "City or county", district: "District", postal_code: "Postal code: ",
    street: "Street address", phones: "Contact phone", phone_home: "Home", phone_office: "Office",
    phone_home_full: "Contact phone (home)", phone_office_full: "Contact phone (office)",
    household_address: "Registered household address", same_as_mailing: "Same as mailing address",
    household_city: "Household city or county", household_district: "Household district",
    household_street: "Household street address", household_phone: "Household phone",
    phone_one_hint: "Enter at least one of household phone and mobile phone", contact_phones: "Household phone or mobile phone", email: "Email",
    email_hint: "An email address lets the library send you notices", mobile: "Mobile phone",
    partner_hint: "Choosing “I have read and agree to the consent form” first shows the whole form; read it, then press “Agree”.",
    family_no_link: "A family card cannot be linked with the one-card service.",
    link_taipei_card: "Link with the Taipei Card", link_ntpc: "Link with a New Taipei City Library card",
    link_klcpl: "Link with Keelung City Public Library", no: "No",
    agree_consent: "I have read and agree to the consent form", captcha: "Verification",
    captcha_working: "Verifying automatically in the background; no code to type…",
    captcha_done: "Verified: you may submit the form.", captcha_failed: "Verification failed. Retrying…",
    submit: "Submit", submitting: "Sending…", success_title: "Application received", next_steps: "Next steps",
    link_requests: "One-card link requests", go_study: "Go to my library account",
    consent_intro: "Please read the whole consent form below, then choose “Agree” or “Disagree”.",
    consent_text: "Consent form text", close: "Close", agree: "Agree", decline: "Disagree",
    study_title: "My library account", loading: "Loading…", revisions_title: "A consent form has been revised",
    revisions_text: "A consent form you agreed to has a new version. Please read it and choose; disagreeing ends that one-card link.",
    profile_title: "My data", links_title: "One-card service", partner_ntpc: "New Taipei City Library",
    partner_klcpl: "Keelung City Public Library", partner_taipei_card: "Taipei Card", status: "Status: ",
    enable_ntpc: "Enable the Taipei–New Taipei one-card service", enable_klcpl: "Enable the Keelung one-card service",
    enable_taipei_card: "Link with the Taipei Card", unlink_ntpc: "End the Taipei–New Taipei one-card service",
    unlink_klcpl: "End the Keelung one-card service", unlink_taipei_card: "Unlink the Taipei Card",
    data_title: "Personal data",
    data_text: "Under Article 3 of the Personal Data Protection Act you may see, download, correct or delete your data.",
    export: "Download my data", correct_title: "Correct my data",
    correct_hint: "Name, ID number and date of birth are corrected at a counter with your document.",
    save: "Save corrections", password_title: "Change password", current_password: "Current password",
    new_password: "New password", new_password_confirm: "Confirm new password", change_password: "Change password",
    erase_title: "Delete my account",
    erase_text: "Deleting your account removes your card and personal data for good and ends every one-card link.",
    erase_password: "Enter your password to confirm", erase_button: "Delete my account permanently", logout: "Log out",
    erased: "Your account and personal data have been deleted.",
    // Texts the scripts show
    label_colon: ": ", in_parens: " ({text})", n_errors: "Please correct the following {n} problem(s)", saved: "Saved.", password_changed: "Your password has been changed.",
    status_none: "Not enabled", status_pending: "Request sent; waiting for the partner library", status_agreed: "Agreed; starts after your card is verified",
    status_waiting_for_verification: "Agreed; sent to the partner library when you collect your card at a counter",
    card_status: "Card", card_status_valid: "Valid", card_status_expired: "Expired (renew it at a counter)",
    card_status_blocked: "Blocked (please ask at a counter)", library_address: "Address (as the library system holds it)",
    password_at_the_library: "Your password is kept by the library system: change it at a branch counter or on the library's website; your next login here uses the new one.",
    password_hint_library: "Letters or digits; the library system sets the length and strength (and says why when a password falls short)",
    status_withdrawn: "Withdrawn before it was sent",
    status_active: "Enabled", status_rejected: "Not accepted", status_failed: "Could not be completed; please try again later",
    status_unlinking: "Ending…", status_unlinked: "Ended", request_sent: "Your request has been sent.",
    partner_down_note: "The partner library's system is down at the moment: your request will be sent automatically when it is back.",
    nothing_sent: "You did not agree, so nothing was sent.",
    registered_yes: "This ID number already has a library card. Log in to your library account instead.",
    registered_no: "This ID number has no library card yet: you can apply.",
    network_error: "The service cannot be reached. Please try again later.",
    email_unverified_note: "Your e-mail address is not verified yet: open the link in the mail we sent.",
    resend_verification: "Send the verification mail again",
    resend_done: "A new verification mail is on its way; the earlier link no longer works.",
    email_verified: "verified", email_not_verified: "not verified",
    login_forgot: "Forgot your password?",
    reset_title: "Forgot your password",
    reset_intro: "Enter your ID number or card barcode. We will send a message with a reset link to your verified e-mail address; the link works once, within 30 minutes.",
    reset_button: "Send the reset link",
    reset_sent: "If this account has a verified e-mail address, a reset link has been sent to it. Open the link within 30 minutes.",
    reset_no_mail_title: "No message?",
    reset_no_mail_unverified: "No e-mail address, or not verified yet: bring your identity document to any branch counter and the staff will reset your password.",
    reset_no_mail_card_holder: "Card holders of the library: if you have verified your e-mail address in your library account, the link goes there and the new password is set in the library's system; otherwise bring your identity document to any branch counter to reset it.",
    reset_to_login: "Back to the login", newpw_title: "Choose a new password",
    newpw_intro: "Enter a new password and press “Set the new password”. Every session on every device is then logged out; log in again with the new password.",
    newpw_password: "New password", newpw_hint: "4 to 10 letters or digits, not your ID number or date of birth",
    newpw_button: "Set the new password", newpw_again: "Ask for a new reset link",
    newpw_done: "Your password has been changed. Log in with the new password.",
    newpw_no_token: "This page opens from the link in our e-mail; the link is incomplete. Ask for a new reset link.",
    verify_title: "Verify your e-mail address",
    verify_intro: "Press “Confirm my e-mail address” to finish. This link works once, within 24 hours of being sent.",
    verify_button: "Confirm my e-mail address", verify_to_study: "Go to my library account",
    verify_done: "Your e-mail address is verified. Thank you.",
    verify_no_token: "This page opens from the link in our e-mail; the link is incomplete. Ask for a new one in your library account.",
    card_type_value_personal: "Personal card", card_type_value_family: "Family card",
    reader_status_pending_verification: "Waiting for identity verification at a counter", reader_status_active: "Active",
    verify_by: "Verify at a counter by", reader_id: "Reader number", masked_id: "ID number",
    agreed_status: "Agreed", revision_notice: "“{title}” has a new version ({version}).", read_and_decide: "Read and decide",
    revision_agreed: "You agreed to the new version.", revision_declined: "You disagreed; the link is being ended.",
    reader_status: "Application status", created_at: "Applied on",
    reset_with_id_number: "My ID number (national ID, resident certificate or passport)",
    reset_with_barcode: "My library card barcode", reset_with: "Which number identifies you",
    // The success page
    success_applied: "We have received your application for a {card}.", success_reader_id: "Your reader number",
    copy_number: "Copy", copied: "Copied.", success_when: "By {date} (inclusive), come to the service counter of the main library or any branch, during opening hours.",
    success_bring: "Please bring:", bring_id: "your identity document, the original",
    bring_household: "your household register", bring_guardian: "your legal guardian, with their identity document",
    success_expires: "After that date the application expires and its personal data is deleted; you may apply again.",
    success_mail: "A confirmation with the same details has been sent to {email}; open its link to verify the address.",
    success_no_mail: "You gave no e-mail address, so no confirmation was sent: note your reader number and the date.",
    success_links: "Your one-card links are sent to the partner libraries once you have collected your card.",
    card_word_personal: "personal card", card_word_family: "family card",
    // The library card
    card_title: "My library card", card_issuer: "Taipei Public Library · Library card", card_expires: "Valid until",
    card_issued: "Issued on", card_open: "Open my card (offline, printable)",
    card_none: "Your card has not been issued yet: bring your identity document to a branch counter to collect it.",
    card_unreachable: "The service cannot be reached, and no card is kept on this device.",
    card_show_hint: "Show this barcode at a counter or a self-checkout to borrow; turn the screen brightness up.",
    card_keep: "Keep my card on this device to show it offline (deleted when I log out; not on a shared computer)",
    card_print: "Print my card", card_offline: "Offline: the card as kept on this device on {when}.",
    partner_card_number_ntpc: "New Taipei City Library card number", partner_card_number_klcpl: "Keelung library card number",
    partner_card_number_taipei_card: "Taipei Card number",
    // Consent receipts
    receipts_title: "My consent records", password_held_as_hash: "Kept only as an irreversible hash (argon2id): nobody at the library can read it",
    receipts_hint: "Each decision you made on a partner's consent form, oldest first; the receipt number identifies it.",
    receipts_empty: "No consent records yet.", receipt_facts: "Version {version} · {when} · {channel}",
    receipt_facts_no_version: "{when} · {channel}", partner_library_system: "The library's system",
    decision_erasure_requested: "Erasure of my data asked for", decision_erasure_refused: "Erasure refused by the library system",
    receipt_id: "Receipt number", decision_agree: "Agreed", decision_decline: "Disagreed", decision_withdraw: "Withdrawn",
    channel_registration: "online application", channel_personal_study: "my library account", channel_counter: "at a counter",
    channel_system: "by the library", channel_password_reset: "password reset",
    consent_by_guardian: "You are under 18: your legal guardian reads this form and is the one who agrees or disagrees.",
    consent_by_guardian_named: "The applicant is under 18: the legal guardian ({name}) reads this form and is the one who agrees or disagrees.",
    export_json: "Machine-readable (JSON)",
    // The data copy
    copy_title: "A copy of my personal data",
    copy_intro: "The copy under Article 3 of the Personal Data Protection Act: all the data the library keeps about you, with your consent records and the record of changes.",
    copy_save: "Download this copy (HTML file)", copy_print: "Print or save as PDF", copy_none: "None.",
    copy_made: "Made on {when} by {controller}.", copy_profile: "My data", copy_other: "Other data",
    copy_link_history: "History of the one-card links", copy_partner: "Partner", copy_partner_card: "Partner card number",
    copy_updated: "Last change", copy_when: "When", copy_version: "Version", copy_decision: "Decision",
    copy_channel: "Where", copy_audit: "Record of changes", copy_field: "What", copy_action: "Change", copy_by: "By",
    copy_sessions: "Logins", copy_logged_in: "Logged in", copy_expires: "Ends", status_word: "Status",
    record_created: "Record created", masked_id_shown: "ID number as shown (masked)",
    email_verified_field: "E-mail address verified", password_kept_by: "Password kept by",
    password_source_library_system: "the library system", notices_title: "Notices by e-mail",
    notice_links: "One-card link notices", notice_revisions: "Consent revision notices", guardian: "Legal guardian",
    yes: "Yes", no_word: "No", audit_corrected: "corrected", audit_changed: "changed", audit_reset: "reset",
    audit_activated: "card handed over", audit_distinct: "reviewed: a different person",
    audit_duplicate: "reviewed: a duplicate application", by_reader: "you", audit_field_password: "Password",
    audit_field_status: "Card", audit_field_notices: "Notices", audit_field_review: "Duplicate review",
  };
  const ZH = {
    label_colon: "：", in_parens: "（{text}）", n_errors: "請修正以下 {n} 個問題", saved: "已儲存。", password_changed: "密碼已變更。",
    status_none: "未啟用", status_pending: "已送出申請，等待合作館回覆", status_agreed: "已同意，借閱證驗證後開始辦理",
    status_waiting_for_verification: "已同意，將於您臨櫃完成身分確認、領取借閱證後送交合作館",
    status_withdrawn: "已撤回（未曾送出）",
    card_barcode: "借閱證條碼", card_status: "借閱證狀態", card_status_valid: "有效", card_status_expired: "已逾期（請至櫃檯續約）",
    card_status_blocked: "停用（請洽櫃檯）", library_address: "地址（圖書館系統登載）",
    status_active: "已啟用", status_rejected: "未通過", status_failed: "無法完成，請稍後再試",
    status_unlinking: "取消中", status_unlinked: "已取消", request_sent: "已送出申請。",
    partner_down_note: "合作館系統目前暫停服務，您的申請將於合作館恢復後自動送出。",
    nothing_sent: "您未同意，未送出任何資料。",
    registered_yes: "此證號已辦過借閱證，請直接登入個人書房。", registered_no: "此證號尚未辦過借閱證，可以申請。",
    network_error: "目前無法連線，請稍後再試。",
    verify_done: "您的電子信箱已完成驗證，謝謝。",
    newpw_done: "密碼已重設，請以新密碼登入。",
    newpw_no_token: "請由我們寄出的信中連結開啟本頁；此連結不完整，請重新申請重設連結。",
    resend_done: "已重新寄出驗證信，先前的連結已失效。", email_verified: "已驗證", email_not_verified: "未驗證",
    verify_no_token: "請由我們寄出的信中連結開啟本頁；此連結不完整，請登入個人書房重新寄送。", captcha_working: "正在背景自動驗證，不需輸入驗證碼…",
    captcha_done: "驗證完成，可以送出。", captcha_failed: "驗證失敗，正在重試…", submitting: "送出中…",
    card_type_value_personal: "個人證", card_type_value_family: "家庭證",
    reader_status_pending_verification: "待臨櫃驗證身分", reader_status_active: "已啟用",
    verify_by: "請於此日前至櫃檯驗證", reader_id: "讀者編號", masked_id: "證號", name: "姓名", gender: "性別",
    female: "女", male: "男", birth_date: "生日", occupation: "職業", education: "學歷", mailing_address: "通訊地址",
    household_address: "戶籍地址", phone_home_full: "通訊電話（宅）", phone_office_full: "通訊電話（公）",
    household_phone: "戶籍電話", mobile: "行動電話", email: "電子信箱", card_type: "辦證類型",
    agreed_status: "已同意", revision_notice: "「{title}」已修訂為第 {version} 版。", read_and_decide: "閱讀並決定",
    revision_agreed: "您已同意新版同意書。", revision_declined: "您不同意新版同意書，該項服務將取消。",
    reader_status: "申請狀態", created_at: "申請日期",
    id_national: "身分證字號", id_resident: "統一證號（居留證號）", id_entry_permit: "入出境許可證號", id_passport: "護照號碼",
    choose: "請選擇",
    occ_agriculture: "農漁礦牧", occ_service: "服務業", occ_student: "學生", occ_freelance: "自由業", occ_business: "商",
    occ_industry: "工", occ_education: "教", occ_military_public: "軍公", occ_child: "兒童", occ_other: "其他",
    edu_below_primary: "小學以下", edu_primary: "小學", edu_junior_high: "國中", edu_senior_high: "高中(職)",
    edu_college: "大學(專)", edu_graduate: "研究所以上", edu_other: "其他",
    partner_ntpc: "新北市立圖書館", partner_klcpl: "基隆市公共圖書館", partner_taipei_card: "臺北卡",
    // The success page
    success_applied: "我們已收到您的{card}申請。", success_reader_id: "您的讀者編號", copy_number: "複製", copied: "已複製。",
    success_when: "請於 {date}（含）前，在開放時間內到本館總館或任一分館的服務櫃檯。", success_bring: "請攜帶：",
    bring_id: "身分證件正本", bring_household: "戶口名簿", bring_guardian: "法定代理人本人陪同，並攜帶其身分證件",
    success_expires: "逾期申請將失效，所填個人資料將予刪除，您仍可重新申請。",
    success_mail: "相同內容的確認信已寄到 {email}，請點信中連結驗證電子信箱。",
    success_no_mail: "您未填電子信箱，因此不會收到確認信：請記下讀者編號及期限。",
    success_links: "您申請的一證通用服務，將於您領取借閱證後送交合作館辦理。",
    card_word_personal: "個人借閱證", card_word_family: "家庭借閱證",
    // The library card
    card_title: "我的借閱證", card_issuer: "臺北市立圖書館 借閱證", card_expires: "有效期限", card_issued: "發證日期",
    card_offline: "離線顯示：{when} 保存於此裝置的借閱證。",
    partner_card_number_ntpc: "新北市立圖書館借閱證號", partner_card_number_klcpl: "基隆市公共圖書館借閱證號",
    partner_card_number_taipei_card: "臺北卡卡號",
    // Consent receipts
    receipts_title: "個資同意紀錄", password_held_as_hash: "以不可逆雜湊（argon2id）保存，本館亦無法得知",
    receipt_facts: "第 {version} 版 · {when} · {channel}", receipt_id: "收據編號",
    decision_agree: "同意", decision_decline: "不同意", decision_withdraw: "撤回",
    receipt_facts_no_version: "{when} · {channel}", partner_library_system: "本館圖書館系統",
    decision_erasure_requested: "請求刪除我的資料", decision_erasure_refused: "圖書館系統未同意刪除",
    channel_registration: "網路辦證", channel_personal_study: "個人書房", channel_counter: "臨櫃", channel_system: "本館處理",
    channel_password_reset: "忘記密碼",
    consent_by_guardian: "您未滿 18 歲：本同意書應由您的法定代理人閱讀，並由法定代理人決定同意或不同意。",
    consent_by_guardian_named: "申請人未滿 18 歲：本同意書應由法定代理人（{name}）閱讀，並由法定代理人決定同意或不同意。",
    // The data copy
    site_name: "臺北市立圖書館", copy_none: "無。", copy_made: "{controller}於 {when} 製給。", copy_profile: "我的資料", copy_other: "其他資料",
    copy_link_history: "一證通用服務紀錄", copy_partner: "合作館", copy_partner_card: "合作館借閱證號",
    copy_updated: "最後變更", copy_when: "時間", copy_version: "版本", copy_decision: "決定", copy_channel: "管道",
    copy_audit: "異動紀錄", copy_field: "項目", copy_action: "異動", copy_by: "執行者", copy_sessions: "登入紀錄",
    copy_logged_in: "登入時間", copy_expires: "結束時間", status_word: "狀態", record_created: "建立日期",
    masked_id_shown: "證號（遮蔽顯示）", email_verified_field: "電子信箱已驗證", password_kept_by: "密碼保管",
    password_source_library_system: "本館圖書館系統", notices_title: "通知信設定", notice_links: "一證通用通知",
    notice_revisions: "同意書修訂通知", guardian: "法定代理人", yes: "是", no_word: "否",
    audit_corrected: "更正", audit_changed: "變更", audit_reset: "重設", audit_activated: "臨櫃發證",
    audit_distinct: "審核：不同人", audit_duplicate: "審核：重複申請", by_reader: "本人",
    audit_field_password: "密碼", audit_field_status: "借閱證", audit_field_notices: "通知信設定",
    audit_field_review: "重複申請審核",
    nationality: "身分別", nat_roc: "中華民國國民", nat_mainland: "大陸人士", nat_foreign: "外籍人士", id_type: "證件種類",
    id_number: "證號", passport_country: "護照核發國家", same_as_mailing: "戶籍地址同通訊地址",
    household_legend: "戶口名簿資料（家庭證）", household_number: "戶號", household_head_name: "戶長姓名",
    household_head_id: "戶長身分證字號", guardian_name: "法定代理人姓名", guardian_relationship: "關係",
    guardian_id: "法定代理人證號", guardian_phone: "法定代理人電話", father: "父", mother: "母", legal_guardian: "監護人",
    password: "密碼", links_title: "一證通用服務",
  };
  const STORAGE_KEY = "onecard-lang";

  function stored() {
    try { return localStorage.getItem(STORAGE_KEY); } catch (_) { return null; }
  }

  let current = stored() === "en" ? "en" : "zh";

  function t(key, vars) {
    let text = (current === "en" ? EN[key] : ZH[key]) || ZH[key] || EN[key] || key;
    for (const [name, value] of Object.entries(vars || {})) text = text.replace("{" + name + "}", String(value));
    return text;
  }

  function apply() {
    document.documentElement.lang = current === "en" ? "en" : "zh-Hant-TW";
    for (const el of document.querySelectorAll("[data-i18n]")) {
      if (el.dataset.zh === undefined) el.dataset.zh = el.textContent;
      const key = el.dataset.i18n;
      el.textContent = current === "en" && EN[key] ? EN[key] : el.dataset.zh;
    }
    for (const el of document.querySelectorAll("[data-i18n-aria]")) {
      if (el.dataset.zhAria === undefined) el.dataset.zhAria = el.getAttribute("aria-label") || "";
      const key = el.dataset.i18nAria;
      el.setAttribute("aria-label", current === "en" && EN[key] ? EN[key] : el.dataset.zhAria);
    }
    const root = document.documentElement;
    if (!root.dataset.zhTitle) root.dataset.zhTitle = document.title;
    document.title = current === "en" && root.dataset.titleEn ? root.dataset.titleEn : root.dataset.zhTitle;
    const switcher = document.getElementById("lang-switch");
    if (switcher) {
      switcher.textContent = current === "en" ? "中文" : "English";
      switcher.lang = current === "en" ? "zh-Hant-TW" : "en";
      switcher.setAttribute("aria-label", current === "en" ? "切換為中文" : "Switch to English");
    }
    document.dispatchEvent(new CustomEvent("languagechange"));
  }

  function setLanguage(lang) {
    current = lang === "en" ? "en" : "zh";
    try { localStorage.setItem(STORAGE_KEY, current); } catch (_) { /* private mode: the choice lasts this page */ }
    apply();
  }

  // A page's own English strings (the staff page keeps its own).
  function add(en) { Object.assign(EN, en); }

  window.I18N = { t, apply, add, setLanguage, get lang() { return current; } };

  document.addEventListener("DOMContentLoaded", () => {
    const switcher = document.getElementById("lang-switch");
    if (switcher) switcher.addEventListener("click", () => setLanguage(current === "en" ? "zh" : "en"));
    apply();
  });
})();
