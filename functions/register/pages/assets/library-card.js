// The reader's library card as a counter or a self-checkout reads it: the barcode, the number under it, the name
// and the expiry. Drawn in 個人書房 and on the card page (/card), which also works offline and prints.
"use strict";
(function () {
  const t = (key, vars) => window.I18N.t(key, vars);

  function line(className, text) {
    const p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    return p;
  }

  /** Draws `card` ({barcode, name, expires, status}) into `container`; answers whether there was a card to draw. */
  function draw(container, card) {
    if (!card || typeof card.barcode !== "string" || !card.barcode) {
      container.replaceChildren();
      return false;
    }
    const barcode = window.Barcode.svg(card.barcode, `${t("card_barcode")} ${card.barcode}`);
    const parts = [line("card-issuer", t("card_issuer"))];
    if (barcode) parts.push(barcode);
    parts.push(line("card-number", card.barcode));
    const facts = document.createElement("dl");
    facts.className = "card-facts";
    const fact = (key, value) => {
      if (!value) return;
      const dt = document.createElement("dt");
      dt.textContent = t(key);
      const dd = document.createElement("dd");
      dd.textContent = value;
      facts.append(dt, dd);
    };
    fact("name", card.name);
    fact("card_expires", card.expires);
    if (card.status && card.status !== "valid") fact("card_status", t(`card_status_${card.status}`));
    parts.push(facts);
    container.replaceChildren(...parts);
    return true;
  }

  /** The card of a profile from GET /v1/readers/me, or null before a card is handed over. */
  function fromProfile(profile) {
    if (!profile || typeof profile.card_barcode !== "string" || !profile.card_barcode) return null;
    return { barcode: profile.card_barcode, name: profile.name, expires: profile.card_expires || null,
             status: profile.card_status || null };
  }

  window.LibraryCard = { draw, fromProfile };
})();
