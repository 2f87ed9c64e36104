"""What the layers say in words — deadline bases, flags, catalog suggestions, freeze reasons —
in Chinese and in English, kept as data.

The layers speak Chinese by default (exports, the command line). The dashboard's English
mode asks for ``lang="en"`` and passes its own translation of data values (categories,
statuses), which belongs to the app; the parameters listed in VALUE_PARAMS go through it.
"""

from __future__ import annotations

from collections.abc import Callable

TEMPLATES: dict[str, tuple[str, str]] = {
    # 区域限批 (FreezeVerdict in exitmap/policy/rules.py; layers/freeze.py, layers/standing.py)
    "freeze.reason": ("{cat}逾期{n}个", "{cat}: {n} overdue"),
    "freeze.target": (
        "未完成{year}年度目标任务（完成率{pct}%）",
        "{year} targets missed ({pct}% done)",
    ),
    "freeze.province": ("{n}个州（市）触发：{names}", "{n} prefectures triggered: {names}"),
    "freeze.unit": (
        "{key}（{cat}，期限 {deadline}，逾期{days}天）",
        "{key} ({cat}, deadline {deadline}, {days} days late)",
    ),
    "freeze.no_decision": (
        "规则已触发区域限批，但尚无限批决定",
        "The rule triggers a freeze, but none has been decided",
    ),
    "freeze.no_trigger": (
        "已作出限批决定，但按规则未触发（可考虑解除）",
        "A freeze is decided, but the rule does not trigger it (consider lifting it)",
    ),
    # How a deadline was computed (layers/units.py)
    "basis.none": ("无退出类别，不在退出范围内", "No exit category: outside the exit scope"),
    "basis.fixed": (
        "{cat}统一期限 {deadline}（{source}）",
        "{cat}: common deadline {deadline} ({source})",
    ),
    "basis.rectify.missing": (
        "{cat}以整改期限为准，但未给出整改期限",
        "{cat}: the rectification deadline applies, but none is given",
    ),
    "basis.rectify": (
        "{cat}以整改期限为准：{rd}",
        "{cat}: the rectification deadline applies: {rd}",
    ),
    "basis.plus.no_dates": (
        "{cat}：缺少问题认定日期和整改期限，无法计算期限",
        "{cat}: no identification date and no rectification deadline, so no deadline",
    ),
    "basis.plus.no_ident": (
        "{cat}：缺少问题认定日期，按整改期限 {rd}",
        "{cat}: no identification date; the rectification deadline {rd} applies",
    ),
    "basis.month": ("{month}（按月，取月末）", "{month} (a month: its last day)"),
    "basis.plus": (
        "问题认定日期 {ident} + {months}个月 = {base}",
        "identified {ident} + {months} months = {base}",
    ),
    "basis.plus.capped": (
        "{base}；整改期限 {rd} 超出认定后{total}个月的政策上限，按上限 {cap} 计",
        "{base}; the rectification deadline {rd} is past the policy's limit of {total} months "
        "after identification, so the limit {cap} applies",
    ),
    "basis.plus.extended_to": (
        "{base}；已延期，整改期限 {rd}（不超过{ext}个月的延期之内）",
        "{base}; extended: rectification deadline {rd} (within the {ext}-month extension)",
    ),
    "basis.plus.extended": (
        "{base}；已延期整改，+ {ext}个月 = {cap}",
        "{base}; rectification extended: + {ext} months = {cap}",
    ),
    "basis.plus.rectify": (
        "{base}；另给出整改期限 {rd}，以之为准",
        "{base}; a rectification deadline {rd} is also given and applies",
    ),
    # What looks wrong about a unit (layers/units.py)
    "flag.outside_policy": (
        "整改期限 {rd} 超出政策允许的最长期限 {cap}",
        "Rectification deadline {rd} is past the longest the policy allows ({cap})",
    ),
    "flag.must_suspend": (
        "{cat}应立即停产整顿，但{on}时仍为{status}",
        "{cat} must stop production at once, but on {on} it is still {status}",
    ),
    "flag.no_deadline": (
        "缺少计算期限所需的日期，无法判断是否逾期",
        "Dates needed for the deadline are missing: cannot tell whether it is overdue",
    ),
    "flag.exit_later": (
        "状态为{status}，但实际退出日期 {exit} 晚于 {on}",
        "Status is {status}, but the actual exit date {exit} is after {on}",
    ),
    "flag.catalog": (
        "目录建议为{suggested}，与申报的{cat}不一致",
        "The catalog suggests {suggested}, not the declared {cat}",
    ),
    "not_declared": ("（未申报）", "(none declared)"),
    # The catalog's suggestion (layers/policy/catalog.py)
    "suggest.no_edition": ("{on} 时尚无适用的目录版本", "No catalog edition is in force on {on}"),
    "suggest.spec": ("规格 {value}{unit} 满足 {bounds}", "spec {value}{unit} meets {bounds}"),
    "suggest.keyword": ("装备名称或规格含关键词「{words}」", "name or spec contains 「{words}」"),
    "suggest.rule": (
        "按{edition}年本目录规则 {rule}：{why}，建议为{suggested}{unverified}",
        "{edition} catalog, rule {rule}: {why}; suggests {suggested}{unverified}",
    ),
    "suggest.unverified": ("（门槛未核实）", " (threshold not verified)"),
    "suggest.outside": (
        "按{edition}年本目录：规格 {value}{unit} 不在淘汰类、限制类门槛之内",
        "{edition} catalog: spec {value}{unit} is inside neither the eliminate nor the "
        "restrict thresholds",
    ),
    "suggest.unknown": (
        "规格信息不足或目录规则未覆盖，无法建议类别",
        "Not enough about the spec, or no catalog rule covers it: no suggestion",
    ),
}
# How a language joins a list of reasons or flags.
SEPARATORS = {"list": ("、", "; "), "flags": ("；", "; "), "and": ("且", " and ")}
# Parameters that hold data values (a category, a status): translated, not just inserted.
VALUE_PARAMS = frozenset({"cat", "status", "suggested"})

Translate = Callable[[object], str]


def say(name: str, lang: str = "zh", value: Translate | None = None, /, **params) -> str:
    """TEMPLATES[name] in ``lang``, filled with ``params``."""
    zh, en = TEMPLATES[name]
    if lang != "en":
        return zh.format(**params)
    if value is not None:
        params = {k: value(p) if k in VALUE_PARAMS else p for k, p in params.items()}
    return en.format(**params)


def joined(kind: str, parts, lang: str = "zh") -> str:
    zh, en = SEPARATORS[kind]
    return (en if lang == "en" else zh).join(parts)
