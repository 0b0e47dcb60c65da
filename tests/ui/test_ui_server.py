"""`streamlit run app.py` serves the pages and the API: started for real."""

from __future__ import annotations

import urllib.request


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status, response.read().decode()


def test_streamlit_run_serves_the_app(tmp_path, serve_app):
    with serve_app(tmp_path / "registry.duckdb") as url:
        health = _get(f"{url}/_stcore/health")
        page = _get(f"{url}/contact?id=1")
        openapi = _get(f"{url}/api/openapi.json")

    assert health == (200, "ok")
    assert page[0] == 200 and "<html" in page[1].lower()
    # The same process serves the REST API beside the pages.
    assert openapi[0] == 200 and '"/v1/orders"' in openapi[1]
