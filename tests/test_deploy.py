"""The container files (no Docker engine here: read, not run): secrets come from an uncommitted
environment file, the app is published on loopback for the nginx front, the image runs as a
non-root user."""

from __future__ import annotations

import re
import subprocess

import yaml

from exitmap import ROOT
from exitmap.cli.frontend import CONF

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
# ${NAME}, ${NAME:-default}, ${NAME:?message}: compose's interpolation.
VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def values(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from values(v)
    elif isinstance(node, list):
        for v in node:
            yield from values(v)
    elif node is not None:
        yield str(node)


def test_secrets_come_from_an_uncommitted_env_file():
    services = COMPOSE["services"]
    secrets = {
        ("db", "POSTGRES_PASSWORD"): services["db"]["environment"]["POSTGRES_PASSWORD"],
        ("app", "DATABASE_URL"): services["app"]["environment"]["DATABASE_URL"],
    }
    for where, value in secrets.items():
        # Only a required variable: compose refuses to start without it, no default password.
        names = [(m.group(1), m.group(2)) for m in VARIABLE.finditer(value)]
        assert ("POSTGRES_PASSWORD", ":?") in names, where
    url_password = re.search(r"postgresql://[^:]+:([^@]+)@", secrets[("app", "DATABASE_URL")])
    assert VARIABLE.fullmatch(url_password.group(1)), "the URL's password is written out"
    # Every variable compose reads is explained in the committed example; the real file is ignored.
    used = {m.group(1) for v in values(COMPOSE) for m in VARIABLE.finditer(v)}
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    explained = set(re.findall(r"^#?\s*(\w+)=", example, flags=re.M))
    assert used <= explained, used - explained
    assert re.search(r"^POSTGRES_PASSWORD=$", example, flags=re.M), "the example holds no secret"
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT)
    assert ignored.returncode == 0
    tracked = subprocess.run(["git", "ls-files", ".env", ".env.example"], cwd=ROOT,
                             capture_output=True, text=True, check=True)  # fmt: skip
    assert tracked.stdout.split() == [".env.example"]


def test_the_app_is_published_on_loopback_where_nginx_expects_it():
    app_ports = COMPOSE["services"]["app"]["ports"]
    assert len(app_ports) == 1
    published = VARIABLE.sub(lambda m: m.group(3) if m.group(2) == ":-" else "", app_ports[0])
    host, port, inside = published.rsplit(":", 2)
    assert host == "127.0.0.1"
    assert f"server {host}:{port};" in CONF.read_text(encoding="utf-8")  # nginx's upstream
    assert "ports" not in COMPOSE["services"]["db"]  # the database is not published at all
    command = (ROOT / "Dockerfile").read_text(encoding="utf-8").split("\nCMD ", 1)[1]
    assert f"--port {inside}" in command and "serve --prod" in command


def test_the_image_runs_as_a_non_root_user():
    lines = [
        line.strip() for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
    ]
    users = [i for i, line in enumerate(lines) if line.startswith("USER ")]
    assert users, "no USER: the app would run as root"
    last = lines[users[-1]].split()[1]
    assert last not in ("root", "0") and not last.startswith(("root:", "0:"))
    created = [line for line in lines if "useradd" in line]
    assert created and created[0].split()[-1] == last and "--uid 0" not in created[0]
    cmd = next(i for i, line in enumerate(lines) if line.startswith("CMD "))
    assert users[-1] < cmd
    # Nothing after USER switches back or installs as root.
    assert not any(
        line.startswith(("USER", "RUN pip", "RUN apt")) for line in lines[users[-1] + 1 :]
    )
