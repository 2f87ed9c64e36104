"""Every setting the product reads, in one place.

Each is read from the environment (``EXITMAP_<NAME>``, except ``DATABASE_URL``) so that the
same code runs on a laptop, in CI and in the container.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from exitmap import ROOT
from exitmap.errors import SettingsError


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        "DATABASE_URL",
        "",
        "PostgreSQL/PostGIS URL. Empty: use the project-local cluster (see pg_*).",
    ),
    Setting("pg_data", "EXITMAP_PG_DATA", str(ROOT / ".pgdata"), "Folder of the local cluster."),
    Setting("pg_port", "EXITMAP_PG_PORT", "5433", "Port of the local cluster (socket only)."),
    Setting("pg_database", "EXITMAP_PG_DATABASE", "exitmap", "Database name in the local cluster."),
    Setting("pg_bin", "EXITMAP_PG_BIN", "/usr/lib/postgresql/15/bin", "PostgreSQL binaries."),
    Setting(
        "tile_url",
        "EXITMAP_TILE_URL",
        "",
        "Optional base-map tile URL template (intranet or 天地图); empty: no tiles.",
    ),
    Setting(
        "tile_crs",
        "EXITMAP_TILE_CRS",
        "WGS84",
        "Coordinate system of the tiles: WGS84/CGCS2000 or GCJ02 (Amap-style tiles).",
    ),
    Setting("today", "EXITMAP_TODAY", "", "Pretend today is this date (YYYY-MM-DD)."),
    Setting("marking", "EXITMAP_MARKING", "内部资料", "Marking printed on maps and exports."),
    # Who may do what (access/): the app's database role, sessions, lockout, sign-in.
    Setting(
        "app_database_url",
        "APP_DATABASE_URL",
        "",
        "URL the web app connects with (the app role). Empty: DATABASE_URL's with the app role.",
    ),
    Setting(
        "app_db_role",
        "EXITMAP_APP_DB_ROLE",
        "exitmap_app",
        "Database role of the web app: owns nothing, held by row-level security.",
    ),
    Setting(
        "secret_key",
        "EXITMAP_SECRET_KEY",
        "",
        "Key signing sessions and render grants. Empty: one made once under pg_data.",
    ),
    Setting("https", "EXITMAP_HTTPS", "0", "1: served over https (session cookie Secure)."),
    Setting("session_idle_minutes", "EXITMAP_SESSION_IDLE_MINUTES", "30", "Idle sign-out."),
    Setting(
        "lockout_failures",
        "EXITMAP_LOCKOUT_FAILURES",
        "5",
        "Failed sign-ins (per account, and per address) that lock it for the window.",
    ),
    Setting("lockout_minutes", "EXITMAP_LOCKOUT_MINUTES", "15", "The lockout window."),
    Setting(
        "publish_ranking",
        "EXITMAP_PUBLISH_RANKING",
        "0",
        "1: prefecture users see other prefectures' aggregate standing (the 通报 ranking).",
    ),
    Setting("oidc_issuer", "EXITMAP_OIDC_ISSUER", "", "OpenID Connect issuer; empty: off."),
    Setting("oidc_client_id", "EXITMAP_OIDC_CLIENT_ID", "", "OpenID Connect client id."),
    Setting("oidc_client_secret", "EXITMAP_OIDC_CLIENT_SECRET", "", "Its client secret."),
    Setting(
        "oidc_username_claim",
        "EXITMAP_OIDC_USERNAME_CLAIM",
        "preferred_username",
        "The claim matched against our user table (role and scope never come from claims).",
    ),
    Setting(
        "render_base_url",
        "EXITMAP_RENDER_BASE_URL",
        "",
        "Where the briefing renderer reaches the app (the real server); empty: request's host.",
    ),
    Setting("render_queue", "EXITMAP_RENDER_QUEUE", "4", "Renders waiting at most; then 503."),
    Setting(
        "render_per_minute",
        "EXITMAP_RENDER_PER_MINUTE",
        "6",
        "Renders one user may ask for per minute; then 429.",
    ),
    # Register files are bounded before they are read (etl/bounds.py). A real register has
    # under 20,000 rows; the defaults admit 110,000 and keep a load under 2 GB of memory
    # (benchmarks/bench_ingest.py measures the largest file they admit).
    Setting("max_file_mb", "EXITMAP_MAX_FILE_MB", "50", "Largest register file read, in MB."),
    # A decision's document (the PDF of a 区域限批 decision or lift, 决定 page): a scanned
    # notice of a few pages is a few MB.
    Setting(
        "max_document_mb",
        "EXITMAP_MAX_DOCUMENT_MB",
        "20",
        "Largest PDF of a decision's document read, in MB.",
    ),
    Setting("max_rows", "EXITMAP_MAX_ROWS", "110000", "Most rows of a register sheet or CSV."),
    Setting("max_columns", "EXITMAP_MAX_COLUMNS", "40", "Most columns of a register sheet or CSV."),
    Setting(
        "max_unpacked_mb",
        "EXITMAP_MAX_UNPACKED_MB",
        "160",
        "Largest part of an xlsx once unpacked (a sheet, the shared strings, or the shared text"
        " a sheet's cells copy), in MB.",
    ),
    Setting(
        "max_cell_chars",
        "EXITMAP_MAX_CELL_CHARS",
        "32767",
        "Longest cell read, in characters (Excel's own limit); text columns have tighter rules.",
    ),
    Setting("max_line_kb", "EXITMAP_MAX_LINE_KB", "1024", "Longest line of a CSV register, in KB."),
    # The web server's own bounds (app/http.py, deploy/nginx/exitmap.conf). A callback's body is
    # its inputs and states, a few KB; nothing the dashboard posts comes near the limit.
    Setting(
        "max_request_kb",
        "EXITMAP_MAX_REQUEST_KB",
        "256",
        "Largest request body the web app reads, in KB (larger: 413, before it is read).",
    ),
    # Behind nginx (deploy/nginx/exitmap.conf) every request comes from the proxy: the app takes
    # the client's address from the last X-Forwarded-For hop the trusted proxies added, so that
    # the per-address limits (sign-in lockout, the public's report rate) and the audit log see
    # the person, not the proxy. 0: no proxy in front; never more than the proxies there are.
    Setting(
        "trusted_proxies",
        "EXITMAP_TRUSTED_PROXIES",
        "0",
        "Proxies in front of the app whose X-Forwarded-For is believed (1 behind the nginx front).",
    ),
    # `exitmap serve --prod` (gunicorn): worker processes (one per core) and the threads of
    # each (a slow client or a long export holds one thread, not a whole worker).
    Setting("web_workers", "EXITMAP_WEB_WORKERS", "2", "Web server worker processes."),
    Setting("web_threads", "EXITMAP_WEB_THREADS", "8", "Threads of each web server worker."),
    Setting(
        "max_download_rows",
        "EXITMAP_MAX_DOWNLOAD_ROWS",
        "50000",
        "Most rows of one download from the 数据 page (more: narrow the filters first).",
    ),
    # Registers submitted in the app (submissions/): each prefecture's reporting period, and
    # how many days after its end the register is due.
    Setting(
        "submission_period",
        "EXITMAP_SUBMISSION_PERIOD",
        "quarter",
        "How often prefectures submit their register: month, quarter or year.",
    ),
    Setting(
        "submission_deadline_days",
        "EXITMAP_SUBMISSION_DEADLINE_DAYS",
        "15",
        "Days after a period's end by which its register is due (later: late).",
    ),
    # The job worker (`exitmap worker`): a running job writes its heartbeat this often; a job
    # whose heartbeat is older than the stale limit was left by a crashed worker.
    Setting("job_heartbeat_seconds", "EXITMAP_JOB_HEARTBEAT_SECONDS", "5", "Job heartbeat."),
    Setting(
        "job_stale_seconds",
        "EXITMAP_JOB_STALE_SECONDS",
        "60",
        "A running job silent this long was left by a crashed worker: marked failed.",
    ),
)


def get(name: str) -> str:
    for s in SETTINGS:
        if s.name == name:
            return os.environ.get(s.env, s.default)
    raise KeyError(name)


def current() -> tuple[str, ...]:
    """Every setting's value now: a kept answer made under other settings is not this one's."""
    return tuple(os.environ.get(s.env, s.default) for s in SETTINGS)


def get_int(name: str) -> int:
    """A setting that must be a whole number above zero."""
    text = get(name)
    env = next(s.env for s in SETTINGS if s.name == name)
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise SettingsError(f"设置 {env}={text!r} 无效：应为大于 0 的整数")
    return value


def pg_data() -> Path:
    return Path(get("pg_data"))


def flag(name: str) -> bool:
    return get(name).strip().lower() in ("1", "true", "yes", "on")
