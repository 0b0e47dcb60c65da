"""The `registry` command line, run as a user runs it: a separate process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from registry import accounts, channels, crm, tokens
from registry.cli import main
from registry.store import Database


def run(db_path, *args, password: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "REGISTRY_PASSWORD"}
    env["REGISTRY_DB"] = str(db_path)
    if password is not None:
        env["REGISTRY_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def created_id(result: subprocess.CompletedProcess) -> int:
    """The id a creating command printed: its whole stdout, one line."""
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().isdigit(), result.stdout
    assert result.stdout.count("\n") == 1
    return int(result.stdout)


def assert_clean_failure(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("registry: error: ")
    assert result.stderr.count("\n") == 1
    for word in words:
        assert word in result.stderr


def test_bootstrap_flow(tmp_path):
    path = tmp_path / "shop.duckdb"

    for _ in range(2):
        init = run(path, "init")
        assert init.returncode == 0, init.stderr
        assert init.stdout == ""
        assert "schema version" in init.stderr
    account_id = created_id(
        run(path, "account", "create", "--name", "Loja Azul", "--currency", "usd")
    )
    switched = run(path, "account", "enable-orders", str(account_id))
    private = run(path, "account", "privacy", str(account_id), "on")
    user_id = created_id(
        run(
            path,
            *("user", "create", "--account", str(account_id)),
            *("--email", "Owner@Loja.test", "--name", "Owner", "--crm-manage"),
            *("--scope", "team", "--team", "north"),
            password="change-me-now",
        )
    )
    contact_id = created_id(
        run(
            path,
            *("contact", "create", "--account", str(account_id), "--name", "Maria"),
            *("--email", "maria@example.com", "--owner", "owner@loja.test"),
        )
    )
    deal_id = created_id(
        run(
            path,
            *("deal", "create", "--contact", str(contact_id)),
            *("--title", "Annual plan", "--owner", "owner@loja.test"),
        )
    )

    assert (switched.returncode, switched.stdout) == (0, "")
    assert (private.returncode, private.stdout) == (0, "")
    db = Database(path)
    account = accounts.get_account(db, account_id)
    assert (account.name, account.default_currency) == ("Loja Azul", "USD")
    assert account.orders_enabled and account.owner_privacy
    user = accounts.authenticate(db, "owner@loja.test", "change-me-now")
    assert user.id == user_id
    assert (user.crm_manage, user.is_admin, user.scope, user.team) == (
        True,
        False,
        "team",
        "north",
    )
    actor = accounts.actor_for(db, user_id)
    contact = crm.get_contact(db, actor, contact_id)
    assert (contact.owner_id, contact.email) == (user_id, "maria@example.com")
    deal = crm.get_deal(db, actor, deal_id)
    assert (deal.contact_id, deal.owner_id, deal.title) == (
        contact_id,
        user_id,
        "Annual plan",
    )


def test_a_bad_value_exits_1_naming_the_field_and_writes_nothing(tmp_path):
    path = tmp_path / "shop.duckdb"

    result = run(path, "account", "create", "--name", "Loja", "--currency", "XYZ")

    assert_clean_failure(result, "currency", "XYZ")
    db = Database(path)
    assert accounts.list_accounts(db) == []


def test_the_cli_names_the_file_when_another_process_holds_it(tmp_path):
    path = tmp_path / "busy.duckdb"
    holder = duckdb.connect(str(path))
    try:
        result = run(path, "init")
    finally:
        holder.close()

    assert_clean_failure(result, str(path), "in use")


def test_the_console_script_runs_the_same_command(tmp_path):
    script = Path(sys.executable).with_name("registry")
    if not script.exists():
        pytest.skip("the project is not installed with its console script")

    result = subprocess.run(
        [str(script), "account", "create", "--name", "Loja"],
        env={**os.environ, "REGISTRY_DB": str(tmp_path / "r.duckdb")},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert created_id(result) == 1


# In-process from here: the same `main`, without paying a process start each.


@pytest.fixture
def shell(tmp_path, monkeypatch, capsys):
    """Run `registry ARGS` in this process; return (status, stdout, stderr)."""
    monkeypatch.setenv("REGISTRY_DB", str(tmp_path / "registry.duckdb"))
    monkeypatch.delenv("REGISTRY_PASSWORD", raising=False)

    def invoke(*args: str) -> tuple[int, str, str]:
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return invoke


@pytest.fixture
def account_id(shell) -> int:
    status, out, _ = shell("account", "create", "--name", "Loja")
    assert status == 0
    return int(out)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("account", "create", "--name", "  "), "name"),
        (("user", "create", "--email", "x@loja.test", "--name", "X"), "password"),
        (
            ("user", "create", "--email", "x@loja.test", "--name", "X")
            + ("--password", "short"),
            "password",
        ),
        (
            ("user", "create", "--email", "not-an-email", "--name", "X")
            + ("--password", "long enough"),
            "email",
        ),
        (
            ("user", "create", "--email", "x@loja.test", "--name", "X")
            + ("--password", "long enough", "--scope", "everyone"),
            "scope",
        ),
        (
            ("contact", "create", "--name", "Maria", "--owner", "ghost@loja.test"),
            "owner",
        ),
    ],
)
def test_bad_input_names_the_field(shell, account_id, args, field):
    if args[0] in ("user", "contact"):
        args = (*args[:2], "--account", str(account_id), *args[2:])

    status, out, err = shell(*args)

    assert (status, out) == (1, "")
    assert err.startswith(f"registry: error: {field}: ")


def test_the_password_may_come_from_the_environment_only(
    shell, account_id, monkeypatch
):
    monkeypatch.setenv("REGISTRY_PASSWORD", "from-the-env")

    status, out, _ = shell(
        *("user", "create", "--account", str(account_id)),
        *("--email", "a@loja.test", "--name", "A", "--admin"),
    )

    assert status == 0
    db = Database(os.environ["REGISTRY_DB"])
    assert accounts.authenticate(db, "a@loja.test", "from-the-env").id == int(out)


@pytest.mark.parametrize(
    "args",
    [
        ("account", "enable-orders", "404"),
        ("account", "privacy", "404", "off"),
        ("deal", "create", "--contact", "404", "--title", "T", "--owner", "a@b.test"),
        ("contact", "create", "--account", "404", "--name", "M", "--owner", "a@b.test"),
    ],
)
def test_unknown_ids_exit_1_with_a_message(shell, args):
    status, out, err = shell(*args)

    assert (status, out) == (1, "")
    assert "404" in err and err.count("\n") == 1


def test_switches_turn_off_again(shell, account_id):
    shell("account", "enable-orders", str(account_id))
    shell("account", "privacy", str(account_id), "on")

    off = shell("account", "disable-orders", str(account_id))
    public = shell("account", "privacy", str(account_id), "off")

    assert off[:2] == public[:2] == (0, "")
    db = Database(os.environ["REGISTRY_DB"])
    account = accounts.get_account(db, account_id)
    assert not account.orders_enabled and not account.owner_privacy


def test_demo_loads_once_then_refuses_unless_if_empty(shell):
    first = shell("demo", "--orders", "200", "--seed", "3")
    again = shell("demo", "--orders", "200")
    skipped = shell("demo", "--if-empty")

    assert first[:2] == (0, "") and "200 orders" in first[2]
    assert again[:2] == (1, "") and "already loaded" in again[2]
    assert "--if-empty" in again[2]
    assert skipped[:2] == (0, "") and "not loaded" in skipped[2]
    db = Database(os.environ["REGISTRY_DB"])
    with db.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM orders").fetchone() == (200,)


def test_demo_if_empty_loads_into_an_empty_database(shell):
    status, out, err = shell("demo", "--orders", "50", "--if-empty")

    assert (status, out) == (0, "")
    assert "50 orders" in err


def test_usage_errors_are_argparse_errors(shell):
    with pytest.raises(SystemExit) as stop:
        shell("demo", "--orders", "-5")

    assert stop.value.code == 2


def test_token_create_prints_only_a_token_that_authenticates(shell, account_id):
    shell(
        "user",
        "create",
        "--account",
        str(account_id),
        "--email",
        "a@loja.test",
        "--name",
        "A",
        "--password",
        "long enough",
    )

    status, out, err = shell("token", "create", "--email", "a@loja.test")

    assert status == 0 and "shown only once" in err
    token = out.strip()
    assert token and "\n" not in token
    db = Database(os.environ["REGISTRY_DB"])
    try:
        assert tokens.authenticate_token(db, token).actor.user.email == "a@loja.test"
    finally:
        db.close()


def test_secret_rotate_prints_a_new_secret_each_time(shell, account_id):
    rotate = ("secret", "rotate", "--account", str(account_id), "--channel")

    first = shell(*rotate, "webhook")
    second = shell(*rotate, "webhook")

    assert first[0] == second[0] == 0
    assert first[1].strip() and first[1] != second[1]
    db = Database(os.environ["REGISTRY_DB"])
    try:
        stored = channels.channel_secret(db, account_id, "webhook")
    finally:
        db.close()
    assert stored == second[1].strip()


def test_secret_rotate_for_an_unknown_account_fails_cleanly(shell):
    status, out, err = shell(
        "secret", "rotate", "--account", "99", "--channel", "webhook"
    )

    assert status == 1 and out == ""
    assert "Account 99 does not exist" in err
