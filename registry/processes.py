"""The app, or its API alone, served in a child process on a free loopback
port: what the durability and browser tests and the intake benchmark run
against, so each meets the real server, started the same way."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """A server command in a process of its own; ready once `ready_path`
    answers over HTTP (any status), stopped on leaving a `with` block."""

    def __init__(
        self,
        command: Sequence[str],
        port: int,
        *,
        ready_path: str,
        env: Mapping[str, str],
        timeout: float = 60,
    ) -> None:
        self.port = port
        # A file, not a pipe: a pipe nobody reads would stall a chatty server.
        self._errors = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed by stop)
        self.process = subprocess.Popen(
            list(command),
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=self._errors,
        )
        deadline = time.monotonic() + timeout
        while not self._answers(ready_path):
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.errors()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start within {timeout:g} s")
            time.sleep(0.1)

    def errors(self) -> str:
        """What the server has written to its standard error so far."""
        self._errors.seek(0)
        return self._errors.read()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _answers(self, path: str) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # it answered
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no checkpoint."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not ended within 30 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if not self._errors.closed:
            # Passed on, so a failing test shows what the server said.
            sys.stderr.write(self.errors())
            self._errors.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def serve_api(
    db_path: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    access_log: bool = True,
) -> ServerProcess:
    """uvicorn serving the API alone, mounted at /api as in the app, on the
    database file `db_path`."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "registry.api:standalone",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    if not access_log:
        command.append("--no-access-log")
    return ServerProcess(
        command,
        port,
        ready_path="/api/openapi.json",
        env={"REGISTRY_DB": str(db_path), **(env or {})},
    )


def serve_app(db_path: str | os.PathLike[str]) -> ServerProcess:
    """`streamlit run app.py`, pages and API, on the database file `db_path`."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless=true",
        f"--server.port={port}",
        "--server.address=127.0.0.1",
    ]
    return ServerProcess(
        command,
        port,
        ready_path="/_stcore/health",
        env={"REGISTRY_DB": str(db_path)},
    )
