"""Reading a drawn Code 39 barcode back, as a scanner does: from its bar widths, with the standard's character table
(ISO/IEC 16388), character by character — independent of how the page builds its own table."""

from __future__ import annotations

# Nine elements each, bar first, alternating bar and space: n narrow, w wide.
CODE39 = {
    "0": "nnnwwnwnn", "1": "wnnwnnnnw", "2": "nnwwnnnnw", "3": "wnwwnnnnn", "4": "nnnwwnnnw",
    "5": "wnnwwnnnn", "6": "nnwwwnnnn", "7": "nnnwnnwnw", "8": "wnnwnnwnn", "9": "nnwwnnwnn",
    "A": "wnnnnwnnw", "B": "nnwnnwnnw", "C": "wnwnnwnnn", "D": "nnnnwwnnw", "E": "wnnnwwnnn",
    "F": "nnwnwwnnn", "G": "nnnnnwwnw", "H": "wnnnnwwnn", "I": "nnwnnwwnn", "J": "nnnnwwwnn",
    "K": "wnnnnnnww", "L": "nnwnnnnww", "M": "wnwnnnnwn", "N": "nnnnwnnww", "O": "wnnnwnnwn",
    "P": "nnwnwnnwn", "Q": "nnnnnnwww", "R": "wnnnnnwwn", "S": "nnwnnnwwn", "T": "nnnnwnwwn",
    "U": "wwnnnnnnw", "V": "nwwnnnnnw", "W": "wwwnnnnnn", "X": "nwnnwnnnw", "Y": "wwnnwnnnn",
    "Z": "nwwnwnnnn", "-": "nwnnnnwnw", ".": "wwnnnnwnn", " ": "nwwnnnwnn", "*": "nwnnwnwnn",
}  # fmt: skip
_BY_PATTERN = {pattern: char for char, pattern in CODE39.items()}


def decode_code39(bars: list[tuple[float, float]], total_width: float) -> str:
    """The text of a Code 39 symbol given its bars as (x, width) and the drawing's width: start and stop
    characters, narrow gaps between characters, a wide-to-narrow ratio a scanner accepts, and quiet zones of ten
    narrow widths on both sides; raises AssertionError when a scanner would not read it."""
    bars = sorted(bars)
    elements: list[float] = []
    for index, (x, width) in enumerate(bars):
        if index:
            previous_x, previous_width = bars[index - 1]
            elements.append(x - (previous_x + previous_width))  # the space before this bar
        elements.append(width)
    narrow = min(elements)
    assert narrow > 0, "bars overlap"
    wide = max(elements)
    assert 2.0 <= wide / narrow <= 3.0, f"wide/narrow ratio {wide / narrow} outside 2–3"
    assert bars[0][0] >= 10 * narrow and total_width - (bars[-1][0] + bars[-1][1]) >= 10 * narrow, "no quiet zone"
    kinds = ["w" if element > (narrow + wide) / 2 else "n" for element in elements]
    assert (len(kinds) + 1) % 10 == 0, f"{len(kinds)} elements do not make whole characters"
    text = ""
    for start in range(0, len(kinds), 10):
        pattern = "".join(kinds[start : start + 9])
        assert pattern in _BY_PATTERN, f"no Code 39 character is {pattern}"
        if start + 9 < len(kinds):
            assert kinds[start + 9] == "n", "the gap between characters is not narrow"
        text += _BY_PATTERN[pattern]
    assert text.startswith("*") and text.endswith("*") and len(text) > 2, f"no start/stop: {text}"
    return text[1:-1]


def barcode_in(page, selector: str = "svg.barcode") -> str:
    """The text of the barcode drawn on the page, read from its SVG's bars."""
    drawn = page.locator(selector).first.evaluate(
        """svg => ({width: svg.viewBox.baseVal.width,
                    bars: [...svg.querySelectorAll('rect.bar')].map(r => [r.x.baseVal.value, r.width.baseVal.value])})"""
    )
    return decode_code39([tuple(bar) for bar in drawn["bars"]], drawn["width"])
