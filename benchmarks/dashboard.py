"""Dashboard speed and memory on the demo dataset, at several sizes.

For each size the demo generator fills data/bench/demo-N.duckdb once (kept
for later runs), then, for a rep (ana@acme.test) and an admin
(admin@acme.test), the script prints:

* dashboard — `registry.reports.dashboard`, every figure one rerun of the
  page needs — side by side with the floor: the same aggregates as direct
  DuckDB SQL on the same connection, both written by hand per chart and as
  the registry's own single statement with literal values; the floor is the
  faster of the two. Warm cache, interleaved runs, median of --repeat;
* pandas — the common approach: load the account's orders (SELECT *) and
  its contacts' names into pandas, keep the wallet and compute the same
  figures there (in a child process, the median of --pandas-repeat runs);
* explorer — the first page with its total, page 101 without it (the page
  turn, the total being cached), a page sorted by value, and a contact's
  purchase history (`registry.orders.list_orders`) for a contact with the
  median number of orders and for the one with most;
* memory — the peak resident memory of a fresh child process that opens the
  file and runs the dashboard, explorer and history for both users (VmHWM
  on Linux, ru_maxrss elsewhere).

The issue's targets, checked at the end: dashboard ≤ 1.3× the floor; ≥ 20×
faster than pandas; peak memory at the largest size ≤ 300 MB above the
smallest; explorer page and purchase history < 100 ms at the largest size.

Usage:
    .venv/bin/python benchmarks/dashboard.py                  # quick: 20k, 200k
    .venv/bin/python benchmarks/dashboard.py --sizes 1000000,10000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry import accounts, demo, orders, reports  # noqa: E402
from registry.filters import OrderFilters  # noqa: E402
from registry.models import Actor  # noqa: E402
from registry.reports.figures import TOP_CONTACTS  # noqa: E402
from registry.reports.grouping import ORIGINAL, PARTS, statement  # noqa: E402
from registry.reports.scan import scan  # noqa: E402
from registry.store import Database  # noqa: E402

USERS = {"rep": "ana@acme.test", "admin": "admin@acme.test"}
SEED = 7
TODAY = dt.date(2026, 11, 1)
TARGET_RATIO = 1.3
TARGET_PANDAS = 20.0
TARGET_MEMORY_MB = 300.0
TARGET_PAGE_MS = 100.0


# --- data ---------------------------------------------------------------------


def database_file(directory: Path, size: int) -> Path:
    """The demo file of `size` orders, generated on first use."""
    path = directory / f"demo-{size}.duckdb"
    if path.exists() and _complete(path):
        return path
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    print(f"generating {size:,} demo orders in {path} …", flush=True)
    started = time.perf_counter()
    db = Database(path)
    try:
        demo.load(db, orders=size, seed=SEED, today=TODAY)
        with db.cursor() as cur:
            cur.execute("CHECKPOINT")
    finally:
        db.close()
    print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def _complete(path: Path) -> bool:
    db = Database(path)
    try:
        with db.cursor() as cur:
            row = cur.execute(
                "SELECT count(*) FROM users WHERE email = ?", [USERS["admin"]]
            ).fetchone()
        return row[0] == 1
    finally:
        db.close()


def actor(db: Database, email: str) -> Actor:
    return accounts.actor_for(db, accounts.find_user_by_email(db, email).id)


# --- the floor: the same aggregates as direct SQL ------------------------------


def wallet_sql(who: Actor) -> str:
    """The wallet written by hand, with literal ids: the account's orders
    whose copied contact or deal owner is the user."""
    account, user = int(who.account_id), int(who.id)
    if who.sees_whole_account:
        return f"(SELECT * FROM orders WHERE account_id = {account})"
    return (
        f"(SELECT * FROM orders WHERE account_id = {account} "
        f"AND (contact_owner_id = {user} OR deal_owner_id = {user}))"
    )


def per_chart_sql(who: Actor) -> list[str]:
    """One plain query per dashboard element, as an analyst would write them."""
    w = f"FROM {wallet_sql(who)} o"
    return [
        "SELECT currency, count(*), sum(value), "
        "sum(value) FILTER (WHERE status = 'paid'), "
        "sum(value) FILTER (WHERE status IN ('pending', 'overdue', "
        f"'partially_paid')) {w} GROUP BY currency",
        "SELECT count(*), count(DISTINCT contact_id), "
        "count(*) FILTER (WHERE status = 'refunded'), "
        f"count(*) FILTER (WHERE status = 'canceled') {w}",
        f"SELECT status, currency, count(*), sum(value) {w} GROUP BY ALL",
        f"SELECT source, currency, count(*), sum(value) {w} GROUP BY ALL",
        "SELECT date_trunc('month', order_date)::DATE AS month, status, currency, "
        f"count(*), sum(value) {w} GROUP BY ALL",
        f"SELECT deal_id IS NOT NULL, currency, count(*), sum(value) {w} GROUP BY ALL",
        "SELECT t.*, c.name FROM (SELECT contact_id, currency, count(*) AS n, "
        f"sum(value) AS v {w} GROUP BY contact_id, currency QUALIFY row_number() OVER ("
        "PARTITION BY currency ORDER BY v DESC, n DESC, contact_id) <= 10) t "
        "JOIN contacts c ON c.id = t.contact_id",
    ]


def single_statement_sql(who: Actor) -> str:
    """The registry's own statement with its parameters written in."""
    source = scan(who, OrderFilters())
    parts = set(PARTS) - {ORIGINAL}
    sql, params = statement(source, OrderFilters(), parts, top=TOP_CONTACTS)
    return inline(sql, params)


