"""How many SMS segments a body takes, as carriers (and Twilio's price) count them.

A body written only in the GSM-7 alphabet is sent 7 bits a character: 160 characters fit one
SMS, and a longer body is split into segments of 153 (each carries a 7-character header). One
character outside that alphabet (an emoji, a curly quote, most non-Latin letters) sends the
whole body as UCS-2: 70 UTF-16 units in one SMS, 67 per segment beyond. The GSM-7 extension
characters (`{ } [ ] ~ | ^ \\ €` and form feed) take two septets each, and neither an escape
pair nor a surrogate pair is split across two segments.

The core calls `count_segments` before a campaign runs, so its cost is known and a body over
the connection's `max_segments` is refused before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["GSM7_BASIC", "GSM7_EXTENSION", "Segments", "count_segments"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

Encoding = Literal["GSM-7", "UCS-2"]

# (units in a single-part message, units per part of a concatenated one)
_CAPACITY: dict[Encoding, tuple[int, int]] = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


@dataclass(frozen=True)
class Segments:
    """A body's encoding, its length in that encoding's units, and the SMS it takes."""

    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    count: int


def _units(text: str, encoding: Encoding) -> list[int]:
    """Each character's width in units; a character is never split across segments."""
    if encoding == "GSM-7":
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def count_segments(text: str) -> Segments:
    """The segments `text` takes as one SMS body (an empty body still takes one)."""
    gsm = all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)
    encoding: Encoding = "GSM-7" if gsm else "UCS-2"
    widths = _units(text, encoding)
    single, part = _CAPACITY[encoding]
    total = sum(widths)
    if total <= single:
        return Segments(encoding, total, 1)
    count, used = 1, 0
    for width in widths:
        if used + width > part:
            count, used = count + 1, 0
        used += width
    return Segments(encoding, total, count)
