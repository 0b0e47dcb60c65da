"""Import orders from a CSV file: upload, map columns, preview, import.

For users with the CRM-management permission; idempotent by external ID.
"""

import streamlit as st

from registry import ingest
from registry.errors import ModuleDisabled, PermissionDenied, RegistryError
from registry.permissions import Action, ensure
from ui import csv_import, session
from ui.feedback import show_error

db = session.database()
actor = session.actor()

st.title("Import orders")
try:
    ensure(actor, Action.MANAGE_ORDERS)
except PermissionDenied as exc:
    disabled = isinstance(exc, ModuleDisabled)
    st.info(exc.message, icon=":material/block:" if disabled else ":material/lock:")
    st.stop()

st.caption(
    "A CSV file with a header line, comma or semicolon separated, UTF-8. Each "
    "row becomes an order of a contact you can see. Importing a file again "
    "updates the orders it created, through their external IDs."
)
csv_import.template_download()
uploaded = st.file_uploader("CSV file", type="csv", key="import-file")
if uploaded is None:
    st.stop()

try:
    columns, rows = csv_import.read_upload(uploaded)
except RegistryError as exc:
    show_error(exc)
    st.stop()
if not rows:
    st.warning("The file has a header line but no rows.")
    st.stop()
st.caption(f"{len(rows):,} rows; columns: {', '.join(columns)}")

st.subheader("Columns", anchor=False)
mapping = csv_import.mapping_form(columns, uploaded.file_id)
try:
    ingest.check_mapping(mapping, columns)
except RegistryError as exc:
    show_error(exc)
    st.stop()
if "external_id" not in mapping:
    st.warning(
        "No column is mapped to External ID: importing this file twice would "
        "add its orders twice.",
        icon=":material/content_copy:",
    )

st.subheader("Preview and import", anchor=False)
csv_import.preview_and_import(
    db, actor, rows, mapping, key=(uploaded.file_id, tuple(sorted(mapping.items())))
)
