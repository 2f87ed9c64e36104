"""Users, their passwords and API tokens: the one source of every caller's role and scope.

A password is stored only as its Argon2 hash (argon2-cffi), an API token only as its SHA-256.
Users who sign in through the office's identity provider have no password here; they still need
a row, which is what gives them a role and a scope.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from exitmap.errors import UserError
from exitmap.policy import default_policy
from exitmap.scope import ROLES, Scope
from exitmap.vocabulary import PREFECTURES

_HASHER = PasswordHasher()
# A hash to verify against when the user does not exist, so that answering takes as long.
_DUMMY = _HASHER.hash("exitmap: no such user")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.-@")


class AccessError(UserError):
    """A user administration request that cannot be carried out (says why, in Chinese)."""


def departments() -> tuple[str, ...]:
    """The lead departments named in data/policy/deadlines.toml, in first-seen order."""
    seen: dict[str, None] = {}
    for rule in default_policy().categories.values():
        for name in rule.lead:
            seen[name] = None
    return tuple(seen)


def led_categories(department: str) -> frozenset[str]:
    """The exit categories ``department`` leads (deadlines.toml ``lead``)."""
    return frozenset(
        name for name, rule in default_policy().categories.items() if department in rule.lead
    )


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    prefecture_adcode: int | None
    department: str | None
    disabled: bool
    has_password: bool

    def scope(self) -> Scope:
        """What this user may see, from this row alone."""
        if self.role == "prefecture":
            return Scope("prefecture", self.username, frozenset({self.prefecture_adcode}))
        if self.role == "department":
            return Scope(
                "department",
                self.username,
                departments=frozenset({self.department}),
                categories=led_categories(self.department),
            )
        return Scope(self.role, self.username)

    def label(self) -> str:
        """Who, in a few words: name and role (and prefecture or department)."""
        where = (
            PREFECTURES.get(self.prefecture_adcode, str(self.prefecture_adcode))
            if self.prefecture_adcode
            else self.department or ""
        )
        return " ".join(
            p for p in (self.display_name or self.username, ROLE_NAMES[self.role], where) if p
        )


ROLE_NAMES = {
    "province": "省办",
    "department": "牵头部门",
    "prefecture": "州（市）",
    "leader": "领导",
}

_COLUMNS = (
    "id, username, display_name, role, prefecture_adcode, department, disabled,"
    " password_hash IS NOT NULL AS has_password"
)


def _check(role: str, prefecture: int | None, department: str | None) -> None:
    if role not in ROLES:
        raise AccessError(f"角色应为 {'、'.join(ROLES)} 之一，收到「{role}」")
    if role == "prefecture":
        if prefecture is None or int(prefecture) not in PREFECTURES:
            raise AccessError(
                "州（市）用户须以 --prefecture 给出 16 个州（市）之一的代码（如 530100）"
            )
    elif prefecture is not None:
        raise AccessError("只有 prefecture 角色的用户才属于一个州（市）")
    if role == "department":
        if department not in departments():
            raise AccessError(f"牵头部门应为 {'、'.join(departments())} 之一，收到「{department}」")
    elif department is not None:
        raise AccessError("只有 department 角色的用户才属于一个牵头部门")


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not (1 <= len(name) <= 64) or set(name) - USERNAME_CHARS:
        raise AccessError(
            f"用户名只能由小写字母、数字和 _ . - @ 组成（1–64 个字符），收到「{username}」"
        )
    return name


def check_password(password: str) -> str:
    if not (MIN_PASSWORD <= len(password) <= MAX_PASSWORD):
        raise AccessError(f"密码长度应在 {MIN_PASSWORD}–{MAX_PASSWORD} 个字符之间")
    return password


def hash_password(password: str) -> str:
    return _HASHER.hash(check_password(password))


def add(
    engine: sa.Engine,
    username: str,
    role: str,
    *,
    prefecture: int | None = None,
    department: str | None = None,
    password: str | None = None,
    display_name: str = "",
) -> User:
    """A new user; ``password`` None: one who signs in through the identity provider only."""
    name = check_username(username)
    _check(role, prefecture, department)
    digest = hash_password(password) if password is not None else None
    with engine.begin() as conn:
        if conn.execute(sa.text("SELECT 1 FROM app_user WHERE username = :u"), {"u": name}).first():
            raise AccessError(f"用户「{name}」已存在")
        conn.execute(
            sa.text(
                "INSERT INTO app_user (username, display_name, role, prefecture_adcode,"
                " department, password_hash) VALUES (:u, :d, :r, :p, :dep, :h)"
            ),
            {
                "u": name,
                "d": display_name,
                "r": role,
                "p": prefecture,
                "dep": department,
                "h": digest,
            },
        )
    return get(engine, name)


def get(engine: sa.Engine, username: str) -> User | None:
    with engine.connect() as conn:
        row = (
            conn.execute(
                sa.text(f"SELECT {_COLUMNS} FROM app_user WHERE username = :u"),
                {"u": username.strip().lower()},
            )
            .mappings()
            .first()
        )
    return User(**row) if row else None


def require(engine: sa.Engine, username: str) -> User:
    user = get(engine, username)
    if user is None:
        raise AccessError(f"没有用户「{username}」")
    return user


def all_users(engine: sa.Engine) -> list[User]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(f"SELECT {_COLUMNS} FROM app_user ORDER BY username")
        ).mappings()
        return [User(**r) for r in rows]


def set_role(
    engine: sa.Engine,
    username: str,
    role: str,
    prefecture: int | None = None,
    department: str | None = None,
) -> User:
    user = require(engine, username)
    _check(role, prefecture, department)
    _update(engine, user, role=role, prefecture_adcode=prefecture, department=department)
    return require(engine, username)


def set_disabled(engine: sa.Engine, username: str, disabled: bool = True) -> User:
    user = require(engine, username)
    _update(engine, user, disabled=disabled)
    if disabled:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE api_token SET revoked_at = now()"
                    " WHERE user_id = :id AND revoked_at IS NULL"
                ),
                {"id": user.id},
            )
    return require(engine, username)


def set_password(engine: sa.Engine, username: str, password: str) -> User:
    user = require(engine, username)
    _update(engine, user, password_hash=hash_password(password))
    return require(engine, username)


def _update(engine: sa.Engine, user: User, **values) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in values)
    with engine.begin() as conn:
        conn.execute(
            sa.text(f"UPDATE app_user SET {sets}, updated_at = now() WHERE id = :id"),
            {**values, "id": user.id},
        )


def verify(engine: sa.Engine, username: str, password: str) -> User | None:
    """The user if ``password`` is theirs and they are enabled; None otherwise (same time)."""
    if len(password) > MAX_PASSWORD:
        return None
    with engine.connect() as conn:
        row = (
            conn.execute(
                sa.text(f"SELECT {_COLUMNS}, password_hash FROM app_user WHERE username = :u"),
                {"u": username.strip().lower()},
            )
            .mappings()
            .first()
        )
    digest = row["password_hash"] if row and row["password_hash"] else _DUMMY
    try:
        _HASHER.verify(digest, password)
        ok = row is not None and row["password_hash"] is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row["disabled"]:
        return None
    user = User(**{k: v for k, v in row.items() if k != "password_hash"})
    if _HASHER.check_needs_rehash(digest):
        _update(engine, user, password_hash=_HASHER.hash(password))
    return user


# ------------------------------------------------------------------------------ API tokens

TOKEN_PREFIX = "exm_"


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(engine: sa.Engine, username: str) -> str:
    """A new API token for the user; only its hash is kept, so this is the one time it is seen."""
    user = require(engine, username)
    if user.disabled:
        raise AccessError(f"用户「{user.username}」已停用，不能发放令牌")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO api_token (user_id, token_sha256) VALUES (:id, :h)"),
            {"id": user.id, "h": _token_digest(token)},
        )
    return token


def user_for_token(engine: sa.Engine, token: str) -> User | None:
    """The enabled user a live token belongs to (and the token's use noted), else None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    cols = ", ".join(f"u.{c.strip()}" for c in _COLUMNS.split(",") if "IS NOT NULL" not in c)
    with engine.begin() as conn:
        row = (
            conn.execute(
                sa.text(
                    f"UPDATE api_token t SET last_used_at = now() FROM app_user u"
                    f" WHERE t.user_id = u.id AND t.token_sha256 = :h AND t.revoked_at IS NULL"
                    f" AND NOT u.disabled"
                    f" RETURNING {cols}, u.password_hash IS NOT NULL AS has_password"
                ),
                {"h": _token_digest(token)},
            )
            .mappings()
            .first()
        )
    return User(**row) if row else None
