"""The database's side of access: users and tokens, the app role under row-level security, and
the audit log that can only grow."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from access import audit, users
from exitmap.cli import main
from exitmap.db import app_database_url, scoped, scoped_engine
from exitmap.scope import Scope

KUNMING, QUJING = 530100, 530300
PASSWORD = "correct horse battery"


def _cli(engine, args, stdin=None):
    env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    return CliRunner().invoke(main, args, env=env, input=stdin)


def _app_conninfo(engine) -> str:
    """The app role's libpq connection string for the test's database."""
    url = sa.engine.make_url(app_database_url(engine.url.render_as_string(hide_password=False)))
    q = url.query
    return f"host={q['host']} port={q['port']} user={url.username} dbname={url.database}"


def test_users_are_added_listed_changed_and_disabled_from_the_command_line(engine):
    res = _cli(
        engine,
        ["users", "add", "KM_gov", "--role", "prefecture", "--prefecture", "530100"],
        PASSWORD + "\n",
    )
    assert res.exit_code == 0, res.output
    user = users.get(engine, "km_gov")
    assert user.scope() == Scope("prefecture", "km_gov", frozenset({KUNMING}))
    assert users.verify(engine, "km_gov", PASSWORD) == user
    assert users.verify(engine, "km_gov", PASSWORD + "x") is None
    # The password is stored hashed, never as given.
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM app_user")).scalar_one()
    assert stored.startswith("$argon2") and PASSWORD not in stored

    res = _cli(
        engine,
        ["users", "add", "env", "--role", "department", "--department", "省生态环境厅"],
        PASSWORD + "\n",
    )
    assert res.exit_code == 0, res.output
    env = users.get(engine, "env").scope()
    assert env.all_prefectures and env.categories == frozenset({"环保不达标"})

    bad = _cli(engine, ["users", "add", "x", "--role", "prefecture"], PASSWORD + "\n")
    assert bad.exit_code == 1 and "--prefecture" in bad.output
    short = _cli(engine, ["users", "add", "y", "--role", "leader"], "short\n")
    assert short.exit_code == 1 and "密码长度" in short.output

    assert _cli(engine, ["users", "role", "km_gov", "--role", "leader"]).exit_code == 0
    assert users.get(engine, "km_gov").scope().all_prefectures
    listing = _cli(engine, ["users", "list"]).output
    assert "km_gov" in listing and "leader" in listing and "env" in listing

    token = _cli(engine, ["users", "token", "km_gov"]).output.strip()
    assert users.user_for_token(engine, token).username == "km_gov"
    with engine.connect() as conn:
        digest = conn.execute(sa.text("SELECT token_sha256 FROM api_token")).scalar_one()
    assert token not in digest and len(digest) == 64

    assert _cli(engine, ["users", "disable", "km_gov"]).exit_code == 0
    assert users.verify(engine, "km_gov", PASSWORD) is None  # a disabled user cannot sign in
    assert users.user_for_token(engine, token) is None  # … nor use a token

    log = _cli(engine, ["audit", "--action", "user_change", "--format", "csv"]).output
    changes = [line.split(",")[5] for line in log.splitlines()[1:]]
    assert changes == ["km_gov", "km_gov", "km_gov", "env", "km_gov"]  # newest first


def test_the_first_run_makes_one_account_per_role_and_says_the_passwords_once(engine):
    first = _cli(engine, ["users", "demo"])
    assert first.exit_code == 0, first.output
    lines = [line.split() for line in first.output.splitlines()[1:]]
    assert [role for role, _, _ in lines] == ["province", "department", "prefecture", "leader"]
    for role, name, password in lines:
        user = users.verify(engine, name, password)
        assert user is not None and user.role == role
    assert users.get(engine, "demo_kunming").scope().adcodes() == [KUNMING]
    again = _cli(engine, ["users", "demo"])  # the next run: users exist, nothing printed
    assert again.exit_code == 0 and again.output == ""
    assert len(users.all_users(engine)) == 4


def test_the_app_role_sees_only_its_scope_in_raw_sql(demo_engine):
    """The second wall: whatever SQL the app sends, its role gets only the scope's rows."""
    with demo_engine.connect() as conn:
        everyone = conn.execute(sa.text("SELECT count(*) FROM unit")).scalar_one()
        kunming = conn.execute(
            sa.text("SELECT count(*) FROM unit WHERE prefecture_adcode = :a"), {"a": KUNMING}
        ).scalar_one()
        events_km = conn.execute(
            sa.text(
                "SELECT count(*) FROM unit_event e JOIN unit u ON u.id = e.unit_id"
                " WHERE u.prefecture_adcode = :a"
            ),
            {"a": KUNMING},
        ).scalar_one()
        observations_km = conn.execute(
            sa.text(
                "SELECT count(*) FROM unit_observation o JOIN unit u ON u.id = o.unit_id"
                " WHERE u.prefecture_adcode = :a"
            ),
            {"a": KUNMING},
        ).scalar_one()
    assert 0 < kunming < everyone and observations_km > 0
    # Autocommit: each transaction() below is a transaction of its own (not a savepoint of one
    # outer transaction, which would carry a scope set in one check over to the next).
    with psycopg.connect(_app_conninfo(demo_engine), autocommit=True) as conn:
        role = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert role == (False, False)

        def count(sql: str, scope: str | None) -> int:
            with conn.transaction():
                if scope is not None:
                    conn.execute("SELECT set_config('exitmap.prefectures', %s, true)", (scope,))
                return conn.execute(sql).fetchone()[0]

        assert count("SELECT count(*) FROM unit", None) == 0  # no scope: nothing
        assert count("SELECT count(*) FROM unit", "") == 0
        assert count("SELECT count(*) FROM unit", str(KUNMING)) == kunming
        assert count("SELECT count(DISTINCT prefecture_adcode) FROM unit", str(KUNMING)) == 1
        assert count("SELECT count(*) FROM unit_event", str(KUNMING)) == events_km
        # What each load said of a unit (record time): with its unit only.
        assert count("SELECT count(*) FROM unit_observation", None) == 0
        assert count("SELECT count(*) FROM unit_observation", str(KUNMING)) == observations_km
        assert count("SELECT count(*) FROM unit", "*") == everyone
        two = count("SELECT count(DISTINCT prefecture_adcode) FROM unit", f"{KUNMING},{QUJING}")
        assert two == 2
        # Enterprises of other prefectures are gone too; quarantined rows need the whole province.
        assert (
            count(
                "SELECT count(*) FROM enterprise WHERE prefecture_adcode IS DISTINCT FROM 530100"
                " AND id NOT IN (SELECT enterprise_id FROM unit)",
                str(KUNMING),
            )
            == 0
        )
        # It may not write the register, whatever the scope.
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute("SELECT set_config('exitmap.prefectures', '*', true)")
            conn.execute("UPDATE unit SET remarks = 'x'")


