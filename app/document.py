"""The HTML document Dash serves for every address: its language and title are the view's.

Screen readers pick their voice from ``<html lang>``; the language is in the URL (``?lang=en``)
and switching it reloads the page, so the document can say it from the first byte.
"""

from __future__ import annotations

import flask

from app.i18n import t
from app.state import parse

HTML_LANG = {"zh": "zh-CN", "en": "en"}


def view_lang() -> str:
    """The language of the address being served ('zh' or 'en')."""
    return parse(flask.request.query_string.decode("utf-8", "replace")).lang


def install(app) -> None:
    """Make ``app`` (a dash.Dash) write ``<html lang>`` and a title in the view's language."""
    plain = app.interpolate_index

    def interpolate_index(**kwargs):
        lang = view_lang()
        kwargs["title"] = f"{t('title', lang)} · {t('province', lang)}"
        page = plain(**kwargs)
        return page.replace("<html>", f'<html lang="{HTML_LANG[lang]}">', 1)

    app.interpolate_index = interpolate_index
