"""Domain records as the API's JSON: money as decimal strings, dates as
YYYY-MM-DD, times as UTC ISO 8601; and the opaque pagination cursor."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from ..errors import ValidationError
from ..ingest import ItemResult, LogEntry, Outcome
from ..models import Contact, Deal, Order, StatusChange
from ..money import format_value
from .errors import describe


def _time(value: dt.datetime | None) -> str | None:
    # Stored times are naive UTC.
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def order(o: Order) -> dict[str, Any]:
    """An order with exactly the contract's fields."""
    return {
        "id": o.id,
        "contact_id": o.contact_id,
        "deal_id": o.deal_id,
        "title": o.title,
        "value": format_value(o.value, o.currency),
        "currency": o.currency,
        "status": o.status.value,
        "source": o.source.value,
        "external_id": o.external_id,
        "order_date": _date(o.order_date),
        "paid_date": _date(o.paid_date),
        "created_at": _time(o.created_at),
        "updated_at": _time(o.updated_at),
    }


def contact(c: Contact) -> dict[str, Any]:
    """A contact: id, name, email, owner."""
    return {"id": c.id, "name": c.name, "email": c.email, "owner_id": c.owner_id}


def deal(d: Deal) -> dict[str, Any]:
    """A deal: id, contact, title, owner."""
    return {
        "id": d.id,
        "contact_id": d.contact_id,
        "title": d.title,
        "owner_id": d.owner_id,
    }


def history(change: StatusChange) -> dict[str, Any]:
    """One status change: from, to, who, when, from which source."""
    return {
        "from_status": change.from_status.value if change.from_status else None,
        "to_status": change.to_status.value,
        "changed_by": change.changed_by,
        "changed_by_name": change.changed_by_name,
        "source": change.source.value,
        "changed_at": _time(change.changed_at),
    }


def delivery(entry: LogEntry) -> dict[str, Any]:
    """One ingestion-log entry (the token is not shown)."""
    return {
        "id": entry.id,
        "received_at": _time(entry.received_at),
        "source": entry.source.value,
        "channel": entry.channel,
        "external_id": entry.external_id,
        "order_id": entry.order_id,
        "outcome": entry.outcome.value,
        "reason": entry.reason,
    }


_ANSWER = {
    Outcome.CREATED: "created",
    Outcome.UPDATED: "updated",
    Outcome.UNCHANGED: "updated",
}
_ITEM = '{"index":%d,"status":"%s","id":%d,"outcome":"%s"}'


def batch(results: list[ItemResult]) -> bytes:
    """The batch answer: one result per order, in order, and the counts.

    Written out directly: a thousand results go through json.dumps as dicts
    several times slower, and only integers and fixed words are formatted."""
    parts, counts = [], {"created": 0, "updated": 0, "error": 0}
    for result in results:
        if result.error is None:
            status = _ANSWER[result.outcome]
            values = (result.index, status, result.order_id, result.outcome.value)
            parts.append(_ITEM % values)
        else:
            status = "error"
            _, body = describe(result.error)
            parts.append(
                json.dumps(
                    {"index": result.index, "status": status, "error": body["error"]}
                )
            )
        counts[status] += 1
    joined = ",".join(parts)
    return (
        f'{{"results":[{joined}],"created":{counts["created"]},'
        f'"updated":{counts["updated"]},"errors":{counts["error"]}}}'
    ).encode()


def created(ids: list[int]) -> bytes:
    """The batch answer when every order was new: `batch`'s shape."""
    parts = ",".join(
        _ITEM % (index, "created", order_id, "created")
        for index, order_id in enumerate(ids)
    )
    return (
        f'{{"results":[{parts}],"created":{len(ids)},"updated":0,"errors":0}}'
    ).encode()


def cursor_after(last: Order) -> str:
    """The cursor that resumes a listing after `last` (newest first)."""
    raw = json.dumps([last.order_date.isoformat(), last.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_cursor(cursor: str | None) -> tuple[dt.date, int] | None:
    """The keyset position a cursor stands for; 422 when it is not ours."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        day, order_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        position = dt.date.fromisoformat(day), int(order_id)
    except (ValueError, TypeError):
        raise ValidationError("cursor", "is not a cursor this API returned") from None
    if not 0 < position[1] < 2**63:
        raise ValidationError("cursor", "is not a cursor this API returned")
    return position
