"""What an English page may still hold in Han characters: the names and addresses people wrote, nothing else."""

from __future__ import annotations

import re
from collections.abc import Iterable

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def address_words(address: dict[str, str] | None) -> list[str]:
    return [address[part] for part in ("city", "district", "street") if address and address.get(part)]


def han_left(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The lines of ``text`` that still hold Han characters once the ``allowed`` words (names, addresses) are
    taken out."""
    words = sorted({w for w in allowed if w}, key=len, reverse=True)
    left = []
    for line in text.splitlines():
        rest = line
        for word in words:
            rest = rest.replace(word, "")
        if HAN.search(rest):
            left.append(line)
    return left
