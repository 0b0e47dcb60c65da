"""Orders over REST: create or upsert by external ID, batches, keyset pages,
reads, edits and status history, all as the token's user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import crm, orders
from ..errors import RegistryError, ValidationError
from ..ingest import (
    Delivery,
    Incoming,
    ItemResult,
    Outcome,
    Rejected,
    clean_order,
    clean_patch,
    order_deliveries,
    write_orders,
)
from ..ingest.bulk import write_new
from ..ingest.group import write_one, writer_for
from ..ingest.records import reject
from ..models import Actor, Source, Status
from ..money import normalize_currency
from ..permissions import Action, ensure
from ..store import Database
from . import render, schemas
from .context import Auth, Caller, Db, Token
from .guard import parse_json

BATCH_MAX = 1000
PAGE_MAX = 1000

router = APIRouter(prefix="/v1")

OrderId = Annotated[int, Path(ge=1, le=2**63 - 1)]
ContactId = Annotated[int, Path(ge=1, le=2**63 - 1)]
FilterId = Annotated[int | None, Query(ge=1, le=2**63 - 1)]


def _item(raw: object, **options: Any) -> Incoming | Rejected:
    try:
        return clean_order(raw, **options)
    except RegistryError as error:
        return reject(raw, error)


def answer(result: ItemResult, created_status: int = 201) -> JSONResponse:
    """One written order as the response, or its error raised."""
    if result.error is not None:
        raise result.error
    status = created_status if result.outcome is Outcome.CREATED else 200
    return JSONResponse(
        render.order(result.order),
        status_code=status,
        headers={"X-Registry-Outcome": result.outcome.value},
    )


def deliver_one(
    db: Database,
    actor: Actor,
    body: bytes,
    delivery: Delivery,
    mapper: Callable[[object], Incoming],
) -> JSONResponse:
    """Parse, map and write one delivered order; the answer is the order."""
    raw: object = None
    try:
        raw = parse_json(body)
        item: Incoming | Rejected = mapper(raw)
    except RegistryError as error:
        item = reject(raw, error)
    return answer(write_one(db, actor, item, delivery))


@router.post(
    "/orders",
    status_code=201,
    summary="Create an order, or update the one with its external ID",
    responses={
        201: {"model": schemas.OrderOut, "description": "Created"},
        200: {"model": schemas.OrderOut, "description": "Updated (or unchanged)"},
        **schemas.ERRORS,
    },
    openapi_extra=schemas.body(schemas.OrderIn),
)
async def post_order(request: Request, token: Token, db: Db) -> JSONResponse:
    # The hot path. One small order is checked on the event loop (cheaper
    # than a hop to a worker thread); the group writer resolves the token
    # together with those of the orders committed alongside this one.
    body = await request.body()
    raw: object = None
    try:
        raw = parse_json(body)
        item: Incoming | Rejected = clean_order(raw)
    except RegistryError as error:
        item = reject(raw, error)
    writer = writer_for(db)
    return answer(await writer.write_as(token, item, Delivery("api")))


def _batch(db: Db, caller: Caller, body: bytes) -> JSONResponse:
    raw = parse_json(body)
    batch = raw.get("orders") if isinstance(raw, dict) else None
    if not isinstance(batch, list) or set(raw) != {"orders"}:
        raise ValidationError("orders", 'send {"orders": [ ... ]}')
    if len(batch) > BATCH_MAX:
        raise ValidationError("orders", f"at most {BATCH_MAX} orders per batch")
    delivery = Delivery("api", token_id=caller.token_id)
    created = write_new(db, caller.actor, batch, delivery)
    if created is not None:
        return Response(render.created(created), media_type="application/json")
    items = [_item(r) for r in batch]
    results = write_orders(db, caller.actor, items, delivery)
    return Response(render.batch(results), media_type="application/json")


@router.post(
    "/orders/batch",
    summary=f"Create or update up to {BATCH_MAX} orders",
    description="One result per order, in order. Valid orders are written even "
    "when others fail; the whole batch commits before the answer.",
    responses={200: {"model": schemas.BatchOut}, **schemas.ERRORS},
    openapi_extra=schemas.body(schemas.BatchIn),
)
async def post_orders_batch(request: Request, caller: Auth, db: Db) -> JSONResponse:
    body = await request.body()
    return await run_in_threadpool(_batch, db, caller, body)


def _page(
    db: Db,
    caller: Caller,
    limit: int,
    cursor: str | None,
    **filters: Any,
) -> JSONResponse:
    if filters.get("currency"):
        filters["currency"] = normalize_currency(filters["currency"])
    found = orders.page_orders(
        db,
        caller.actor,
        after=render.parse_cursor(cursor),
        limit=limit + 1,
        **filters,
    )
    items = found[:limit]
    more = len(found) > limit
    return JSONResponse(
        {
            "items": [render.order(o) for o in items],
            "next_cursor": render.cursor_after(items[-1]) if more else None,
        }
    )


Limit = Annotated[int, Query(ge=1, le=PAGE_MAX, description="Page size")]
Cursor = Annotated[
    str | None, Query(max_length=200, description="`next_cursor` of the last page")
]


@router.get(
    "/orders",
    summary="List orders in your wallet, newest first",
    responses={200: {"model": schemas.OrderPage}, **schemas.ERRORS},
)
def get_orders(
    caller: Auth,
    db: Db,
    contact_id: FilterId = None,
    deal_id: FilterId = None,
    status: Status | None = None,
    source: Source | None = None,
    currency: Annotated[str | None, Query(max_length=3)] = None,
    date_from: Annotated[
        dt.date | None, Query(alias="from", description="Order date on or after")
    ] = None,
    date_to: Annotated[
        dt.date | None, Query(alias="to", description="Order date on or before")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> JSONResponse:
    return _page(
        db,
        caller,
        limit,
        cursor,
        contact_id=contact_id,
        deal_id=deal_id,
        status=status,
        source=source,
        currency=currency,
        date_from=date_from,
        date_to=date_to,
    )


@router.get(
    "/orders/{order_id}",
    summary="Read one order",
    responses={200: {"model": schemas.OrderOut}, **schemas.ERRORS},
)
def get_order(order_id: OrderId, caller: Auth, db: Db) -> JSONResponse:
    return JSONResponse(render.order(orders.get_order(db, caller.actor, order_id)))


def _patch(db: Db, caller: Caller, order_id: int, body: bytes) -> JSONResponse:
    try:
        item: Incoming | Rejected = clean_patch(parse_json(body), order_id)
    except RegistryError as error:
        item = Rejected(error)
    delivery = Delivery("api", token_id=caller.token_id)
    return answer(write_one(db, caller.actor, item, delivery), created_status=200)


@router.patch(
    "/orders/{order_id}",
    summary="Change some fields of an order",
    responses={200: {"model": schemas.OrderOut}, **schemas.ERRORS},
    openapi_extra=schemas.body(schemas.OrderPatch),
)
async def patch_order(
    order_id: OrderId, request: Request, caller: Auth, db: Db
) -> JSONResponse:
    body = await request.body()
    return await run_in_threadpool(_patch, db, caller, order_id, body)


@router.get(
    "/orders/{order_id}/history",
    summary="The order's status history, oldest first",
    responses={200: {"model": list[schemas.HistoryEntry]}, **schemas.ERRORS},
)
def get_history(order_id: OrderId, caller: Auth, db: Db) -> JSONResponse:
    changes = orders.status_history(db, caller.actor, order_id)
    return JSONResponse([render.history(c) for c in changes])


@router.get(
    "/orders/{order_id}/deliveries",
    summary="The deliveries that touched the order, oldest first",
    responses={200: {"model": list[schemas.DeliveryOut]}, **schemas.ERRORS},
)
def get_deliveries(order_id: OrderId, caller: Auth, db: Db) -> JSONResponse:
    entries = order_deliveries(db, caller.actor, order_id)
    return JSONResponse([render.delivery(e) for e in entries])


@router.get(
    "/contacts/{contact_id}/orders",
    summary="A contact's orders, newest first",
    responses={200: {"model": schemas.OrderPage}, **schemas.ERRORS},
)
def get_contact_orders(
    contact_id: ContactId,
    caller: Auth,
    db: Db,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> JSONResponse:
    ensure(caller.actor, Action.VIEW_ORDERS)
    crm.get_contact(db, caller.actor, contact_id)
    return _page(db, caller, limit, cursor, contact_id=contact_id)
