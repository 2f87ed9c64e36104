"""nginx in front of the app: the shipped configuration, rendered for a place, and run.

``deploy/nginx/exitmap.conf`` is the configuration, written for production (ports 80 and 443,
the app on 127.0.0.1:8050, the certificate under /etc/exitmap/tls, the body limit of the
default EXITMAP_MAX_REQUEST_KB). ``render`` moves those few values, nothing else, so that what
the tests and the load benchmark run (``loopback``: Debian's nginx on free loopback ports, a
throwaway certificate, a temporary prefix, an unprivileged process) is the file operators use;
``exitmap nginx-conf`` prints it for a host's own values.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click

from app.browser import free_port
from exitmap import ROOT, settings

CONF = ROOT / "deploy" / "nginx" / "exitmap.conf"
NGINX = "/usr/sbin/nginx"
# The values of the shipped file that a host changes.
UPSTREAM = "server 127.0.0.1:8050;"
HTTP_LISTEN = ("listen 80;", "listen [::]:80;")
HTTPS_LISTEN = ("listen 443 ssl http2;", "listen [::]:443 ssl http2;")
TLS_DIR = "/etc/exitmap/tls/"
BODY = ("client_max_body_size 256k;", "client_body_buffer_size 256k;")
# The register files', a decision's document's and the public's photos' own limits
# (app/http.py body_limit).
UPLOAD_BODY = "client_max_body_size 51m;"
REPORT_BODY = "client_max_body_size 25m;"
DOCUMENT_BODY = "client_max_body_size 21m;"
CACHE_DIR = "/var/cache/nginx/exitmap"


def _swap(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"{CONF.name} should hold {old!r} once")
    return text.replace(old, new)


def render(
    upstream: str = "127.0.0.1:8050",
    http: str = "80",
    https: str = "443",
    tls_dir: str = TLS_DIR,
    ipv6: bool = True,
    cache_dir: str = CACHE_DIR,
) -> str:
    """The configuration with these addresses (``http``/``https``: a port or address:port),
    folders and the body limit of EXITMAP_MAX_REQUEST_KB."""
    text = CONF.read_text(encoding="utf-8")
    text = _swap(text, UPSTREAM, f"server {upstream};")
    text = _swap(text, HTTP_LISTEN[0], f"listen {http};")
    text = _swap(text, HTTPS_LISTEN[0], f"listen {https} ssl http2;")
    for line in (HTTP_LISTEN[1], HTTPS_LISTEN[1]):
        text = _swap(text, line, line if ipv6 else f"# {line}")
    text = _swap(text, f"{TLS_DIR}fullchain.pem", f"{tls_dir.rstrip('/')}/fullchain.pem")
    text = _swap(text, f"{TLS_DIR}privkey.pem", f"{tls_dir.rstrip('/')}/privkey.pem")
    text = _swap(text, f"proxy_cache_path {CACHE_DIR} ", f"proxy_cache_path {cache_dir} ")
    from reports.photos import MAX_INPUT_BYTES, MAX_PHOTOS

    upload_mb = settings.get_int("max_file_mb") + 1  # the form's other fields
    text = _swap(text, UPLOAD_BODY, f"client_max_body_size {upload_mb}m;")
    document_mb = settings.get_int("max_document_mb") + 1  # the form's other fields
    text = _swap(text, DOCUMENT_BODY, f"client_max_body_size {document_mb}m;")
    report_mb = -(-(MAX_PHOTOS * MAX_INPUT_BYTES + 256 * 1024) // (1024 * 1024))
    text = _swap(text, REPORT_BODY, f"client_max_body_size {report_mb}m;")
    kb = settings.get_int("max_request_kb")
    text = _swap(text, BODY[0], f"client_max_body_size {kb}k;")
    return _swap(text, BODY[1], f"client_body_buffer_size {kb}k;")


@click.command("nginx-conf")
@click.option("--upstream", default="127.0.0.1:8050", show_default=True, help="The app's address.")
@click.option("--http", default="80", show_default=True, help="Port (or address:port) for http.")
@click.option("--https", default="443", show_default=True, help="Port (or address:port).")
@click.option("--tls-dir", default=TLS_DIR, show_default=True, help="fullchain.pem, privkey.pem.")
def nginx_conf(upstream: str, http: str, https: str, tls_dir: str) -> None:
    """输出 nginx 配置（deploy/nginx/exitmap.conf，按本机地址与 EXITMAP_MAX_REQUEST_KB）。"""
    click.echo(render(upstream, http, https, tls_dir), nl=False)


# Running it on loopback (tests, benchmarks) -----------------------------------------------------


@dataclass(frozen=True)
class Front:
    http: str  # base URLs
    https: str
    prefix: Path


def _wait_port(port: int, proc: subprocess.Popen, log: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx stopped: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nginx did not open port {port}")


def _certificate(folder: Path) -> None:
    """A self-signed certificate for 127.0.0.1 (the tests' clients do not verify it)."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-keyout", str(folder / "privkey.pem"),
         "-out", str(folder / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip


@contextlib.contextmanager
def loopback(app_port: int, worker_processes: int = 1) -> Iterator[Front]:
    """The shipped configuration run by Debian's nginx in front of the app on ``app_port``:
    free loopback ports, a temporary prefix, as an unprivileged user when started as root."""
    prefix = Path(tempfile.mkdtemp(prefix="exitmap-nginx-"))
    http_port, https_port = free_port(), free_port()
    tls = prefix / "tls"
    tls.mkdir()
    _certificate(tls)
    (prefix / "exitmap.conf").write_text(
        render(f"127.0.0.1:{app_port}", f"127.0.0.1:{http_port}", f"127.0.0.1:{https_port}",
               str(tls), ipv6=False, cache_dir=str(prefix / "cache")),
        encoding="utf-8",
    )  # fmt: skip
    temp = "\n".join(
        f"    {kind}_temp_path {prefix}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (prefix / "nginx.conf").write_text(
        f"""daemon off;
worker_processes {worker_processes};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 2048; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
{temp}
    include {prefix}/exitmap.conf;
}}
""",
        encoding="utf-8",
    )
    command = [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr"]
    if os.geteuid() == 0:  # never run a test's nginx as root
        shutil.chown(prefix, "nobody", "nogroup")
        for path in prefix.rglob("*"):
            shutil.chown(path, "nobody", "nogroup")
        command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]
    log = prefix / "nginx.out"
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
    try:
        _wait_port(http_port, proc, log)
        _wait_port(https_port, proc, log)
        yield Front(f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}", prefix)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGQUIT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        shutil.rmtree(prefix, ignore_errors=True)