def test_the_app_engine_sets_the_scope_of_the_request(demo_engine):
    eng = scoped_engine(app_database_url(demo_engine.url.render_as_string(hide_password=False)))
    try:
        sql = sa.text("SELECT count(DISTINCT prefecture_adcode), min(prefecture_adcode) FROM unit")
        with eng.connect() as conn:
            assert conn.execute(sql).one() == (0, None)
        with scoped(Scope("prefecture", "km", frozenset({QUJING}))), eng.connect() as conn:
            assert conn.execute(sql).one() == (1, QUJING)
        with scoped(Scope("leader", "boss")), eng.connect() as conn:
            assert conn.execute(sql).one()[0] == 16
    finally:
        eng.dispose()


def test_the_audit_log_only_grows(engine):
    scope = Scope("prefecture", "km_gov", frozenset({KUNMING}))
    audit.record(
        engine, scope, "download", "/data", {"format": "csv"}, row_count=3, sha256="ab" * 32
    )
    rows = audit.entries(engine, user="km_gov")
    assert rows[["action", "target", "row_count", "scope"]].values.tolist() == [
        ["download", "/data", 3, "prefecture prefectures=530100"]
    ]
    with psycopg.connect(_app_conninfo(engine)) as conn:
        conn.execute(
            "INSERT INTO audit_log (username, role, scope, action)"
            " VALUES ('a', 'leader', 'leader', 'login')"
        )
        for sql in (
            "UPDATE audit_log SET username = 'x'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(sql)
    # Even the owner is refused by the trigger.
    for sql in (
        "UPDATE audit_log SET username = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(sa.exc.ProgrammingError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(sql))
    assert len(audit.entries(engine)) == 2


def test_decisions_from_the_command_line_are_on_record(engine):
    from tests.helpers.accounts import add_accounts

    add_accounts(engine)
    res = _cli(
        engine,
        ["freeze", "decide", "昆明", "--document", "测试〔2026〕1号", "--date", "2026-01-10",
         "--approved-by", "t_province"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    # Drafted by the command line's login, approved by the named office user.
    approved, drafted = audit.entries(engine, actions=["decision"]).to_dict("records")
    assert drafted["username"].startswith("cli:") and drafted["role"] == "system"
    assert approved["username"] == "t_province" and approved["role"] == "province"
    assert "测试〔2026〕1号" in drafted["params"] and "测试〔2026〕1号" in approved["params"]
