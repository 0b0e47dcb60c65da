"""Intake speed against a real server process.

Starts uvicorn serving the API mounted at /api (as the app serves it) on a
free 127.0.0.1 port, with REGISTRY_DB on a temporary file, then measures:

* POST /api/v1/orders/batch — sustained orders per second, batches of 1,000
  new orders from a few concurrent connections;
* POST /api/v1/orders — single orders from 8 concurrent clients, each
  acknowledged only after its transaction committed: orders per second, and
  the p50 and p99 latency;
* the DuckDB floor for the batch figure: on a fresh database bootstrapped
  the same way, the same rows (orders, their first status history, their
  log entries) inserted from Arrow tables built beforehand, with the engine's
  three INSERT statements and a COMMIT per batch: no HTTP, no validation, no
  lookups. It is the ceiling DuckDB itself sets on this machine.

Usage: .venv/bin/python benchmarks/intake.py [--batches 120] [--singles 3000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import queue
import statistics
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from registry import accounts, crm, tokens
from registry.processes import serve_api
from registry.store import Database

CONTACTS = 2_000


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time a process has used (Linux /proc), or None."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bootstrap(path: Path) -> tuple[str, list[int]]:
    """An account with the module on, an admin, contacts, and a token."""
    db = Database(path)
    try:
        account = accounts.create_account(db, "Benchmark", "BRL")
        accounts.update_account(db, account.id, orders_enabled=True)
        admin = accounts.create_user(
            db,
            account.id,
            email="bench@example.com",
            name="Bench",
            password=None,
            is_admin=True,
        )
        with db.cursor() as cur:
            cur.execute(
                "INSERT INTO contacts (account_id, name, email, owner_id) "
                "SELECT ?, 'Contact ' || i, 'c' || i || '@example.com', ? "
                "FROM range(?) t(i)",
                [account.id, admin.id, CONTACTS],
            )
        contact_ids = [
            c.id
            for c in crm.search_contacts(
                db, accounts.actor_for(db, admin.id), limit=CONTACTS
            )
        ]
        token = tokens.issue_token(db, admin.id, "benchmark").token
    finally:
        db.close()
    return token, contact_ids


def run_batches(port: int, token: str, bodies: list[bytes], clients: int) -> float:
    """Post every body; return the seconds it took."""
    work: queue.Queue[bytes] = queue.Queue()
    for body in bodies:
        work.put(body)
    failures: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        }
        while True:
            try:
                body = work.get_nowait()
            except queue.Empty:
                break
            conn.request("POST", "/api/v1/orders/batch", body, headers)
            response = conn.getresponse()
            answer = response.read()
            if response.status != 200 or json.loads(answer)["errors"]:
                failures.append(f"{response.status} {answer[:200]!r}")
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} batches failed, e.g. {failures[0]}")
    return elapsed


def run_singles(
    port: int, token: str, bodies: list[bytes], clients: int
) -> tuple[float, list[float]]:
    """Post single orders from `clients` threads; seconds and latencies."""
    shares = [bodies[i::clients] for i in range(clients)]
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(share: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        }
        mine = []
        for body in share:
            started = time.perf_counter()
            conn.request("POST", "/api/v1/orders", body, headers)
            response = conn.getresponse()
            answer = response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 201:
                failures.append(f"{response.status} {answer[:200]!r}")
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(s,)) for s in shares]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} orders failed, e.g. {failures[0]}")
    return elapsed, latencies


def order(contact_id: int, key: str, n: int) -> dict:
    return {
        "contact_id": contact_id,
        "title": f"Order {key}",
        "value": f"{10 + n % 990}.{n % 100:02d}",
        "currency": "BRL",
        "status": ("pending", "paid", "overdue")[n % 3],
        "order_date": "2024-03-01",
        "external_id": key,
    }


def floor_table(orders: list[dict], first_id: int, owner_id: int) -> pa.Table:
    """One batch's orders as the engine would store them."""
    size, today = len(orders), dt.date.today()
    return pa.table(
        {
            "id": pa.array(range(first_id, first_id + size), pa.int64()),
            "contact_id": pa.array([o["contact_id"] for o in orders], pa.int64()),
            "deal_id": pa.nulls(size, pa.int64()),
            "title": pa.array([o["title"] for o in orders], pa.string()),
            "value": pa.array(
                [Decimal(o["value"]) for o in orders], pa.decimal128(18, 4)
            ),
            "currency": pa.array([o["currency"] for o in orders], pa.string()),
            "status": pa.array([o["status"] for o in orders], pa.string()),
            "source": pa.array(["api"] * size, pa.string()),
            "external_id": pa.array([o["external_id"] for o in orders], pa.string()),
            "order_date": pa.array(
                [dt.date.fromisoformat(o["order_date"]) for o in orders], pa.date32()
            ),
            "paid_date": pa.array(
                [today if o["status"] == "paid" else None for o in orders],
                pa.date32(),
            ),
            "external_updated_at": pa.nulls(size, pa.timestamp("us")),
            "note": pa.nulls(size, pa.string()),
            "contact_owner_id": pa.array([owner_id] * size, pa.int64()),
            "deal_owner_id": pa.nulls(size, pa.int64()),
        }
    )


