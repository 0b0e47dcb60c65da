"""The `registry` command: bootstrap and administration from a shell.

Every command opens the file named by REGISTRY_DB. A command that creates
something prints only the new id on stdout, so scripts can capture it; all
other messages go to stderr. Errors are one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence

import duckdb

from . import accounts, channels, crm, demo, tokens
from .errors import RegistryError, ValidationError
from .models import Account
from .store import Database, database_path

PASSWORD_ENV = "REGISTRY_PASSWORD"

# Domain field names that differ from the option a shell user typed.
_OPTION_FOR_FIELD = {"owner_email": "owner"}

Handler = Callable[[Database, argparse.Namespace], None]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the process exit status."""
    args = _parser().parse_args(argv)
    try:
        db = Database(database_path())
        try:
            args.handler(db, args)
        finally:
            db.close()
    except demo.DemoAlreadyLoaded as exc:
        return _fail(
            f"{exc.message} Use --if-empty to skip loading, or point "
            "REGISTRY_DB at a new file."
        )
    except ValidationError as exc:
        return _fail(f"{_OPTION_FOR_FIELD.get(exc.field, exc.field)}: {exc.reason}")
    except RegistryError as exc:
        return _fail(exc.message)
    except duckdb.Error as exc:
        # Only the first line: DuckDB appends hints that read as a traceback.
        return _fail(f"database: {str(exc).splitlines()[0]}")
    except KeyboardInterrupt:
        print("registry: interrupted", file=sys.stderr)
        return 130
    return 0


def _fail(message: str) -> int:
    print(f"registry: error: {message}", file=sys.stderr)
    return 1


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _created(new_id: int, message: str) -> None:
    print(new_id)
    _say(message)


# --- commands -----------------------------------------------------------------


def _init(db: Database, args: argparse.Namespace) -> None:
    _say(f"{db.path}: schema version {db.migrate()}")


def _demo(db: Database, args: argparse.Namespace) -> None:
    if args.if_empty and accounts.list_accounts(db):
        _say(f"{db.path} already has accounts; the demo dataset was not loaded.")
        return
    started = time.perf_counter()
    summary = demo.load(db, orders=args.orders, seed=args.seed)
    _say(
        f"Loaded the demo dataset into {db.path} in "
        f"{time.perf_counter() - started:.1f}s: {summary.accounts} accounts, "
        f"{summary.users} users, {summary.contacts} contacts, {summary.deals} "
        f"deals, {summary.orders} orders, {summary.status_changes} status "
        f"changes. Every demo user's password is {demo.DEMO_PASSWORD!r}."
    )


def _account_create(db: Database, args: argparse.Namespace) -> None:
    account = accounts.create_account(db, args.name, args.currency)
    _created(account.id, f"Created account {account.id} ({account.name}).")


def _switch_orders(enabled: bool) -> Handler:
    def handler(db: Database, args: argparse.Namespace) -> None:
        _show_switches(
            accounts.update_account(db, args.account_id, orders_enabled=enabled)
        )

    return handler


def _account_privacy(db: Database, args: argparse.Namespace) -> None:
    privacy = args.state == "on"
    _show_switches(accounts.update_account(db, args.account_id, owner_privacy=privacy))


def _show_switches(account: Account) -> None:
    _say(
        f"Account {account.id} ({account.name}): Orders Registry "
        f"{_on_off(account.orders_enabled)}, owner-based privacy "
        f"{_on_off(account.owner_privacy)}."
    )


def _on_off(flag: bool) -> str:
    return "on" if flag else "off"


def _user_create(db: Database, args: argparse.Namespace) -> None:
    password = args.password or os.environ.get(PASSWORD_ENV)
    if not password:
        raise ValidationError(
            "password", f"is required: pass --password or set {PASSWORD_ENV}"
        )
    user = accounts.create_user(
        db,
        args.account,
        email=args.email,
        name=args.name,
        password=password,
        is_admin=args.admin,
        crm_manage=args.crm_manage,
        scope=args.scope,
        team=args.team,
    )
    _created(user.id, f"Created user {user.id} ({user.email}).")


def _contact_create(db: Database, args: argparse.Namespace) -> None:
    contact = crm.create_contact(
        db, args.account, name=args.name, email=args.email, owner_email=args.owner
    )
    _created(contact.id, f"Created contact {contact.id} ({contact.name}).")


