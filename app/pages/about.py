"""说明 /about: definitions, policy sources, provenance and licences (app/text/about.*.md), and
the data's status: as-of date, load time, counts by source, the synthetic-data banner."""

from __future__ import annotations

from pathlib import Path

from dash import html

from app import format as fmt
from app.components import prose
from app.context import Context
from app.state import ViewState
from exitmap.policy import default_policy

TEXT = Path(__file__).resolve().parent.parent / "text"

LABELS = {
    "zh": {
        "title": "说明",
        "status": "数据状态",
        "as_of": "数据日期（最新一期登记表）：",
        "loaded": "最近载入时间：",
        "units": "装备总数：{n}（合成 {s}；GEM {g}；登记表 {r}）",
        "versions": "政策规则版本：",
        "banner": "当前库中含合成演示数据（{s} 台套），企业与数字均为虚构。",
        "sources": "规则出处：",
    },
    "en": {
        "title": "About",
        "status": "Data status",
        "as_of": "Data as of (latest register): ",
        "loaded": "Last loaded: ",
        "units": "Units: {n} (synthetic {s}; GEM {g}; registers {r})",
        "versions": "Policy rule versions: ",
        "banner": "Synthetic demo data loaded ({s} units): firms and figures are invented.",
        "sources": "Rule sources: ",
    },
}


def about_file(lang: str) -> Path:
    return TEXT / f"about.{lang}.md"


def layout(ctx: Context, state: ViewState) -> html.Div:
    lang = state.lang
    lab = LABELS[lang]
    text = about_file(lang)
    status = ctx.status()
    policy = default_policy()
    synthetic = status.get("synthetic") or 0
    loaded = status.get("loaded_at")
    sources = sorted({c.source for c in policy.categories.values()} | {policy.freeze.source})
    counts = {
        "n": f"{status.get('units') or 0:,}",
        "s": f"{synthetic:,}",
        "g": f"{status.get('gem') or 0:,}",
        "r": f"{status.get('register') or 0:,}",
    }
    return html.Div(
        [
            html.H1(lab["title"], style={"marginBottom": "12px"}),
            html.Div(lab["banner"].format(**counts), className="banner", id="about-synthetic")
            if synthetic
            else None,
            html.Div(
                [
                    html.H2(lab["status"]),
                    html.Ul(
                        [
                            html.Li(
                                lab["as_of"] + fmt.date(status.get("as_of"), lang), id="about-as-of"
                            ),
                            html.Li(
                                lab["loaded"]
                                + (loaded.strftime("%Y-%m-%d %H:%M") if loaded else "—")
                            ),
                            html.Li(lab["units"].format(**counts)),
                            html.Li(
                                lab["versions"]
                                + "；".join(f"{k} {v}" for k, v in policy.versions.items())
                            ),
                        ]
                    ),
                    html.Div(prose.render(text.read_text(encoding="utf-8"), source=text.name)),
                    html.P(lab["sources"], className="small muted"),
                    html.Ul([html.Li(s) for s in sources], className="small muted"),
                ],
                className="card prose",
            ),
        ]
    )
