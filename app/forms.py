"""What a user typed into a form's text field, read as a number or a date — or a UserError in
Chinese naming the field. Numbers are typed in text fields on purpose: a number field's
steppers are too small to tap, and it drops what it cannot parse without a word. (The pages
of 决定, 目标任务 and 专项工作 read their fields here.)"""

from __future__ import annotations

import datetime as dt

from exitmap.errors import UserError


def number(text, label: str, kind: type = float, required: bool = False):
    """``text`` as ``kind`` (thousands separators allowed), None when empty and not required."""
    if text in (None, ""):
        if required:
            raise UserError(f"请填写{label}")
        return None
    try:
        return kind(str(text).replace(",", "").strip())
    except ValueError:
        wanted = "整数" if kind is int else "数字"
        raise UserError(f"{label}应填写{wanted}，收到「{str(text)[:20]}」") from None


def day(text, label: str, required: bool = True) -> dt.date | None:
    """``text`` as a YYYY-MM-DD date (None when empty and not required)."""
    if not text and not required:
        return None
    try:
        return dt.date.fromisoformat(str(text or "").strip())
    except ValueError:
        raise UserError(f"{label}应为 YYYY-MM-DD 格式，收到「{str(text or '')[:20]}」") from None
