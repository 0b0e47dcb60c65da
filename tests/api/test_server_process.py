"""Against a real server process: concurrent duplicates and kill -9."""

from __future__ import annotations

import threading

import httpx
import pytest
from apikit import build_world, order_body

from registry.processes import serve_api
from registry.store import Database

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def served(tmp_path):
    """A world on a file, then a server on that file (DuckDB lets one
    process write it, so the test's own connection is closed first)."""
    path = tmp_path / "served.duckdb"
    db = Database(path)
    world = build_world(db)
    db.close()
    server = serve_api(path)
    yield world, server, path
    server.stop()


def stored(path) -> list[tuple]:
    db = Database(path)
    try:
        with db.cursor() as cur:
            return cur.execute(
                "SELECT id, external_id FROM orders ORDER BY id"
            ).fetchall()
    finally:
        db.close()


def test_eight_concurrent_deliveries_of_one_external_id_make_one_order(served):
    world, server, path = served
    body = order_body(world.contacts["rep"].id, external_id="same-order")
    headers = {"Authorization": f"Bearer {world.tokens['rep']}"}
    start = threading.Barrier(8)
    answers: list[httpx.Response] = []

    def deliver(n: int) -> None:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            start.wait()
            answers.append(
                client.post(
                    "/api/v1/orders",
                    json={**body, "title": f"try {n}"},
                    headers=headers,
                )
            )

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({a.json()["id"] for a in answers}) == 1
    server.stop()
    assert [external_id for _, external_id in stored(path)] == ["same-order"]


def test_every_acknowledged_order_survives_kill_9(served):
    world, server, path = served
    headers = {"Authorization": f"Bearer {world.tokens['rep']}"}
    acknowledged: list[int] = []
    lock = threading.Lock()
    enough = threading.Event()

    def deliver(worker: int) -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for n in range(10_000):
                body = order_body(
                    world.contacts["rep"].id, external_id=f"k{worker}-{n}"
                )
                try:
                    answer = client.post("/api/v1/orders", json=body, headers=headers)
                except httpx.HTTPError:
                    return  # the server died mid-request: not acknowledged
                if answer.status_code == 201:
                    with lock:
                        acknowledged.append(answer.json()["id"])
                        if len(acknowledged) >= 150:
                            enough.set()

    threads = [threading.Thread(target=deliver, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    assert enough.wait(120), "the server acknowledged too few orders"
    server.kill()  # while the clients are still sending
    for thread in threads:
        thread.join()

    restarted = serve_api(path)
    try:
        with httpx.Client(base_url=restarted.url, timeout=30) as client:
            first = client.get(f"/api/v1/orders/{acknowledged[0]}", headers=headers)
        assert first.status_code == 200
    finally:
        restarted.stop()
    survivors = {order_id for order_id, _ in stored(path)}
    assert set(acknowledged) <= survivors
