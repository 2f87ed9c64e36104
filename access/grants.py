"""The briefing renderer's pass: a short-lived signed grant to render one view as one user.

The renderer's Chromium sends it in ``X-Exitmap-Grant`` (never the requester's cookies). The
app accepts it only for that view's page, its layout and the view's own callbacks and assets,
for at most ``MAX_SECONDS``, and only while the user's row still gives the same scope — so an
image never holds more than its requester may see now.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from exitmap import settings
from exitmap.scope import SYSTEM, Scope

HEADER = "X-Exitmap-Grant"
MAX_SECONDS = 60
_SALT = "exitmap-render-grant"


def secret_key() -> str:
    """EXITMAP_SECRET_KEY, else a random key kept (0600) beside the local cluster, made once,
    so that every worker of one server signs alike."""
    key = settings.get("secret_key")
    if key:
        return key
    path = Path(settings.get("pg_data")) / "secret_key"
    try:
        return path.read_text().strip()
    except OSError:
        pass
    key = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key)
    except FileExistsError:
        return path.read_text().strip()
    except OSError:
        pass  # a read-only checkout: this process's key only
    return key


@dataclass(frozen=True)
class Grant:
    user: str
    role: str
    scope: str  # Scope.setting()
    view: str  # the path of the view, without the query

    def matches(self, scope: Scope) -> bool:
        return scope.role == self.role and scope.setting() == self.scope


def _signer(key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt=_SALT)


def issue(key: str, scope: Scope, view_path: str) -> str:
    """A grant for ``scope``'s user to render the view at ``view_path``."""
    data = {"u": scope.user, "r": scope.role, "s": scope.setting(), "v": view_path}
    return _signer(key).dumps(data)


def system_grant(key: str, view_path: str) -> str:
    """For the command line's own renders (``exitmap export png``)."""
    return issue(key, Scope.everything(), view_path)


def read(key: str, token: str, max_age: int = MAX_SECONDS) -> Grant | None:
    """The grant if the signature holds and it is younger than ``max_age`` seconds."""
    if not token or len(token) > 2000:
        return None
    try:
        data = _signer(key).loads(token, max_age=max_age)
    except BadSignature:  # also SignatureExpired
        return None
    try:
        return Grant(str(data["u"]), str(data["r"]), str(data["s"]), str(data["v"]))
    except (KeyError, TypeError):
        return None


def is_system(grant: Grant) -> bool:
    return grant.role == SYSTEM