def _deal_create(db: Database, args: argparse.Namespace) -> None:
    deal = crm.create_deal(db, args.contact, title=args.title, owner_email=args.owner)
    _created(deal.id, f"Created deal {deal.id} ({deal.title}).")


def _token_create(db: Database, args: argparse.Namespace) -> None:
    issued = tokens.issue_token_for_email(db, args.email, args.name)
    print(issued.token)
    _say(f"Created API token {issued.info.id} for {args.email}; it is shown only once.")


def _secret_rotate(db: Database, args: argparse.Namespace) -> None:
    accounts.get_account(db, args.account)
    secret = channels.rotate_account_secret(db, args.account, args.channel)
    print(secret)
    _say(
        f"New {args.channel} secret for account {args.account}; the previous "
        "one no longer verifies deliveries."
    )


# --- arguments ----------------------------------------------------------------


def _count(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="registry",
        description="Bootstrap and administer the Orders Registry. The database "
        "is the file named by REGISTRY_DB (default data/registry.duckdb).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser("init", help="create or migrate the schema")
    init.set_defaults(handler=_init)

    load = commands.add_parser("demo", help="load the demo dataset")
    load.add_argument("--orders", type=_count, default=demo.DEFAULT_ORDERS)
    load.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)
    load.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing when the database already has an account",
    )
    load.set_defaults(handler=_demo)

    _add_account_commands(commands)
    _add_crm_commands(commands)
    return parser


def _add_account_commands(commands: argparse._SubParsersAction) -> None:
    account = commands.add_parser("account", help="create and switch accounts")
    actions = account.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser("create", help="create an account; prints its id")
    create.add_argument("--name", required=True)
    create.add_argument("--currency", default="BRL", help="default currency")
    create.set_defaults(handler=_account_create)

    for name, enabled, verb in (
        ("enable-orders", True, "turn on"),
        ("disable-orders", False, "turn off"),
    ):
        switch = actions.add_parser(name, help=f"{verb} the Orders Registry")
        switch.add_argument("account_id", type=int, metavar="ID")
        switch.set_defaults(handler=_switch_orders(enabled))

    privacy = actions.add_parser("privacy", help="owner-based privacy on or off")
    privacy.add_argument("account_id", type=int, metavar="ID")
    privacy.add_argument("state", choices=("on", "off"))
    privacy.set_defaults(handler=_account_privacy)


def _add_crm_commands(commands: argparse._SubParsersAction) -> None:
    user = commands.add_parser("user", help="create users")
    user_actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = user_actions.add_parser(
        "create",
        help="create a user; prints its id",
        description=f"The password comes from --password or {PASSWORD_ENV}.",
    )
    create.add_argument("--account", type=int, required=True, metavar="ID")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--password")
    create.add_argument("--admin", action="store_true")
    create.add_argument("--crm-manage", action="store_true")
    create.add_argument("--scope", default="own", help="own, team or all")
    create.add_argument("--team")
    create.set_defaults(handler=_user_create)

    contact = commands.add_parser("contact", help="create contacts")
    contact_actions = contact.add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    create = contact_actions.add_parser("create", help="create a contact")
    create.add_argument("--account", type=int, required=True, metavar="ID")
    create.add_argument("--name", required=True)
    create.add_argument("--email")
    create.add_argument("--owner", required=True, metavar="EMAIL")
    create.set_defaults(handler=_contact_create)

    deal = commands.add_parser("deal", help="create deals")
    deal_actions = deal.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = deal_actions.add_parser("create", help="create a deal")
    create.add_argument("--contact", type=int, required=True, metavar="ID")
    create.add_argument("--title", required=True)
    create.add_argument("--owner", required=True, metavar="EMAIL")
    create.set_defaults(handler=_deal_create)

    token = commands.add_parser("token", help="API tokens")
    token_actions = token.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = token_actions.add_parser(
        "create", help="issue a bearer token for a user; prints it once"
    )
    create.add_argument("--email", required=True, help="the token's user")
    create.add_argument("--name", default="cli", help="a label to recognise it by")
    create.set_defaults(handler=_token_create)

    secret = commands.add_parser("secret", help="per-channel signing secrets")
    secret_actions = secret.add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    rotate = secret_actions.add_parser(
        "rotate", help="a new secret for one channel; prints it once"
    )
    rotate.add_argument("--account", type=int, required=True)
    rotate.add_argument("--channel", required=True, choices=channels.CHANNELS)
    rotate.set_defaults(handler=_secret_rotate)
