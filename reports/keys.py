"""API keys of the platforms that file reports through Open311 (the 12345 hotline, a
department's own hotline): one key per platform, only its SHA-256 kept.

Issued and revoked on the command line (the owner's engine). The app's role cannot read the
table; it asks ``exitmap_open311_platform(sha)`` which platform a key stands for.
"""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa

from exitmap.errors import UserError

MAX_PLATFORM = 64


class ApiKeyError(UserError):
    """A key that cannot be issued or revoked as asked."""


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issue(engine: sa.Engine, platform: str) -> str:
    """A new key for ``platform`` (replacing its old one); shown once, never stored."""
    platform = platform.strip()
    if not platform or len(platform) > MAX_PLATFORM:
        raise ApiKeyError(f"平台名称不能为空，且不超过 {MAX_PLATFORM} 字")
    key = "o311_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO open311_key (platform, key_sha256) VALUES (:p, :h)"
                " ON CONFLICT (platform) DO UPDATE SET key_sha256 = :h, created_at = now(),"
                " revoked_at = NULL"
            ),
            {"p": platform, "h": digest(key)},
        )
    return key


def revoke(engine: sa.Engine, platform: str) -> None:
    with engine.begin() as conn:
        done = conn.execute(
            sa.text(
                "UPDATE open311_key SET revoked_at = now()"
                " WHERE platform = :p AND revoked_at IS NULL"
            ),
            {"p": platform.strip()},
        ).rowcount
    if not done:
        raise ApiKeyError(f"平台「{platform[:MAX_PLATFORM]}」没有有效的密钥")


def platform_for(engine: sa.Engine, key: str | None) -> str | None:
    """The platform a key stands for; None for no key, a wrong or a revoked one."""
    if not key or len(key) > 200:
        return None
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT exitmap_open311_platform(:h)"), {"h": digest(key)}
        ).scalar()
