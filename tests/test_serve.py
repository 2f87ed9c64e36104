"""`exitmap serve --prod` as it runs in production: gunicorn alone, and Debian's nginx in front of
it with the shipped configuration (deploy/nginx/exitmap.conf, moved to loopback ports)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from app.browser import free_port
from exitmap.cli.frontend import loopback
from tests.helpers.accounts import sign_in
from tests.helpers.demo import DEMO_TODAY

EXITMAP = Path(sys.executable).parent / "exitmap"
# nginx's throwaway certificate is not verified.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


@pytest.fixture(scope="module")
def prod(demo_engine):
    """The demo served by `exitmap serve --prod` on a free loopback port: (base URL, pid)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": demo_engine.url.render_as_string(hide_password=False),
        "EXITMAP_TODAY": DEMO_TODAY.isoformat(),
    }
    proc = subprocess.Popen(
        [EXITMAP, "serve", "--prod", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
            try:
                # The socket opens before the workers have built the app: a first answer is slow.
                requests.get(base + "/healthz", timeout=60)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        yield base, port, proc.pid
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def front(prod):
    _, port, _ = prod
    with loopback(port) as f:
        yield f


def test_serve_prod_runs_under_gunicorn_and_compresses(prod):
    base, _, pid = prod
    # gunicorn, with threads (its command line: exitmap.cli.admin.prod_command).
    command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert b"gunicorn" in command and b"gthread" in command
    health = requests.get(base + "/healthz", timeout=30)
    assert health.status_code == 200
    assert "Server" not in health.headers  # no banner, gunicorn's own included
    # Nothing but the login page without signing in; then the app, as the office.
    assert requests.get(base + "/", timeout=30, allow_redirects=False).status_code == 302
    session = sign_in(base, "province")
    page = session.get(base + "/", timeout=30)
    assert page.status_code == 200 and "Server" not in page.headers
    assert "产能退出一张图" in page.text
    # The page's own layout, rendered for the URL the browser shows (its Referer).
    layout = session.get(
        base + "/_dash-layout",
        headers={"Referer": base + "/prefecture/530100", "Accept-Encoding": "gzip"},
        timeout=30,
    )
    assert layout.status_code == 200
    assert layout.headers["Content-Encoding"] == "gzip"
    assert layout.headers["Cache-Control"] == "no-store"
    text = json.dumps(layout.json(), ensure_ascii=False)
    assert "昆明市" in text and "prefecture-name" in text
    # The boundaries: compressed and cacheable.
    geo = session.get(
        base + "/geo/prefectures.geojson", headers={"Accept-Encoding": "gzip"}, timeout=30
    )
    assert geo.status_code == 200 and geo.headers["Content-Encoding"] == "gzip"
    assert "max-age" in geo.headers["Cache-Control"]
    assert len(geo.json()["features"]) == 16


# ---------------------------------------------------------------- slow clients


@contextlib.contextmanager
def slow_senders(port: int, n: int = 2, tls: bool = False):
    """``n`` clients each sending a callback body at 1 byte a second (of a declared 4 KB)."""
    socks = []
    for _ in range(n):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(sock)
        sock.sendall(
            b"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n{"
        )
        socks.append(sock)
    stop = threading.Event()

    def drip():
        while not stop.wait(1):
            for sock in socks:
                with contextlib.suppress(OSError):
                    sock.sendall(b" ")

    dripping = threading.Thread(target=drip, daemon=True)
    dripping.start()
    try:
        time.sleep(1.5)  # they are in, and sending
        yield socks
    finally:
        stop.set()
        dripping.join(5)
        for sock in socks:
            sock.close()


def still_sending(sock) -> bool:
    """No answer has come back: the server is still waiting for the body."""
    sock.settimeout(0.05)
    try:
        sock.recv(1)
    except (TimeoutError, ssl.SSLWantReadError, BlockingIOError):
        return True
    return False  # an answer came, or the connection was closed


def page_times(base: str, n: int = 6) -> list[float]:
    """Seconds for page loads (index and layout) made one after another, signed in."""
    times = []
    with sign_in(base, "province", verify=False) as s:
        for i in range(n):
            t = time.perf_counter()
            path = "/" if i % 2 == 0 else "/_dash-layout"
            # verify per request: a session's own is overridden by REQUESTS_CA_BUNDLE.
            answer = s.get(base + path, headers={"Referer": base + "/quota"}, timeout=25,
                           verify=False)  # fmt: skip
            assert answer.status_code == 200
            times.append(time.perf_counter() - t)
    return times


def test_two_slow_body_senders_block_no_page_of_gunicorn_alone(prod):
    """Two sync workers were each held by one such client: every page froze for 30 s."""
    base, port, _ = prod
    with slow_senders(port) as socks:
        times = page_times(base)
        assert all(still_sending(s) for s in socks)
    assert max(times) < 10, times  # blocked, they waited 30 s (the workers' timeout)


def test_two_slow_body_senders_never_reach_the_app_behind_nginx(front):
    with slow_senders(int(front.https.rsplit(":", 1)[1]), tls=True) as socks:
        times = page_times(front.https)
        assert all(still_sending(s) for s in socks)
    assert max(times) < 10, times  # blocked, they waited 30 s (the workers' timeout)


# ---------------------------------------------------------------- nginx in front


def nginx_secure(answer, where: str) -> None:
    """A requests answer from nginx carries the security headers once each."""
    secure_headers(answer.headers.get, answer.raw.headers.getlist, where)


def secure_headers(get, getlist, where: str) -> None:
    assert get("Server") == "nginx", where  # its name only (server_tokens off), no version
    assert "frame-ancestors 'none'" in get("Content-Security-Policy"), where
    assert get("X-Content-Type-Options") == "nosniff", where
    assert get("X-Frame-Options") == "DENY", where
    assert get("Referrer-Policy") == "same-origin", where
    # One of each: the app's, or nginx's own when nginx answered.
    assert len(getlist("Content-Security-Policy")) == 1, where
    assert len(getlist("Cache-Control")) == 1, where


def test_nginx_passes_the_apps_headers_and_sets_its_own_answers(front, prod):
    base, _, _ = prod
    session = sign_in(front.https, "province", verify=False)
    direct = session.get(base + "/", timeout=30)
    page = session.get(front.https + "/", verify=False, timeout=30)
    assert page.status_code == 200
    nginx_secure(page, "page")
    # The app's policy, with the hashes of Dash's inline scripts, reaches the browser.
    assert page.headers["Content-Security-Policy"] == direct.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    geo = session.get(front.https + "/geo/prefectures.geojson", verify=False, timeout=30)
    assert "max-age" in geo.headers["Cache-Control"]
    nginx_secure(geo, "boundaries")
    page_html = page.text
    asset = front.https + re.search(r'src="(/assets/[^"]+)"', page_html).group(1)
    assert session.get(asset, verify=False, timeout=30).status_code == 200
    # nginx keeps the code (public), never the page, its layout (no-store) or the boundaries
    # (for signed-in users: a kept copy would be handed to anyone).
    layout = session.get(front.https + "/_dash-layout", verify=False, timeout=30,
                         headers={"Referer": front.https + "/prefecture/530100"})  # fmt: skip
    assert layout.status_code == 200 and "昆明市" in json.dumps(layout.json(), ensure_ascii=False)
    keys = [
        line.split(b"KEY: ", 1)[1].strip().decode()
        for path in (front.prefix / "cache").rglob("*") if path.is_file()
        for line in path.read_bytes()[:4096].split(b"\n") if line.startswith(b"KEY: ")
    ]  # fmt: skip
    assert keys and all("/assets/" in key for key in keys), keys
    anonymous = requests.get(front.https + "/geo/prefectures.geojson", verify=False, timeout=30)
    assert anonymous.status_code == 401
    # Plain http only redirects.
    plain = requests.get(front.http + "/data", allow_redirects=False, timeout=10)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    nginx_secure(plain, "redirect")
    # A body past the limit is refused by nginx, unread by the app.
    big = requests.post(
        front.https + "/_dash-update-component",
        data=b"{" * 300_000,
        headers={"Content-Type": "application/json"},
        verify=False,
        timeout=30,
    )
    assert big.status_code == 413
    nginx_secure(big, "413")
    assert big.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert big.headers["Cache-Control"] == "no-store"


def tls_socket(port: int) -> ssl.SSLSocket:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=60))


