"""Our own texts (app/text/*.md) drawn as Dash components on the server.

dcc.Markdown would fetch a 325 KB renderer on first use and show the text only after it arrived;
these texts use a small subset of Markdown, so we draw that subset here and refuse anything else,
so that a text using more fails its test instead of showing stray asterisks.
"""

from __future__ import annotations

import re

from dash import html

# Inline marks, in the order they are tried at each position.
INLINE = re.compile(r"\*\*(?P<strong>[^*]+)\*\*|`(?P<code>[^`]+)`")
BLOCK_MARKS = ("#", ">", "|", "```", "1. ", "* ", "+ ")


def inline(text: str, source: str = "文本") -> list:
    """Text with **bold** and `code` marks → strings and components."""
    parts: list = []
    at = 0
    for m in INLINE.finditer(text):
        if m.start() > at:
            parts.append(text[at : m.start()])
        parts.append(html.Strong(m["strong"]) if m["strong"] else html.Code(m["code"]))
        at = m.end()
    if at < len(text):
        parts.append(text[at:])
    if any("*" in p or "`" in p for p in parts if isinstance(p, str)):
        raise ValueError(f"{source}：未支持的行内标记（只支持 **粗体** 和 `代码`）：{text}")
    return parts


def render(text: str, *, source: str = "文本") -> list:
    """Blocks separated by blank lines: `## heading`, a run of `- item` lines, or a paragraph."""
    out: list = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in block.splitlines()]
        first = lines[0]
        if first.startswith("## ") and len(lines) == 1:
            out.append(html.H2(inline(first[3:], source)))
        elif all(line.startswith("- ") for line in lines):
            out.append(html.Ul([html.Li(inline(line[2:], source)) for line in lines]))
        elif not any(line.lstrip().startswith(BLOCK_MARKS) for line in lines):
            out.append(html.P(inline(" ".join(line.strip() for line in lines), source)))
        else:
            raise ValueError(f"{source}：未支持的段落格式（只支持二级标题、列表和段落）：{first}")
    return out
