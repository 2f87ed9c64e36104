"""What one caller may see: the access scope every read is filtered by.

A scope is computed on the server for each request from our own user table (never from what a
client or an identity provider claims) and passed into every ``layers`` call, which filters in
SQL with ``scope_sql`` and ``Scope.params``; caches are keyed by ``Scope.key()`` so that no
cached answer crosses from one scope to another. The command line and the jobs run with
``Scope.everything()``.

The same scope is the database's second wall: ``Scope.setting()`` is what the app's
transactions put in ``exitmap.prefectures`` for the row-level-security policies (migration
0005), ``'*'`` for every prefecture.

Not to be confused with a unit being *in scope* (having an exit category).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

# province: the office (everything, decisions, users); department: a lead department (all
# prefectures, its own categories' lists and decisions); prefecture: one 州（市） government
# (its own units); leader: read-only, everything. system: the command line and jobs.
ROLES: tuple[str, ...] = ("province", "department", "prefecture", "leader")
SYSTEM = "system"

# The bound parameter every scoped statement carries (``scope_sql``).
PARAM = "scope_prefectures"


def scope_sql(column: str) -> str:
    """A condition on ``column`` (a prefecture adcode): true for every row when the scope is
    the whole province (the bound array is NULL), else the adcode is one of the scope's.

    The text never changes with the scope, so one statement serves every caller."""
    return f"(CAST(:{PARAM} AS integer[]) IS NULL OR {column} = ANY(:{PARAM}))"


@dataclass(frozen=True)
class Scope:
    role: str
    user: str = ""
    # None: every prefecture. Otherwise the adcodes whose units, history and files it may see.
    prefectures: frozenset[int] | None = None
    # The lead departments the caller speaks for (a department user: its own).
    departments: frozenset[str] = frozenset()
    # None: every exit category. Otherwise the categories whose lists and decisions are its
    # own (a department's: those it leads, data/policy/deadlines.toml ``lead``).
    categories: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.role not in (*ROLES, SYSTEM):
            raise ValueError(f"unknown role {self.role!r}")
        if self.role == "prefecture" and self.prefectures is None:
            raise ValueError("a prefecture scope names its prefecture")
        if self.role == "department" and not self.departments:
            raise ValueError("a department scope names its department")
        if self.prefectures is not None:
            object.__setattr__(self, "prefectures", frozenset(int(a) for a in self.prefectures))

    @classmethod
    def everything(cls, user: str = SYSTEM) -> Scope:
        return cls(SYSTEM, user)

    @property
    def all_prefectures(self) -> bool:
        return self.prefectures is None

    def sees(self, adcode: int) -> bool:
        """May this scope see the units of prefecture ``adcode``?"""
        return self.prefectures is None or int(adcode) in self.prefectures

    def owns_category(self, category: str | None) -> bool:
        """Are the lists and decisions of ``category`` this caller's own?"""
        return self.categories is None or category in self.categories

    def narrow(self, wanted: int | Iterable[int] | None) -> Scope:
        """The same caller asking for ``wanted`` prefectures only (None: all it may see).

        Never wider than the scope: asking for another prefecture gives an empty scope."""
        if wanted is None:
            return self
        chosen = {int(wanted)} if isinstance(wanted, int) else {int(a) for a in wanted}
        if self.prefectures is not None:
            chosen &= self.prefectures
        return replace(self, prefectures=frozenset(chosen))

    def adcodes(self) -> list[int] | None:
        """The prefectures to read, sorted; None means all."""
        return None if self.prefectures is None else sorted(self.prefectures)

    def key(self) -> tuple:
        """A hashable key for caches: equal keys see exactly the same rows."""
        prefs = self.adcodes()
        # A department sees the reports of its own kinds (layers/report_counts.py).
        departments = tuple(sorted(self.departments)) if self.role == "department" else ()
        return (None if prefs is None else tuple(prefs), departments)

    def params(self) -> dict[str, object]:
        """The bound parameter of ``scope_sql``."""
        return {PARAM: self.adcodes()}

    def setting(self) -> str:
        """The value of ``exitmap.prefectures`` for the row-level-security policies."""
        prefs = self.adcodes()
        return "*" if prefs is None else ",".join(str(a) for a in prefs)

    def describe(self) -> str:
        """The scope in a few words, for the audit log."""
        parts = [self.role]
        if self.prefectures is not None:
            parts.append("prefectures=" + ",".join(str(a) for a in sorted(self.prefectures)))
        if self.departments:
            parts.append("departments=" + ",".join(sorted(self.departments)))
        return " ".join(parts)


EVERYTHING = Scope.everything()