def test_nginx_limits_one_address_that_floods_it(front):
    """30 requests a second with a burst of 60, 64 at once per address: 100 requests arriving
    together from one address (connected first, then sent at once, so that the test does not
    depend on how fast this machine answers) are partly refused by nginx with 429."""
    port = int(front.https.rsplit(":", 1)[1])
    socks = [tls_socket(port) for _ in range(100)]
    # The health check: public, so the app answers each request that nginx lets through.
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    for sock in socks:
        sock.sendall(request)
    answers = []
    for sock in socks:
        with sock, sock.makefile("rb") as f:
            status = int(f.readline().split()[1])
            answers.append((status, http.client.parse_headers(f)))
    codes = [status for status, _ in answers]
    assert set(codes) <= {200, 429}, codes
    assert codes.count(200) >= 50, codes  # the burst is let through
    assert codes.count(429) >= 20, codes
    refused = next(headers for status, headers in answers if status == 429)
    secure_headers(refused.get, lambda name: refused.get_all(name) or [], "429")


def test_nginx_conf_prints_the_shipped_file_for_this_host():
    """`exitmap nginx-conf` is the shipped file with the host's addresses and body limit."""
    from click.testing import CliRunner

    from exitmap.cli import main
    from exitmap.cli.frontend import CONF

    shipped = CONF.read_text(encoding="utf-8")
    default = CliRunner().invoke(main, ["nginx-conf"])
    assert default.exit_code == 0 and default.output == shipped
    moved = CliRunner().invoke(
        main,
        ["nginx-conf", "--upstream", "10.0.0.5:9000", "--https", "8443", "--tls-dir", "/t"],
        env={"EXITMAP_MAX_REQUEST_KB": "64"},
    )
    assert moved.exit_code == 0
    out = moved.output
    assert "server 10.0.0.5:9000;" in out and "listen 8443 ssl http2;" in out
    assert "ssl_certificate     /t/fullchain.pem;" in out and "/etc/exitmap" not in out
    assert "client_max_body_size 64k;" in out and "client_body_buffer_size 64k;" in out
    assert out.count("\n") == shipped.count("\n")  # nothing else moved


def test_nginx_lets_few_exports_through_from_one_address(front):
    """100 concurrent exports made every page wait 48 s: each starts a headless browser. nginx
    lets an address start a burst of 4, then 6 a minute; the rest get 429 without reaching
    the app. (A view no export serves is refused at once by the app: no browser starts here.)"""
    from concurrent.futures import ThreadPoolExecutor

    session = sign_in(front.https, "province", verify=False)

    def export(_):
        return session.get(front.https + "/export/png?view=/about", verify=False, timeout=30)

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(export, range(12)))
    codes = sorted(a.status_code for a in answers)
    assert codes.count(400) <= 4 and codes.count(429) >= 8, codes  # the app's refusal, or nginx's
    assert set(codes) <= {400, 429}, codes
    nginx_secure(next(a for a in answers if a.status_code == 429), "export 429")
    # Pages are not limited by it.
    assert session.get(front.https + "/about", verify=False, timeout=30).status_code == 200
