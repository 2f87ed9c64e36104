"""data/policy/reports.toml: which department each kind of report goes to, and its deadlines.

In the core beside the other policy files, so that layers/ and exports/ can name the kinds too.
Validated like the other policy files: the first problem stops the program with a Chinese
message naming the file and the entry (``PolicyError``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from exitmap.policy import default_policy
from exitmap.policy.rules import POLICY_DIR, PolicyError, _Entry, _read, _tables

FILE = "reports.toml"
CODE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
MAX_DAYS = 365


@dataclass(frozen=True)
class Days:
    days: int
    source: str  # the text it comes from; "" for a local setting
    local: bool


@dataclass(frozen=True)
class Kind:
    code: str  # Open311 service_code
    name: str  # service_name, as the public reads it
    description: str
    department: str  # agency_responsible
    source: str
    acknowledge: Days
    finish: Days


@dataclass(frozen=True)
class ReportPolicy:
    version: str
    kinds: dict[str, Kind]  # by code, in file order

    def kind(self, code: str) -> Kind:
        try:
            return self.kinds[code]
        except KeyError:
            raise PolicyError(
                f"举报类别「{code}」不存在，应为 {'、'.join(self.kinds)} 之一"
            ) from None

    def codes_of(self, departments) -> tuple[str, ...]:
        """The kinds whose reports go to any of ``departments``."""
        wanted = set(departments)
        return tuple(code for code, k in self.kinds.items() if k.department in wanted)


def _days(entry: _Entry, key: str) -> Days:
    table = entry.get(key, dict)
    days = table.get("days")
    if isinstance(days, bool) or not isinstance(days, int) or not 0 < days <= MAX_DAYS:
        raise entry.fail(f"{key}.days 应为 1–{MAX_DAYS} 的整数天数，收到 {days!r}")
    local = table.get("local", False)
    if not isinstance(local, bool):
        raise entry.fail(f"{key}.local 应为 true 或 false")
    source = table.get("source", "")
    if not isinstance(source, str):
        raise entry.fail(f"{key}.source 应为文字")
    if not local and not source.strip():
        raise entry.fail(f"{key} 需注明 source（出处），或标明 local = true（本地设定）")
    unknown = set(table) - {"days", "local", "source"}
    if unknown:
        raise entry.fail(f"{key} 中有不认识的字段：{'、'.join(sorted(unknown))}")
    return Days(days, source.strip(), local)


def load_reports_policy(directory: Path | str = POLICY_DIR) -> ReportPolicy:
    """Read and validate reports.toml; its departments must be lead departments of
    deadlines.toml (so that a department's users can be given its reports)."""
    directory = Path(directory)
    data, version = _read(directory, FILE)
    leads = {name for rule in default_policy().categories.values() for name in rule.lead}
    kinds: dict[str, Kind] = {}
    names: set[str] = set()
    for n, raw in enumerate(_tables(data, "kind", FILE), start=1):
        entry = _Entry(FILE, str(raw.get("code") or raw.get("name") or f"第{n}个 [[kind]]"), raw)
        code = entry.get("code", str)
        if not CODE.match(code):
            raise entry.fail("code 应为小写英文字母开头的英文代码（Open311 service_code）")
        if code in kinds:
            raise entry.fail("code 重复")
        name = entry.get("name", str).strip()
        if not name or name in names:
            raise entry.fail("name 不能为空，也不能与其他类别重复")
        department = entry.get("department", str)
        if department not in leads:
            known = "、".join(sorted(leads))
            raise entry.fail(f"department「{department}」不是 deadlines.toml 中的牵头部门：{known}")
        names.add(name)
        kinds[code] = Kind(
            code=code,
            name=name,
            description=(entry.get("description", str, required=False) or "").strip(),
            department=department,
            source=entry.source(),
            acknowledge=_days(entry, "acknowledge"),
            finish=_days(entry, "finish"),
        )
        if kinds[code].acknowledge.days > kinds[code].finish.days:
            raise entry.fail("acknowledge.days 不应多于 finish.days")
    return ReportPolicy(version, kinds)


@functools.cache
def reports_policy() -> ReportPolicy:
    return load_reports_policy(POLICY_DIR)
