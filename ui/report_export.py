"""Export of the view on screen: prepared to a temporary file with a
progress bar, then offered as a download.

The file is read only when the user clicks the download button, so a large
export is not held in memory for the whole session. A prepared file belongs
to the view it was made from: once the filters, sort or format change it is
dropped, so a download never serves a view the screen no longer shows.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from registry.errors import RegistryError
from registry.exports import ExportFormat, ExportResult, Progress

from .feedback import show_error

FORMAT_LABELS = {
    ExportFormat.CSV: "CSV",
    ExportFormat.PARQUET: "Parquet",
    ExportFormat.EXCEL: "Excel",
}

Exporter = Callable[[Path, ExportFormat, Progress], ExportResult]


def export_panel(name: str, key: str, view: object, export: Exporter) -> None:
    """Format choice, "Prepare" with a progress bar, then the download.

    `view` identifies what is on screen (filters, sort…); `export` writes
    it to the path in the format given, telling `progress` how far it is.
    """
    with st.expander(f"Export {name}", icon=":material/download:", key=key):
        fmt = st.radio(
            "Format",
            list(ExportFormat),
            format_func=FORMAT_LABELS.__getitem__,
            horizontal=True,
            key=f"{key}-format",
        )
        state_key = f"_{key}-prepared"
        prepared = st.session_state.get(state_key)
        if prepared is not None and prepared[0] != (view, fmt):
            _discard(st.session_state.pop(state_key)[1])
            prepared = None
        if st.button("Prepare export", key=f"{key}-prepare", icon=":material/sync:"):
            if prepared is not None:
                _discard(st.session_state.pop(state_key)[1])
            result = _run(export, fmt)
            prepared = None if result is None else ((view, fmt), result)
            if prepared is not None:
                st.session_state[state_key] = prepared
        if prepared is not None:
            _offer(prepared[1], name)


def _run(export: Exporter, fmt: ExportFormat) -> ExportResult | None:
    bar = st.progress(0.0, text="Exporting…")
    folder = Path(tempfile.mkdtemp(prefix="registry-export-"))
    path = folder / f"export.{fmt.value}"

    def progress(done: float) -> None:
        bar.progress(done, text=f"Exporting… {done:.0%}")

    try:
        result = export(path, fmt, progress)
    except RegistryError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        bar.empty()
        show_error(exc)
        return None
    bar.empty()
    return result


def _offer(result: ExportResult, name: str) -> None:
    if result.truncated:
        st.warning(result.message, icon=":material/warning:")
    else:
        st.caption(result.message)
    path = result.path
    st.download_button(
        f"Download {FORMAT_LABELS[result.format]}",
        data=path.read_bytes if path.exists() else b"",
        file_name=f"{name.replace(' ', '-')}.{result.format.value}",
        mime=result.format.mime,
        on_click="ignore",
        type="primary",
        icon=":material/download:",
    )


def _discard(result: ExportResult) -> None:
    shutil.rmtree(result.path.parent, ignore_errors=True)