def floor_inserts(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    user_id: int,
    token_id: int,
    now: dt.datetime,
) -> None:
    """The engine's three statements (registry/ingest/sql.py insert_orders),
    reading the registered table `u` whose values are already DECIMAL and
    whose owners are already known."""
    cur.execute(
        "INSERT INTO orders (id, account_id, contact_id, deal_id, title, value, "
        "currency, status, source, external_id, order_date, paid_date, "
        "created_by, created_at, updated_at, external_updated_at, note, "
        "contact_owner_id, deal_owner_id) "
        "SELECT u.id, ?, u.contact_id, u.deal_id, u.title, u.value, "
        "u.currency, u.status::order_status, u.source::order_source, "
        "u.external_id, u.order_date, u.paid_date, ?, ?, ?, "
        "u.external_updated_at, u.note, u.contact_owner_id, u.deal_owner_id "
        "FROM u",
        [account_id, user_id, now, now],
    )
    cur.execute(
        "INSERT INTO order_status_history (account_id, order_id, from_status, "
        "to_status, changed_by, source, changed_at) "
        "SELECT ?, u.id, NULL, u.status::order_status, ?, "
        "u.source::order_source, ? FROM u",
        [account_id, user_id, now],
    )
    cur.execute(
        "INSERT INTO ingestion_log (account_id, received_at, source, channel, "
        "external_id, order_id, outcome, token_id) "
        "SELECT ?, ?, u.source::order_source, ?, u.external_id, u.id, "
        "'created', ? FROM u",
        [account_id, now, "api", token_id],
    )


def storage_floor(batches: int, batch_size: int) -> float:
    """Orders per second DuckDB stores the batch benchmark's rows at, with
    nothing in front of it: timed from handing DuckDB the first table to
    the last COMMIT."""
    with tempfile.TemporaryDirectory(prefix="intake-floor-") as tmp:
        path = Path(tmp) / "floor.duckdb"
        token, contacts = bootstrap(path)
        db = Database(path)
        try:
            bearer = tokens.authenticate_token(db, token)
            n = len(contacts)
            tables = [
                floor_table(
                    [
                        order(contacts[(b * batch_size + i) % n], f"b{b}-{i}", i)
                        for i in range(batch_size)
                    ],
                    first_id=1 + b * batch_size,
                    owner_id=bearer.actor.id,
                )
                for b in range(batches)
            ]
            actor, token_id = bearer.actor, bearer.token_id
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            with db.cursor() as cur:
                started = time.perf_counter()
                for table in tables:
                    cur.register("u", table)
                    cur.execute("BEGIN TRANSACTION")
                    floor_inserts(cur, actor.account_id, actor.id, token_id, now)
                    cur.execute("COMMIT")
                    cur.unregister("u")
                elapsed = time.perf_counter() - started
        finally:
            db.close()
    return batches * batch_size / elapsed


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=120)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--batch-clients", type=int, default=3)
    parser.add_argument("--singles", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="intake-bench-") as tmp:
        path = Path(tmp) / "intake.duckdb"
        token, contacts = bootstrap(path)
        n = len(contacts)
        bodies = [
            json.dumps(
                {
                    "orders": [
                        order(contacts[(b * args.batch_size + i) % n], f"b{b}-{i}", i)
                        for i in range(args.batch_size)
                    ]
                }
            ).encode()
            for b in range(args.batches)
        ]
        singles = [
            json.dumps(order(contacts[i % n], f"s{i}", i)).encode()
            for i in range(args.singles)
        ]
        # No rate limit: the benchmark is the only client.
        server = serve_api(path, env={"REGISTRY_API_RATE": "1e9"}, access_log=False)
        try:
            # Warm the server (imports, first queries) before timing.
            run_batches(
                server.port,
                token,
                [
                    json.dumps(
                        {
                            "orders": [
                                order(contacts[0], f"warm{i}", i) for i in range(100)
                            ]
                        }
                    ).encode()
                ],
                1,
            )
            pid = server.process.pid
            cpu_start = cpu_seconds(pid)
            batch_seconds = run_batches(server.port, token, bodies, args.batch_clients)
            cpu_batches = cpu_seconds(pid)
            single_seconds, latencies = run_singles(
                server.port, token, singles, args.clients
            )
            cpu_singles = cpu_seconds(pid)
        finally:
            server.stop()

        db = Database(path)
        with db.cursor() as cur:
            stored = cur.execute("SELECT count(*) FROM orders").fetchall()[0][0]
        db.close()

    batch_orders = args.batches * args.batch_size
    expected = batch_orders + args.singles + 100
    print(f"orders stored: {stored:,} (expected {expected:,})")
    print(
        f"POST /api/v1/orders/batch: {batch_orders:,} orders in "
        f"{batch_seconds:.2f} s = {batch_orders / batch_seconds:,.0f} orders/s "
        f"({args.batch_size} per batch, {args.batch_clients} connections)"
    )
    print(
        f"POST /api/v1/orders: {args.singles:,} orders from {args.clients} "
        f"clients in {single_seconds:.2f} s = "
        f"{args.singles / single_seconds:,.0f} orders/s; latency "
        f"p50 {percentile(latencies, 0.50) * 1e3:.1f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1e3:.1f} ms, "
        f"mean {statistics.fmean(latencies) * 1e3:.1f} ms"
    )
    floor = storage_floor(args.batches, args.batch_size)
    print(f"DuckDB floor (same rows, no HTTP, no checks): {floor:,.0f} orders/s")
    if None not in (cpu_start, cpu_batches, cpu_singles):
        # Throughput depends on what else the machine runs; CPU per order
        # says what the server itself spends.
        per_batched = (cpu_batches - cpu_start) / batch_orders * 1e6
        per_single = (cpu_singles - cpu_batches) / args.singles * 1e3
        print(
            f"server CPU: {per_batched:.0f} µs per batched order, "
            f"{per_single:.2f} ms per single order; "
            f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
        )
    if stored != expected:
        sys.exit("stored orders do not match the acknowledged ones")


if __name__ == "__main__":
    main()
