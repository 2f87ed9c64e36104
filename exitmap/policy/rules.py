"""Load and validate the policy rules in data/policy/*.toml into frozen dataclasses.

The numbers live in the TOML files (each entry with its source) so that a policy change is an
edit to data, reviewed like code, not a code change. Validation happens once, at start-up, and
stops with a Chinese message naming the file and the entry — a wrong rule must never silently
produce wrong deadlines.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from exitmap import ROOT
from exitmap.errors import UserError
from exitmap.policy.texts import Translate, joined, say
from exitmap.vocabulary import ALL_SUB_INDUSTRIES as SUB_INDUSTRIES
from exitmap.vocabulary import CATEGORIES, STATUSES

POLICY_DIR = ROOT / "data" / "policy"
DEADLINE_KINDS = ("fixed", "identified_plus_months", "rectify_deadline")
# 目录外: an explicit catalog exemption (e.g. stamp-charged coke ovens ≥ 3.8 m).
NOT_LISTED = "目录外"
CATALOG_CATEGORIES = ("淘汰类", "限制类", NOT_LISTED)


class PolicyError(UserError, ValueError):
    """A policy data file is missing, unreadable or holds an invalid entry."""


@dataclass(frozen=True)
class CategoryRule:
    name: str
    kind: str
    source: str
    deadline: dt.date | None = None
    months: int | None = None
    extension_months: int | None = None
    must_suspend: bool = False
    # Lead departments (seed 二(一)1–5, 二(二)): who acts on, and publishes lists of, the category.
    lead: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatusSets:
    exited: tuple[str, ...]
    rectified: tuple[str, ...]
    extension: tuple[str, ...]
    operating: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Edition:
    name: str
    effective_from: dt.date
    source: str


@dataclass(frozen=True)
class CatalogRule:
    id: str
    editions: tuple[str, ...]
    sub_industry: str
    category: str
    source: str
    verified: bool
    equipment: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    spec_unit: str | None = None
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None

    @property
    def numeric(self) -> bool:
        return any(b is not None for b in (self.gt, self.ge, self.lt, self.le))


@dataclass(frozen=True)
class Surcharge:
    id: str
    kind: str
    sub_industries: tuple[str, ...]
    categories: tuple[str, ...]
    yuan_per_kwh: float
    effective_from: dt.date
    source: str
    verified: bool
    effective_to: dt.date | None = None
    note: str = ""

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)


@dataclass(frozen=True)
class TargetTrigger:
    """「未完成年度目标任务」as a 区域限批 trigger (freeze.toml [target_trigger]): off unless
    switched on; a line missed on its due date counts for ``counts_for_days`` after it."""

    enabled: bool
    counts_for_days: int
    source: str


@dataclass(frozen=True)
class FreezeRule:
    categories: tuple[str, ...]
    min_overdue_units: int
    reported_separately: tuple[str, ...]
    source: str
    target: TargetTrigger = TargetTrigger(False, 365, "")


@dataclass(frozen=True)
class FreezeVerdict:
    """What the 区域限批 rule says of one prefecture (``Policy.freeze_verdict``)."""

    triggered: bool
    # The trigger categories that have overdue units, with their counts, in the policy's order.
    overdue: tuple[tuple[str, int], ...]
    # The years whose targets were missed by their due date, with their completion (%), when
    # the target trigger is on (layers/targets.py says which lines count on a date).
    missed: tuple[tuple[int, float], ...] = ()

    @property
    def units(self) -> int:
        """Overdue units that count towards the trigger."""
        return sum(n for _, n in self.overdue)

    @property
    def categories(self) -> tuple[str, ...]:
        """The trigger categories that have overdue units."""
        return tuple(c for c, _ in self.overdue)

    def reasons(self, lang: str = "zh", value: Translate | None = None) -> str:
        """「淘汰类逾期2个、环保不达标逾期1个」: each counted category, in the policy's order,
        then each missed year's targets (「未完成2025年度目标任务（完成率60.0%）」)."""
        parts = [say("freeze.reason", lang, value, cat=c, n=n) for c, n in self.overdue]
        parts += [say("freeze.target", lang, year=y, pct=f"{p:.1f}") for y, p in self.missed]
        return joined("list", parts, lang)


