// A library card's barcode drawn as Code 39 (ISO/IEC 16388), the symbology library scanners and self-checkouts
// read, in SVG so that it stays sharp on a phone's screen and on paper.
"use strict";
(function () {
  // Code 39's structure: each character is five bars and four spaces, three of the nine wide. The 40 characters
  // used here have two wide bars — one of ten arrangements, a column of the table below — and one wide space, which
  // of the four tells the row (the standard's table, read by rows and columns instead of copied character by
  // character; the test decodes the drawing with the character-by-character table).
  const WIDE_BARS = ["10001", "01001", "11000", "00101", "10100", "01100", "00011", "10010", "01010", "00110"];
  const ROWS = [
    { wideSpace: 1, chars: "1234567890" },
    { wideSpace: 2, chars: "ABCDEFGHIJ" },
    { wideSpace: 3, chars: "KLMNOPQRST" },
    { wideSpace: 0, chars: "UVWXYZ-. *" },
  ];
  const PATTERNS = {};
  for (const row of ROWS) {
    [...row.chars].forEach((char, column) => {
      const elements = [];
      for (let i = 0; i < 5; i += 1) {
        elements.push(WIDE_BARS[column][i] === "1");
        if (i < 4) elements.push(i === row.wideSpace);
      }
      PATTERNS[char] = elements;  // true: wide; bar, space, bar, … (nine elements)
    });
  }

  const NARROW = 1;
  const WIDE = 3;  // the standard allows 2 to 3 times the narrow width; 3 reads best from a screen
  const QUIET = 10;  // at least ten narrow widths of white on each side
  const HEIGHT = 40;

  /** Whether `text` can be drawn: Code 39's letters, digits and a few signs ("*" starts and stops it). */
  function encodable(text) {
    return typeof text === "string" && text.length > 0 && [...text].every((c) => c !== "*" && PATTERNS[c]);
  }

  /** The bars of `*text*`: [{x, width}] in narrow widths, and the whole width with the quiet zones. */
  function bars(text) {
    const drawn = [];
    let x = QUIET;
    [..."*" + text + "*"].forEach((char, index) => {
      if (index > 0) x += NARROW;  // the gap between characters
      PATTERNS[char].forEach((wide, element) => {
        const width = wide ? WIDE : NARROW;
        if (element % 2 === 0) drawn.push({ x, width });
        x += width;
      });
    });
    return { bars: drawn, width: x + QUIET };
  }

  /** An <svg> of the barcode, named for a screen reader; null when `text` has a character Code 39 lacks. */
  function svg(text, label) {
    const value = typeof text === "string" ? text.trim().toUpperCase() : "";
    if (!encodable(value)) return null;
    const ns = "http://www.w3.org/2000/svg";
    const drawing = bars(value);
    const root = document.createElementNS(ns, "svg");
    root.setAttribute("viewBox", `0 0 ${drawing.width} ${HEIGHT}`);
    root.setAttribute("preserveAspectRatio", "none");
    root.setAttribute("shape-rendering", "crispEdges");
    root.setAttribute("role", "img");
    root.setAttribute("aria-label", label || value);
    root.dataset.symbology = "code39";
    root.classList.add("barcode");
    const background = document.createElementNS(ns, "rect");
    background.setAttribute("width", String(drawing.width));
    background.setAttribute("height", String(HEIGHT));
    background.setAttribute("fill", "#ffffff");
    root.append(background);
    for (const bar of drawing.bars) {
      const rect = document.createElementNS(ns, "rect");
      rect.setAttribute("x", String(bar.x));
      rect.setAttribute("width", String(bar.width));
      rect.setAttribute("height", String(HEIGHT));
      rect.setAttribute("fill", "#000000");
      rect.classList.add("bar");
      root.append(rect);
    }
    return root;
  }

  window.Barcode = { svg, encodable };
})();
