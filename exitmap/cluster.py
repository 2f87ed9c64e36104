"""The project-local PostGIS cluster: the embedded default database.

A real PostgreSQL 15 + PostGIS from Debian's packages, its data and unix socket under
``.pgdata/`` in the repository, listening on no TCP address. initdb and postgres refuse to
run as root, so as root the cluster belongs to the ``postgres`` system user.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from exitmap import settings
from exitmap.errors import UserError

SUPERUSER = "exitmap"
# sockaddr_un.sun_path holds 107 bytes; deep checkouts need a shorter socket folder.
_SOCKET_PATH_MAX = 100


class ClusterError(UserError):
    """A problem the user can fix; the message says how (in Chinese first)."""


@dataclass(frozen=True)
class Cluster:
    root: Path
    port: int
    bin_dir: Path

    @classmethod
    def from_settings(cls) -> Cluster:
        return cls(
            root=settings.pg_data(),
            port=int(settings.get("pg_port")),
            bin_dir=Path(settings.get("pg_bin")),
        )

    @property
    def data_dir(self) -> Path:
        return self.root / "cluster"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    @property
    def socket_dir(self) -> Path:
        local = self.root / "run"
        if len(str(local / f".s.PGSQL.{self.port}")) <= _SOCKET_PATH_MAX:
            return local
        digest = hashlib.sha1(str(self.root).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"exitmap-{digest}"

    def url(self, database: str) -> str:
        return (
            f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"
        )

    def conninfo(self, database: str) -> str:
        return f"host={self.socket_dir} port={self.port} user={SUPERUSER} dbname={database}"

    # -- lifecycle -------------------------------------------------------------------------

    def check_installed(self) -> None:
        postgis = self.bin_dir.parent.parent.parent.parent / "share/postgresql/15/extension"
        missing = []
        if not (self.bin_dir / "postgres").exists():
            missing.append("PostgreSQL 15")
        if not (postgis / "postgis.control").exists():
            missing.append("PostGIS 3")
        if missing:
            raise ClusterError(
                f"未找到 {'、'.join(missing)}。请先安装："
                "sudo apt-get install postgresql-15-postgis-3（或运行 scripts/setup）。"
                f"Missing {', '.join(missing)}: install the Debian "
                "package postgresql-15-postgis-3, or set DATABASE_URL to an existing PostGIS."
            )

    def is_running(self) -> bool:
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return False
        try:
            pid = int(pid_file.read_text().splitlines()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (ValueError, IndexError, OSError):
            cmdline = b""
        if b"postgres" in cmdline:
            return True
        # A crash or reboot left the pid file; its pid is dead or now someone else's.
        pid_file.unlink()
        return False

    def up(self, database: str) -> str:
        self.check_installed()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        if not self.is_running():
            self._start()
        self._ensure_database(database)
        return self.url(database)

    def down(self) -> bool:
        if not self.is_running():
            return False
        self._run([self.bin_dir / "pg_ctl", "-D", self.data_dir, "-m", "fast", "-w", "stop"])
        return True

    # -- internals -------------------------------------------------------------------------

    def _owner(self) -> str | None:
        """The system user that runs the server: ``postgres`` when we are root."""
        return "postgres" if os.geteuid() == 0 else None

    def _run(self, argv: list, **kwargs) -> subprocess.CompletedProcess:
        argv = [str(a) for a in argv]
        owner = self._owner()
        if owner:
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            argv = [runuser, "-u", owner, "--", *argv]
        try:
            # cwd "/": the server user may not be allowed into the caller's folder.
            return subprocess.run(
                argv, check=True, capture_output=True, text=True, cwd="/", **kwargs
            )
        except subprocess.CalledProcessError as exc:
            log = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
            raise ClusterError(
                f"数据库命令失败：{' '.join(argv)}\n{exc.stdout}{exc.stderr}\n{log}"
            ) from exc

    def _prepare_dirs(self) -> None:
        for d in (self.root, self.data_dir, self.socket_dir):
            d.mkdir(parents=True, exist_ok=True)
        owner = self._owner()
        if not owner:
            return
        user = pwd.getpwnam(owner)
        for d in (self.root, self.data_dir, self.socket_dir):
            os.chown(d, user.pw_uid, user.pw_gid)
        self.data_dir.chmod(0o700)
        # The server user must be able to walk down to the data folder (mktemp -d gives 0700).
        for parent in self.root.resolve().parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)

    def _initdb(self) -> None:
        self._prepare_dirs()
        self._run(
            [
                self.bin_dir / "initdb",
                "-D",
                self.data_dir,
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# exitmap: project-local cluster, unix socket only\n"
                "listen_addresses = ''\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                "shared_buffers = 256MB\n"
                "work_mem = 32MB\n"
                "maintenance_work_mem = 256MB\n"
                "max_connections = 50\n"
                # Compiling a replay query costs seconds and saves milliseconds here.
                "jit = off\n"
            )

    def _start(self) -> None:
        self._prepare_dirs()
        if self.log_file.exists() and self._owner():
            shutil.chown(self.log_file, self._owner())
        elif not self.log_file.exists():
            self.log_file.touch()
            if self._owner():
                shutil.chown(self.log_file, self._owner())
        self._run(
            [
                self.bin_dir / "pg_ctl",
                "-D",
                self.data_dir,
                "-l",
                self.log_file,
                "-o",
                f"-k {self.socket_dir} -p {self.port}",
                "-w",
                "-t",
                "30",
                "start",
            ]
        )

    def _ensure_database(self, database: str) -> None:
        import psycopg

        deadline = time.monotonic() + 10
        while True:
            try:
                admin = psycopg.connect(self.conninfo("postgres"), autocommit=True)
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with admin:
            exists = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
            ).fetchone()
            if not exists:
                with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                    admin.execute(f'CREATE DATABASE "{database}"')
        with psycopg.connect(self.conninfo(database), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
