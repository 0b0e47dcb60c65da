"""Errors and confirmations as a user sees them: a message, never a traceback."""

from __future__ import annotations

import streamlit as st

from registry.errors import RegistryError, ValidationError

FIELD_LABELS = {
    "title": "Title",
    "value": "Value",
    "currency": "Currency",
    "status": "Status",
    "source": "Source",
    "order_date": "Order date",
    "paid_date": "Paid date",
    "deal_id": "Deal",
    "external_id": "External ID",
    "name": "Name",
    "email": "Email",
    "owner_email": "Owner",
    "default_currency": "Default currency",
}

_FLASH_KEY = "_flash"


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field.replace("_", " ").capitalize())


def show_error(exc: RegistryError) -> None:
    """Render a registry error; a validation error names the field first."""
    if isinstance(exc, ValidationError):
        st.error(validation_message(exc), icon=":material/error:")
    else:
        st.error(exc.message, icon=":material/error:")


def validation_message(exc: ValidationError) -> str:
    """'**Title** is required.' or '**Value**: 'abc' is not a number.'"""
    reason = exc.reason.rstrip(".")
    joiner = " " if reason.startswith(("is ", "must ")) else ": "
    return f"**{field_label(exc.field)}**{joiner}{reason}."


def flash(message: str) -> None:
    """Keep a confirmation to show after the rerun that follows a write."""
    st.session_state[_FLASH_KEY] = message


def show_flash() -> None:
    message = st.session_state.pop(_FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")