@dataclass(frozen=True)
class Policy:
    categories: Mapping[str, CategoryRule]
    statuses: StatusSets
    editions: tuple[Edition, ...]
    catalog_rules: tuple[CatalogRule, ...]
    unit_aliases: Mapping[str, str]  # lower-cased spelling → canonical unit
    surcharges: tuple[Surcharge, ...]
    freeze: FreezeRule
    versions: Mapping[str, str]

    @property
    def scope_start(self) -> Edition:
        """Where the policy starts: a unit with an exit category is in scope from the first
        catalog edition's effective date (or its 问题认定日期, if later), before any register
        states it (etl/history.py)."""
        return self.editions[0]

    def edition_on(self, on: dt.date) -> Edition | None:
        """The catalog edition in force on a date (None before the first one)."""
        current = None
        for e in self.editions:  # sorted by effective_from
            if e.effective_from <= on:
                current = e
        return current

    def surcharges_on(self, on: dt.date) -> dict[tuple[str, str], Surcharge]:
        """(sub_industry, category) → the surcharge that applies on the date.

        The entry in force with the latest effective_from wins: a newer notice supersedes.
        """
        chosen: dict[tuple[str, str], Surcharge] = {}
        for s in sorted(self.surcharges, key=lambda s: s.effective_from):
            if s.in_force(on):
                for sub in s.sub_industries:
                    for cat in s.categories:
                        chosen[(sub, cat)] = s
        return chosen

    def trigger_categories(self, xianzhi_triggers: bool = False) -> tuple[str, ...]:
        cats = self.freeze.categories
        if xianzhi_triggers and "限制类" not in cats:
            cats = (*cats, "限制类")
        return cats

    def freeze_verdict(
        self,
        overdue: Mapping[str, int],
        xianzhi_triggers: bool = False,
        missed: Mapping[int, float] | None = None,
    ) -> FreezeVerdict:
        """The 区域限批 rule applied to one prefecture's overdue units per category, and to
        the years whose targets it missed (year → completion %, the lines that count now).

        Every category may be given; only the trigger categories count (限制类 too when
        ``xianzhi_triggers``). Triggered once they hold ``min_overdue_units`` together, or,
        with the target trigger switched on, by any missed year.
        The standing, the map and the freeze list all ask here.
        """
        triggers = self.trigger_categories(xianzhi_triggers)
        counted = tuple(
            (cat, int(overdue[cat]))
            for cat in self.categories  # the policy's order, whatever the caller's
            if cat in triggers and cat in overdue and overdue[cat] > 0
        )
        years = tuple(sorted((missed or {}).items())) if self.freeze.target.enabled else ()
        total = sum(n for _, n in counted)
        return FreezeVerdict(total >= self.freeze.min_overdue_units or bool(years), counted, years)


# ---------------------------------------------------------------- validation helpers


