"""Field rules shared by forms, the CLI and the API."""

from __future__ import annotations

import datetime as dt
import unicodedata
from enum import StrEnum
from typing import TypeVar

from .errors import NotFound, ValidationError
from .models import Status

TITLE_MAX = 200
NAME_MAX = 200
EXTERNAL_ID_MAX = 200

E = TypeVar("E", bound=StrEnum)

# Explicit embeddings, overrides and isolates (Unicode TR9): text that can
# reorder what a reader sees, so a title cannot disguise itself.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_text(
    raw: object, field: str, *, required: bool = True, max_length: int = NAME_MAX
) -> str | None:
    """Strip, then refuse empty (when required), over-long or control characters."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise ValidationError(field, "must be text")
    text = raw.strip()
    if not text:
        if required:
            raise ValidationError(field, "is required")
        return None
    if len(text) > max_length:
        raise ValidationError(field, f"must be at most {max_length} characters")
    if any(unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS for ch in text):
        raise ValidationError(field, "must not contain control characters")
    if all(unicodedata.category(ch) in ("Cf", "Zs") for ch in text):
        raise ValidationError(field, "is required")
    return text


def as_id(raw: object, what: str) -> int:
    """An id read from a URL or a form: anything but a whole number is unknown."""
    if isinstance(raw, bool):
        raise NotFound(f"{what} {raw!r} was not found.")
    if isinstance(raw, int):
        return raw
    try:
        return int(str(raw).strip())
    except ValueError:
        raise NotFound(f"{what} {raw!r} was not found.") from None


def clean_email(
    raw: object, field: str = "email", *, required: bool = False
) -> str | None:
    text = clean_text(raw, field, required=required, max_length=254)
    if text is None:
        return None
    local, at, domain = text.partition("@")
    if not at or not local or "." not in domain or " " in text:
        raise ValidationError(field, f"{text!r} is not an email address")
    return text.lower()


def parse_choice(enum: type[E], raw: object, field: str) -> E:
    """Map text (or an enum member) to `enum`, naming the allowed values on error."""
    if isinstance(raw, enum):
        return raw
    text = raw.strip().lower().replace(" ", "_") if isinstance(raw, str) else raw
    try:
        return enum(text)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ValidationError(
            field, f"unknown {field} {raw!r}; expected one of: {allowed}"
        ) from None


def parse_date(raw: object, field: str, *, required: bool = True) -> dt.date | None:
    """Accept a date, or an ISO 8601 'YYYY-MM-DD' string."""
    if raw is None or raw == "":
        if required:
            raise ValidationError(field, "is required")
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise ValidationError(field, f"{raw!r} is not a date (expected YYYY-MM-DD)")


def paid_date_for(
    status: Status, paid_date: dt.date | None, before: dt.date | None, today: dt.date
) -> dt.date | None:
    """The paid date an order is stored with: one that is paid without a paid
    date keeps the date it had (`before`), else gets the day of the change.
    The forms and every intake channel apply this one rule."""
    if status is Status.PAID and paid_date is None:
        return before or today
    return paid_date


def check_paid_date(
    paid_date: dt.date | None, order_date: dt.date, today: dt.date
) -> None:
    if paid_date is None:
        return
    if paid_date < order_date:
        raise ValidationError("paid_date", "must not be before the order date")
    if paid_date > today + dt.timedelta(days=1):
        raise ValidationError("paid_date", "must not be later than tomorrow")
