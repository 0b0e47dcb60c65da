"""The steps of a CSV import after the upload: map columns, preview, import.

A preview runs the whole import without writing (`dry_run`), so it shows
exactly which rows would be created, updated, left unchanged or rejected, and
why. It is kept in the session for the file and mapping it was made for; the
Import button only appears beside a current preview.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from registry import ingest
from registry.errors import RegistryError
from registry.ingest import Outcome, RowResult
from registry.models import Actor
from registry.store import Database

from .deliveries import outcome_style
from .feedback import field_label, show_error

TEMPLATE = (
    "external_id,contact_email,title,value,currency,status,order_date,paid_date\n"
    "INV-1001,buyer@example.com,Annual plan,1234.50,BRL,paid,2024-03-01,2024-03-05\n"
    "INV-1002,buyer@example.com,Setup fee,99.90,BRL,pending,2024-03-02,\n"
)
_LABELS = {"contact_id": "Contact ID", "deal_id": "Deal ID"}
_HELP = {
    "title": "Required.",
    "value": "Required: digits with a dot for decimals.",
    "contact_email": "The contact with this email. Map this or Contact ID.",
    "contact_id": "The contact's number. Map this or Contact email.",
    "currency": "ISO 4217 code; the account's default when absent.",
    "status": "pending, paid, partially_paid, overdue, refunded, canceled or "
    "failed; pending when absent.",
    "order_date": "YYYY-MM-DD; today when absent.",
    "paid_date": "YYYY-MM-DD.",
    "external_id": "The order's ID in the system the file comes from. A row "
    "whose external ID is known updates that order instead of adding one.",
    "source": "manual, webhook, api, payments or commerce; manual when absent.",
}
_FILE = "_import-file"
_PREVIEW = "_import-preview"
_GO = "_import-go"
_SAMPLE_ROWS = 50


def label(field: str) -> str:
    return _LABELS.get(field, field_label(field))


def template_download() -> None:
    st.download_button(
        "Download a CSV template",
        TEMPLATE,
        file_name="orders-template.csv",
        mime="text/csv",
        icon=":material/download:",
    )


def read_upload(uploaded: Any) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of an uploaded file, parsed once per upload
    rather than on every rerun the mapping widgets cause."""
    kept = st.session_state.get(_FILE)
    if kept is None or kept[0] != uploaded.file_id:
        kept = (uploaded.file_id, *ingest.read_csv(uploaded.getvalue()))
        st.session_state[_FILE] = kept
    return kept[1], kept[2]


def mapping_form(columns: Sequence[str], file_key: str) -> dict[str, str]:
    """Field -> column, proposed from the headers; the user may change any."""
    suggested = ingest.suggest_mapping(columns)
    mapping = {}
    grid = st.columns(4)
    for i, field in enumerate(ingest.CSV_FIELDS):
        default = suggested.get(field)
        column = grid[i % 4].selectbox(
            label(field),
            list(columns),
            index=list(columns).index(default) if default else None,
            placeholder="Not in the file",
            help=_HELP.get(field),
            key=f"import-map-{file_key}-{field}",
        )
        if column is not None:
            mapping[field] = column
    return mapping


def preview_and_import(
    db: Database,
    actor: Actor,
    rows: Sequence[Mapping[str, str]],
    mapping: Mapping[str, str],
    key: Any,
) -> None:
    """The Preview button, the current preview, and the Import button."""
    preview = st.session_state.get(_PREVIEW)
    current = preview is not None and preview[0] == key
    requested = st.session_state.pop(_GO, False)  # never kept for a later run
    if current and requested:
        _import(db, actor, rows, mapping)
        current = False  # the preview is out of date once the rows are in
    if st.button("Preview", icon=":material/preview:", type="secondary"):
        try:
            results = ingest.import_orders(db, actor, rows, mapping, dry_run=True)
        except RegistryError as exc:
            show_error(exc)
            return
        st.session_state[_PREVIEW] = preview = (key, results)
        current = True
    if not current:
        return
    results = preview[1]
    st.info(
        f"Preview of {len(results):,} rows, nothing written yet: "
        f"{_counts(results, 'would be ')}.",
        icon=":material/preview:",
    )
    problems_table(results, mapping)
    _sample(rows, mapping, results)
    valid = sum(r.outcome is not Outcome.REJECTED for r in results)
    st.button(
        f"Import {valid:,} rows",
        type="primary",
        disabled=valid == 0,
        help="Rows with errors are skipped and recorded in the ingestion log.",
        on_click=_request_import,
    )


def _request_import() -> None:
    # A callback runs before the rerun it causes, so that rerun imports in
    # place of the preview rather than below it.
    st.session_state[_GO] = True


def _import(
    db: Database,
    actor: Actor,
    rows: Sequence[Mapping[str, str]],
    mapping: Mapping[str, str],
) -> None:
    bar = st.progress(0.0, text="Importing…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"{done:,} of {total:,} rows processed")

    try:
        results = ingest.import_orders(db, actor, rows, mapping, progress=progress)
    except RegistryError as exc:
        show_error(exc)
        return
    finally:
        st.session_state.pop(_PREVIEW, None)
    st.success(f"Import finished: {_counts(results)}.", icon=":material/check_circle:")
    problems_table(results, mapping)


def _counts(results: list[RowResult], verb: str = "") -> str:
    counted = Counter(r.outcome for r in results)
    return ", ".join(f"{counted[o]:,} {verb}{o.value}" for o in Outcome)


def _problem(result: RowResult) -> str:
    """The registry's message without the field name the Field column shows."""
    message = result.message or ""
    prefix = f"{result.field}: "
    return message.removeprefix(prefix) if result.field else message


def problems_table(results: list[RowResult], mapping: Mapping[str, str]) -> None:
    """The rejected rows: line in the file, field, column and why."""
    rejected = [r for r in results if r.outcome is Outcome.REJECTED]
    if not rejected:
        return
    st.warning(
        f"{len(rejected):,} rows have errors and are not imported.",
        icon=":material/warning:",
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Line": r.line,
                    "Field": label(r.field) if r.field else "",
                    "Column": mapping.get(r.field, "") if r.field else "",
                    "Problem": _problem(r),
                }
                for r in rejected
            ]
        ),
        hide_index=True,
        column_config={"Problem": st.column_config.TextColumn(width="large")},
    )


def _sample(
    rows: Sequence[Mapping[str, str]],
    mapping: Mapping[str, str],
    results: list[RowResult],
) -> None:
    shown = min(len(rows), _SAMPLE_ROWS)
    st.caption(f"The first {shown:,} rows as they will be read:")
    frame = pd.DataFrame(
        [
            {"Line": r.line, "Outcome": r.outcome.value.capitalize()}
            | {label(f): row.get(c, "") for f, c in mapping.items()}
            for row, r in zip(rows[:shown], results[:shown], strict=True)
        ]
    )
    st.dataframe(frame.style.map(outcome_style, subset=["Outcome"]), hide_index=True)