class _Entry:
    """Typed access to one TOML table, with errors that name the file and the entry."""

    def __init__(self, file: str, label: str, data: Mapping[str, Any]):
        self.file, self.label, self.data = file, label, data

    def fail(self, message: str) -> PolicyError:
        return PolicyError(f"政策数据文件 {self.file} 中的条目「{self.label}」无效：{message}")

    def get(self, key: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
        if key not in self.data:
            if required:
                raise self.fail(f"缺少字段 {key}")
            return None
        value = self.data[key]
        # bool is an int subclass in Python; a number field must not accept true/false.
        if isinstance(value, bool) and bool not in _as_tuple(kind):
            raise self.fail(f"字段 {key} 的值 {value!r} 类型不对")
        if not isinstance(value, kind):
            raise self.fail(f"字段 {key} 的值 {value!r} 类型不对")
        if isinstance(value, dt.datetime):  # a TOML datetime where a date is expected
            raise self.fail(f"字段 {key} 应为日期（如 2021-12-31），不应带时间")
        return value

    def words(self, key: str, required: bool = False, allowed: tuple[str, ...] = ()) -> tuple:
        value = self.get(key, list, required)
        if value is None:
            return ()
        if not all(isinstance(v, str) and v for v in value):
            raise self.fail(f"字段 {key} 应为非空文字列表")
        for v in value:
            if allowed and v not in allowed:
                raise self.fail(f"字段 {key} 中的「{v}」不在可选值之内：{'、'.join(allowed)}")
        return tuple(value)

    def source(self) -> str:
        text = self.get("source", str)
        if not text.strip():
            raise self.fail("source 不能为空：请注明出处（文件条款、目录版本或价格文件）")
        return text


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _read(directory: Path, name: str) -> tuple[dict[str, Any], str]:
    path = directory / name
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise PolicyError(f"找不到政策数据文件 {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"政策数据文件 {path} 格式错误：{exc}") from None
    version = data.get("version")
    if not isinstance(version, str):
        raise PolicyError(f'政策数据文件 {path} 缺少 version（文字，如 "2024-06-01"）')
    return data, version


def _tables(data: dict[str, Any], key: str, file: str) -> list[dict[str, Any]]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise PolicyError(f"政策数据文件 {file} 缺少 [[{key}]] 条目")
    return value


# ---------------------------------------------------------------- the four files


def _deadlines(data: dict[str, Any], file: str) -> tuple[dict[str, CategoryRule], StatusSets]:
    rules: dict[str, CategoryRule] = {}
    for i, raw in enumerate(_tables(data, "category", file), 1):
        e = _Entry(file, str(raw.get("name", f"第{i}条")), raw)
        name = e.get("name", str)
        if name not in CATEGORIES:
            raise e.fail(f"退出类别「{name}」不在 {'、'.join(CATEGORIES)} 之内")
        if name in rules:
            raise e.fail("退出类别重复")
        kind = e.get("kind", str)
        if kind not in DEADLINE_KINDS:
            raise e.fail(f"kind 应为 {'、'.join(DEADLINE_KINDS)} 之一")
        rule = CategoryRule(
            name=name,
            kind=kind,
            source=e.source(),
            deadline=e.get("deadline", dt.date, required=kind == "fixed"),
            months=e.get("months", int, required=kind == "identified_plus_months"),
            extension_months=e.get("extension_months", int, required=False),
            must_suspend=bool(e.get("must_suspend", bool, required=False)),
            lead=e.words("lead", True),
        )
        for key in ("months", "extension_months"):
            value = getattr(rule, key)
            if value is not None and not 0 <= value <= 120:
                raise e.fail(f"{key} 应在 0–120 个月之间")
        rules[name] = rule
    missing = [c for c in CATEGORIES if c not in rules]
    if missing:
        raise PolicyError(f"政策数据文件 {file} 缺少退出类别：{'、'.join(missing)}")

    raw = data.get("statuses")
    if not isinstance(raw, dict):
        raise PolicyError(f"政策数据文件 {file} 缺少 [statuses]")
    e = _Entry(file, "statuses", raw)
    sets = StatusSets(
        exited=e.words("exited", True, STATUSES),
        rectified=e.words("rectified", True, STATUSES),
        extension=e.words("extension", True, STATUSES),
        operating=e.words("operating", True, STATUSES),
        source=e.source(),
    )
    if set(sets.exited) & set(sets.rectified):
        raise e.fail("同一状态不能既算退出又算改造达标")
    return rules, sets


def _catalog(
    data: dict[str, Any], file: str
) -> tuple[tuple[Edition, ...], tuple[CatalogRule, ...], dict[str, str]]:
    editions = []
    for i, raw in enumerate(_tables(data, "edition", file), 1):
        e = _Entry(file, str(raw.get("name", f"第{i}个版本")), raw)
        editions.append(Edition(e.get("name", str), e.get("effective_from", dt.date), e.source()))
    editions.sort(key=lambda ed: ed.effective_from)
    names = [ed.name for ed in editions]
    if len(set(names)) != len(names):
        raise PolicyError(f"政策数据文件 {file} 中目录版本重复")

    units = data.get("units")
    if not isinstance(units, dict):
        raise PolicyError(f"政策数据文件 {file} 缺少 [units]")
    aliases: dict[str, str] = {}
    for canonical in units:
        e = _Entry(file, f"units.{canonical}", units)
        for spelling in (canonical, *e.words(canonical, True)):
            aliases[spelling.lower()] = canonical

    rules = []
    seen = set()
    for i, raw in enumerate(_tables(data, "rule", file), 1):
        e = _Entry(file, str(raw.get("id", f"第{i}条规则")), raw)
        rule = CatalogRule(
            id=e.get("id", str),
            editions=e.words("editions", True, tuple(names)),
            sub_industry=e.get("sub_industry", str),
            category=e.get("category", str),
            source=e.source(),
            verified=e.get("verified", bool),
            equipment=e.words("equipment"),
            keywords=e.words("keywords"),
            spec_unit=e.get("spec_unit", str, required=False),
            **{b: _number(e, b) for b in ("gt", "ge", "lt", "le")},
        )
        if rule.id in seen:
            raise e.fail("id 重复")
        seen.add(rule.id)
        if rule.sub_industry not in SUB_INDUSTRIES:
            raise e.fail(f"细分行业「{rule.sub_industry}」不在范围之内")
        if rule.category not in CATALOG_CATEGORIES:
            raise e.fail(f"category 应为 {'、'.join(CATALOG_CATEGORIES)} 之一")
        if rule.numeric and rule.spec_unit not in units:
            raise e.fail(f"有数值门槛时 spec_unit 必须是 [units] 中的单位，现为 {rule.spec_unit!r}")
        if not (rule.numeric or rule.keywords):
            raise e.fail("规则至少需要数值门槛（gt/ge/lt/le）或关键词（keywords）之一")
        rules.append(rule)  # file order is kept: the first matching rule wins
    return tuple(editions), tuple(rules), aliases


def _number(e: _Entry, key: str) -> float | None:
    value = e.get(key, (int, float), required=False)
    return None if value is None else float(value)


def _surcharges(data: dict[str, Any], file: str) -> tuple[Surcharge, ...]:
    out = []
    for i, raw in enumerate(_tables(data, "surcharge", file), 1):
        e = _Entry(file, str(raw.get("id", f"第{i}条")), raw)
        s = Surcharge(
            id=e.get("id", str),
            kind=e.get("kind", str),
            sub_industries=e.words("sub_industries", True, SUB_INDUSTRIES),
            categories=e.words("categories", True, CATEGORIES),
            yuan_per_kwh=float(e.get("yuan_per_kwh", (int, float))),
            effective_from=e.get("effective_from", dt.date),
            effective_to=e.get("effective_to", dt.date, required=False),
            source=e.source(),
            verified=e.get("verified", bool),
            note=e.get("note", str, required=False) or "",
        )
        if s.kind not in ("差别电价", "惩罚性电价", "阶梯电价"):
            raise e.fail("kind 应为 差别电价、惩罚性电价、阶梯电价 之一")
        if not 0 <= s.yuan_per_kwh <= 5:
            raise e.fail(f"yuan_per_kwh={s.yuan_per_kwh} 超出合理范围（0–5 元/千瓦时）")
        if s.effective_to is not None and s.effective_to <= s.effective_from:
            raise e.fail("effective_to 应晚于 effective_from")
        for other in out:
            clash = (
                other.effective_from == s.effective_from
                and set(other.sub_industries) & set(s.sub_industries)
                and set(other.categories) & set(s.categories)
            )
            if clash:
                raise e.fail(f"与条目「{other.id}」在同一生效日期覆盖相同的行业和类别")
            if other.id == s.id:
                raise e.fail("id 重复")
        out.append(s)
    return tuple(out)


def _freeze(data: dict[str, Any], file: str) -> FreezeRule:
    trig = data.get("trigger")
    if not isinstance(trig, dict):
        raise PolicyError(f"政策数据文件 {file} 缺少 [trigger]")
    e = _Entry(file, "trigger", trig)
    sep = data.get("reported_separately", {})
    rule = FreezeRule(
        categories=e.words("categories", True, CATEGORIES),
        min_overdue_units=e.get("min_overdue_units", int),
        reported_separately=_Entry(file, "reported_separately", sep).words(
            "categories", False, CATEGORIES
        ),
        source=e.source(),
    )
    if rule.min_overdue_units < 1:
        raise e.fail("min_overdue_units 至少为 1")
    return replace(rule, target=_target_trigger(data.get("target_trigger"), file))


def _target_trigger(data: Any, file: str) -> TargetTrigger:
    if data is None:
        return FreezeRule.target
    if not isinstance(data, dict):
        raise PolicyError(f"政策数据文件 {file} 的 [target_trigger] 应为一个表")
    e = _Entry(file, "target_trigger", data)
    rule = TargetTrigger(
        enabled=e.get("enabled", bool),
        counts_for_days=e.get("counts_for_days", int),
        source=e.source(),
    )
    if rule.counts_for_days < 1:
        raise e.fail("counts_for_days 至少为 1")
    return rule


def load_policy(directory: Path | str = POLICY_DIR) -> Policy:
    """Read and validate all four files; raise PolicyError (Chinese) on the first problem."""
    directory = Path(directory)
    versions = {}
    data, versions["deadlines.toml"] = _read(directory, "deadlines.toml")
    categories, statuses = _deadlines(data, "deadlines.toml")
    data, versions["catalog.toml"] = _read(directory, "catalog.toml")
    editions, catalog_rules, aliases = _catalog(data, "catalog.toml")
    data, versions["surcharges.toml"] = _read(directory, "surcharges.toml")
    surcharges = _surcharges(data, "surcharges.toml")
    data, versions["freeze.toml"] = _read(directory, "freeze.toml")
    freeze = _freeze(data, "freeze.toml")
    return Policy(
        categories=MappingProxyType(categories),
        statuses=statuses,
        editions=editions,
        catalog_rules=catalog_rules,
        unit_aliases=MappingProxyType(aliases),
        surcharges=surcharges,
        freeze=freeze,
        versions=MappingProxyType(versions),
    )


@functools.cache
def default_policy() -> Policy:
    """The project's rules, read once per process."""
    return load_policy(POLICY_DIR)
