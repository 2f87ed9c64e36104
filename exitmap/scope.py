"""What one caller may see: the access scope every read is filtered by.

A scope is computed on the server for each request from our own user table (never from what a
client or an identity provider claims) and passed into every ``layers`` call, which filters in
SQL; caches are keyed by ``Scope.key()`` so that no cached answer crosses from one scope to
another. The command line and the jobs run with ``Scope.everything()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# province: the office (everything, decisions, users); department: a lead department (all
# prefectures, its own categories' lists and decisions); prefecture: one 州（市） government
# (its own units); leader: read-only, everything. system: the command line and jobs.
ROLES: tuple[str, ...] = ("province", "department", "prefecture", "leader")
SYSTEM = "system"


@dataclass(frozen=True)
class Scope:
    role: str
    user: str = ""
    # None: every prefecture. Otherwise the adcodes whose units, history and files it may see.
    prefectures: frozenset[int] | None = None
    departments: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.role not in (*ROLES, SYSTEM):
            raise ValueError(f"unknown role {self.role!r}")
        if self.role == "prefecture" and not self.prefectures:
            raise ValueError("a prefecture scope names its prefecture")

    @classmethod
    def everything(cls, user: str = SYSTEM) -> Scope:
        return cls(SYSTEM, user)

    @property
    def all_prefectures(self) -> bool:
        return self.prefectures is None

    def sees(self, adcode: int) -> bool:
        """May this scope see the units of prefecture ``adcode``?"""
        return self.prefectures is None or int(adcode) in self.prefectures

    def narrow(self, wanted: Iterable[int] | None) -> list[int] | None:
        """The prefectures to read: ``wanted`` (None: all) within the scope; None means all."""
        if wanted is None:
            return None if self.prefectures is None else sorted(self.prefectures)
        chosen = {int(a) for a in wanted}
        if self.prefectures is not None:
            chosen &= self.prefectures
        return sorted(chosen)

    def key(self) -> tuple:
        """A hashable key for caches: equal keys see exactly the same rows."""
        prefs = None if self.prefectures is None else tuple(sorted(self.prefectures))
        return (prefs,)

    def sql(self, column: str, name: str = "scope_prefectures") -> tuple[str, dict[str, object]]:
        """``AND <column> = ANY(:name)`` when the scope is limited, else nothing."""
        if self.prefectures is None:
            return "", {}
        return f" AND {column} = ANY(:{name})", {name: sorted(self.prefectures)}


EVERYTHING = Scope.everything()
