"""Text files as officials send them: UTF-8 (with or without BOM), UTF-16, GBK/GB18030."""

from __future__ import annotations

import codecs

import charset_normalizer

# Full-width ASCII (U+FF01–FF5E) and the ideographic space, as Chinese input methods type
# digits, letters and signs, by their plain ASCII forms.
FULL_WIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "}


def decode(raw: bytes) -> str | None:
    """The file's text, or None when no encoding fits (the caller says so in its own words)."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    # GB18030 is a superset of GBK; trying UTF-8 first is safe since valid GBK text with
    # Chinese characters is almost never valid UTF-8.
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(raw).best()
    return None if best is None else str(best)
