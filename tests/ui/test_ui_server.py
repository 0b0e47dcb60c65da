"""`streamlit run app.py` serves the pages and the API: started for real."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status, response.read().decode()


def test_streamlit_run_serves_the_app(tmp_path):
    port = _free_port()
    env = os.environ | {"REGISTRY_DB": str(tmp_path / "registry.duckdb")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        health = None
        deadline = time.monotonic() + 30
        while health is None and time.monotonic() < deadline:
            assert server.poll() is None, server.stderr.read()
            try:
                health = _get(f"http://127.0.0.1:{port}/_stcore/health")
            except OSError:
                time.sleep(0.2)
        page = _get(f"http://127.0.0.1:{port}/contact?id=1")
        openapi = _get(f"http://127.0.0.1:{port}/api/openapi.json")
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert health == (200, "ok")
    assert page[0] == 200 and "<html" in page[1].lower()
    # The same process serves the REST API beside the pages.
    assert openapi[0] == 200 and '"/v1/orders"' in openapi[1]
