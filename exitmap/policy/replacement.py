"""产能置换 rules (data/policy/replacement.toml): the capacity under total-volume control, which
may be newly built only by replacing exited capacity, and the ratio (exited : new) for each.

Read and validated like the other policy files (Chinese errors naming the file and the entry).
A ratio keeps its source and whether the office has checked it against the document in force.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from exitmap.policy.rules import POLICY_DIR, PolicyError, _Entry, _read

FILE = "replacement.toml"


@dataclass(frozen=True)
class Ratio:
    value: float  # exited capacity needed per unit of new capacity
    source: str
    verified: bool
    local: bool  # a local setting, not a national rule

    def text(self) -> str:
        mark = "" if self.verified else "（待核实）"
        return f"{self.value:g}:1{mark}"


@dataclass(frozen=True)
class ReplacementRules:
    controlled: tuple[str, ...]
    controlled_source: str
    ratios: dict[str, Ratio]
    version: str

    def ratio(self, sub_industry: str) -> Ratio:
        if sub_industry not in self.ratios:
            raise PolicyError(f"{FILE} 没有「{sub_industry}」的置换比例")
        return self.ratios[sub_industry]


def load_replacement(directory: Path | str = POLICY_DIR) -> ReplacementRules:
    data, version = _read(Path(directory), FILE)
    controlled_entry = _Entry(FILE, "controlled", data.get("controlled") or {})
    controlled = controlled_entry.words("sub_industries", required=True)
    source = controlled_entry.source()
    ratios: dict[str, Ratio] = {}
    for i, raw in enumerate(data.get("ratio") or [], start=1):
        entry = _Entry(FILE, f"ratio 第{i}条", raw)
        subs = entry.words("sub_industries", required=True, allowed=controlled)
        value = float(entry.get("ratio", (int, float)))
        if not value >= 1:
            raise entry.fail(f"ratio 应不小于 1（退出 : 新建），现为 {value}")
        ratio = Ratio(
            value,
            entry.source(),
            bool(entry.get("verified", bool, required=False)),
            bool(entry.get("local", bool, required=False)),
        )
        for sub in subs:
            if sub in ratios:
                raise entry.fail(f"「{sub}」的比例已在前面的条目中给出")
            ratios[sub] = ratio
    missing = [s for s in controlled if s not in ratios]
    if missing:
        raise PolicyError(f"政策数据文件 {FILE} 缺少置换比例：{'、'.join(missing)}")
    return ReplacementRules(controlled, source, ratios, version)


@functools.cache
def default_replacement() -> ReplacementRules:
    """The project's rules, read once per process."""
    return load_replacement(POLICY_DIR)
