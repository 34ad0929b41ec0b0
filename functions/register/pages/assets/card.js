// The card page (/card): the reader's library card, large, to show at a counter or a self-checkout, printable,
// and — if the reader keeps it on this device — shown offline too (a service worker keeps the page, the card is
// kept in this browser's storage until the reader logs out or unticks the box).
"use strict";
(function () {
  const STORE = "onecard-card";
  const WORKER = "/assets/card-worker.js";

  function kept() {
    try {
      const card = JSON.parse(localStorage.getItem(STORE) || "null");
      return card && typeof card.barcode === "string" ? card : null;
    } catch (_) {
      return null;
    }
  }

  function keep(card) {
    try { localStorage.setItem(STORE, JSON.stringify({ ...card, kept_at: new Date().toISOString() })); } catch (_) { /* private mode */ }
    if ("serviceWorker" in navigator) navigator.serviceWorker.register(WORKER, { scope: "/card" }).catch(() => {});
  }

  function forget() {
    try { localStorage.removeItem(STORE); } catch (_) { /* nothing kept */ }
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.getRegistrations().then((all) => all.forEach((r) => r.unregister())).catch(() => {});
    }
  }

  /** Keeps a kept card up to date (a renewed expiry, a new card), or forgets it when there is no card any more. */
  function refresh(card) {
    if (!kept()) return;
    if (card) keep(card); else forget();
  }

  window.CardOffline = { kept, keep, forget, refresh };

  document.addEventListener("DOMContentLoaded", async () => {
    const page = document.getElementById("card-page");
    if (!page) return;
    const { api, jsonMember, t } = window.OneCard;
    const $ = (id) => document.getElementById(id);
    const answer = await api("GET", "/v1/readers/me");
    let card = null;
    let offline = false;
    if (typeof jsonMember(answer, "reader_id") === "string") {
      card = window.LibraryCard.fromProfile(answer.body);
      refresh(card);
    } else {
      card = kept();
      offline = Boolean(card);
      if (!card && answer.status === 401) {
        window.location.assign("/login");
        return;
      }
    }
    const draw = () => {
      const shown = window.LibraryCard.draw($("card"), card);
      $("card").hidden = !shown;
      $("card-none").hidden = shown || answer.status === 0;
      $("card-unreachable").hidden = shown || answer.status !== 0;
      $("card-keep-field").hidden = !shown;
      const keptCard = kept();
      $("card-offline").hidden = !offline;
      if (offline && keptCard) $("card-offline").textContent = t("card_offline", { when: keptCard.kept_at.slice(0, 10) });
    };
    $("card-keep").checked = Boolean(kept());
    $("card-keep").addEventListener("change", (event) => {
      if (event.target.checked && card) keep(card); else forget();
    });
    $("card-print").addEventListener("click", () => window.print());
    document.addEventListener("languagechange", draw);
    draw();
    $("card-loading").hidden = true;
  });
})();