def inline(sql: str, params: tuple[object, ...]) -> str:
    parts = sql.split("?")
    if len(parts) != len(params) + 1:
        raise ValueError("placeholders and parameters differ")
    out = [parts[0]]
    for value, rest in zip(params, parts[1:], strict=True):
        out.append(_literal(value) + rest)
    return "".join(out)


def _literal(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return str(value).upper()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


# --- timing -------------------------------------------------------------------


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure_size(path: Path, repeat: int) -> dict[str, dict[str, float]]:
    """Warm, in-process timings for each user on one file."""
    db = Database(path)
    try:
        return {
            role: _measure_user(db, actor(db, e), repeat) for role, e in USERS.items()
        }
    finally:
        db.close()


def _measure_user(db: Database, who: Actor, repeat: int) -> dict[str, float]:
    charts = per_chart_sql(who)
    single = single_statement_sql(who)

    def by_chart() -> None:
        with db.cursor() as cur:
            for sql in charts:
                cur.execute(sql).fetchall()

    def one_statement() -> None:
        with db.cursor() as cur:
            cur.execute(single).fetchall()

    def registry() -> None:
        reports.dashboard(db, who, OrderFilters())

    busiest, typical = _contacts(db, who)
    runs: dict[str, Callable[[], object]] = {
        "dashboard": registry,
        "floor_by_chart": by_chart,
        "floor_one_statement": one_statement,
        "explorer_first_page": lambda: reports.explore(db, who, limit=50),
        "explorer_later_page": lambda: reports.explore(
            db, who, limit=50, offset=5_000, with_total=False
        ),
        "explorer_by_value": lambda: reports.explore(db, who, sort="value", limit=50),
        "history_typical": lambda: orders.list_orders(db, who, contact_id=typical),
        "history_busiest": lambda: orders.list_orders(db, who, contact_id=busiest),
    }
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for run in runs.values():
        run()  # warm-up: the file's blocks in DuckDB's buffer pool
    for _ in range(repeat):
        for name, run in runs.items():
            samples[name].append(timed(run))
    out = {name: median_ms(values) for name, values in samples.items()}
    out["wallet_orders"] = reports.count(db, who)
    return out


def _contacts(db: Database, who: Actor) -> tuple[int, int]:
    """The wallet's contact with most orders, and one with the median count."""
    with db.cursor() as cur:
        ranked = cur.execute(
            "SELECT contact_id FROM (SELECT contact_id, count(*) AS n "
            f"FROM {wallet_sql(who)} o GROUP BY contact_id) ORDER BY n, contact_id"
        ).fetchall()
    return ranked[-1][0], ranked[len(ranked) // 2][0]


# --- child processes ----------------------------------------------------------


def child(args: list[str]) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", *args]


def run_child(args: list[str]) -> dict:
    done = subprocess.run(child(args), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def memory_child(path: str) -> None:
    """Open the file as the app does, run every page's queries, report RSS."""
    before = _rss_mb()
    db = Database(path)
    for email in USERS.values():
        who = actor(db, email)
        reports.dashboard(db, who, OrderFilters())
        reports.dashboard(db, who, OrderFilters(statuses=("paid",)), top=20)
        reports.explore(db, who, limit=50)
        reports.explore(db, who, sort="value", limit=50)
        for contact in _contacts(db, who):
            orders.list_orders(db, who, contact_id=contact)
    db.close()
    print(json.dumps({"start_mb": before, "peak_mb": _rss_mb()}))


def _rss_mb() -> float:
    """This process's peak resident memory. On Linux, VmHWM: ru_maxrss would
    also count the parent's pages, which Linux carries across fork and exec
    into the child's maximum."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pandas_child(path: str, email: str, repeat: int) -> None:
    """The common approach: the account's orders in pandas, grouped there."""
    import duckdb

    con = duckdb.connect(path, read_only=True)
    account, user, whole = con.execute(
        "SELECT u.account_id, u.id, u.is_admin OR u.scope = 'all' OR NOT "
        "a.owner_privacy FROM users u JOIN accounts a ON a.id = u.account_id "
        "WHERE u.email = ?",
        [email],
    ).fetchone()
    samples = []
    for _ in range(repeat):
        samples.append(timed(lambda: _pandas_figures(con, account, user, whole)))
    print(json.dumps({"pandas_ms": median_ms(samples)}))


def _pandas_figures(con, account: int, user: int, whole: bool) -> None:
    # The account's orders as they are stored (each carries its contact's
    # and its deal's owner), the wallet kept in pandas, and the contacts'
    # names merged in for the top-contacts chart.
    frame = con.execute("SELECT * FROM orders WHERE account_id = ?", [account]).df()
    contacts = con.execute(
        "SELECT id AS contact_id, name FROM contacts WHERE account_id = ?",
        [account],
    ).df()
    if not whole:
        frame = frame[(frame.contact_owner_id == user) | (frame.deal_owner_id == user)]
    frame = frame.merge(contacts, on="contact_id")
    frame = frame.assign(
        paid=frame.value.where(frame.status == "paid", 0),
        outstanding=frame.value.where(
            frame.status.isin(["pending", "overdue", "partially_paid"]), 0
        ),
        month=frame.order_date.dt.to_period("M"),
        has_deal=frame.deal_id.notna(),
    )
    frame.groupby("currency")[["value", "paid", "outstanding"]].agg(["sum", "count"])
    frame.contact_id.nunique()
    (frame.status == "refunded").sum(), (frame.status == "canceled").sum()
    for keys in (["status"], ["source"], ["month", "status"], ["has_deal"]):
        frame.groupby([*keys, "currency"], observed=True).value.agg(["count", "sum"])
    per_contact = frame.groupby(["currency", "contact_id", "name"]).value.sum()
    per_contact.groupby(level=0, group_keys=False).nlargest(10)


# --- report -------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000,200000")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pandas-repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        kind, *rest = options.child
        if kind == "memory":
            memory_child(rest[0])
        else:
            pandas_child(rest[0], rest[1], int(rest[2]))
        return

    sizes = sorted(int(s) for s in options.sizes.split(","))
    options.dir.mkdir(parents=True, exist_ok=True)
    paths = {size: database_file(options.dir, size) for size in sizes}
    results: dict[int, dict] = {}
    for size, path in paths.items():
        print(f"\n== {size:,} orders ({path.stat().st_size / 2**20:,.0f} MiB file)")
        memory = run_child(["memory", str(path)])
        pandas = {
            role: run_child(["pandas", str(path), email, str(options.pandas_repeat)])[
                "pandas_ms"
            ]
            for role, email in USERS.items()
        }
        timings = measure_size(path, options.repeat)
        results[size] = {"memory": memory, "pandas": pandas, "timings": timings}
        _print_size(results[size])
    _print_verdict(results)


def _print_size(result: dict) -> None:
    for role, t in result["timings"].items():
        floor = min(t["floor_by_chart"], t["floor_one_statement"])
        pandas = result["pandas"][role]
        print(
            f"  {role} ({USERS[role]}, {t['wallet_orders']:,.0f} orders in the wallet)"
        )
        print(f"    dashboard, registry            {t['dashboard']:9.1f} ms")
        print(f"    floor: SQL per chart           {t['floor_by_chart']:9.1f} ms")
        print(f"    floor: one SQL statement       {t['floor_one_statement']:9.1f} ms")
        print(f"    registry / floor               {t['dashboard'] / floor:9.2f} ×")
        print(f"    pandas load and group          {pandas:9.1f} ms")
        print(f"    pandas / registry              {pandas / t['dashboard']:9.1f} ×")
        print(f"    explorer, first page + total   {t['explorer_first_page']:9.1f} ms")
        print(f"    explorer, page 101             {t['explorer_later_page']:9.1f} ms")
        print(f"    explorer, sorted by value      {t['explorer_by_value']:9.1f} ms")
        print(f"    purchase history, typical      {t['history_typical']:9.1f} ms")
        print(f"    purchase history, busiest      {t['history_busiest']:9.1f} ms")
    memory = result["memory"]
    print(
        f"  peak RSS of a fresh process      {memory['peak_mb']:9.1f} MB "
        f"(after imports {memory['start_mb']:.1f} MB)"
    )


def _print_verdict(results: dict[int, dict]) -> None:
    small, large = min(results), max(results)
    print(f"\n== targets (largest size {large:,}; memory against {small:,})")
    if (small, large) != (1_000_000, 10_000_000):
        print("  (the issue sets them for 1,000,000 and 10,000,000 orders)")
    checks = []
    for size, result in results.items():
        for role, t in result["timings"].items():
            floor = min(t["floor_by_chart"], t["floor_one_statement"])
            ratio = t["dashboard"] / floor
            checks.append(
                (f"{size:,} {role}: dashboard {ratio:.2f}× the floor", ratio <= 1.3)
            )
            speedup = result["pandas"][role] / t["dashboard"]
            checks.append(
                (f"{size:,} {role}: {speedup:.1f}× faster than pandas", speedup >= 20)
            )
    grew = results[large]["memory"]["peak_mb"] - results[small]["memory"]["peak_mb"]
    checks.append((f"peak memory grew {grew:.0f} MB", grew <= TARGET_MEMORY_MB))
    for role, t in results[large]["timings"].items():
        for name in (
            "explorer_first_page",
            "explorer_later_page",
            "history_typical",
            "history_busiest",
        ):
            label = name.replace("_", " ")
            checks.append(
                (
                    f"{large:,} {role}: {label} {t[name]:.1f} ms",
                    t[name] < TARGET_PAGE_MS,
                )
            )
    for text, ok in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {text}")


if __name__ == "__main__":
    main()
