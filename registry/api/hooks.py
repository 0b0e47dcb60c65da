"""Signed deliveries: the registry's webhook, Payments events, and commerce
platforms. The signature authenticates the account; the integration owner
is the actor. Nothing is written, not even a log line, before the signature
holds."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from .. import channels
from ..errors import PermissionDenied, ValidationError
from ..ingest import Delivery, Incoming, clean_order
from ..ingest.commerce import nuvemshop_order, shopify_order
from ..ingest.log import Outcome, record_rejection
from ..ingest.payments import payment_event
from ..models import Actor, Source
from ..store import Database
from . import schemas
from .context import Db
from .orders import deliver_one

router = APIRouter(prefix="/v1")

AccountId = Annotated[int, Path(ge=1, le=2**63 - 1)]
_RESPONSES = {
    201: {"model": schemas.OrderOut, "description": "Created"},
    200: {"model": schemas.OrderOut, "description": "Updated (or unchanged)"},
    **{s: schemas.ERRORS[s] for s in (401, 403, 404, 413, 422)},
}
_webhook_order = functools.partial(
    clean_order, forced_source=Source.WEBHOOK, require_external_id=True
)


def _actor(db: Database, account_id: int, delivery: Delivery) -> Actor:
    try:
        return channels.channel_actor(db, account_id)
    except PermissionDenied as refusal:
        record_rejection(
            db,
            account_id,
            source=delivery.source,
            channel=delivery.channel,
            reason=refusal.message,
        )
        raise


def _registry_signed(
    db: Database,
    account_id: int,
    headers: Headers,
    body: bytes,
    delivery: Delivery,
    mapper: Callable[[object], Incoming],
) -> JSONResponse:
    channels.verify(
        channels.channel_secret(db, account_id, delivery.channel),
        headers.get("x-registry-timestamp"),
        headers.get("x-registry-signature"),
        body,
    )
    actor = _actor(db, account_id, delivery)
    return deliver_one(db, actor, body, delivery, mapper)


_SIGNATURE = (
    "Signed with the account's {channel} secret: `X-Registry-Timestamp` (unix "
    "seconds, within 300 s) and `X-Registry-Signature: sha256=<hex HMAC-SHA256 "
    'of "{{timestamp}}.{{raw body}}">`.'
)


@router.post(
    "/webhooks/orders/{account_id}",
    status_code=201,
    summary="Signed webhook: one order in the POST /orders shape",
    description=_SIGNATURE.format(channel="webhook")
    + " `external_id` is required; the source is always webhook.",
    responses=_RESPONSES,
    openapi_extra=schemas.body(schemas.OrderIn),
)
async def post_webhook(account_id: AccountId, request: Request, db: Db) -> JSONResponse:
    body = await request.body()
    delivery = Delivery(channels.WEBHOOK, source=Source.WEBHOOK)
    return await run_in_threadpool(
        _registry_signed,
        db,
        account_id,
        request.headers,
        body,
        delivery,
        _webhook_order,
    )


@router.post(
    "/payments/events/{account_id}",
    status_code=201,
    summary="An event of the Payments module",
    description=_SIGNATURE.format(channel="payments")
    + " Creates or updates the order with the event's external ID.",
    responses=_RESPONSES,
    openapi_extra=schemas.body(schemas.PaymentEvent),
)
async def post_payment_event(
    account_id: AccountId, request: Request, db: Db
) -> JSONResponse:
    body = await request.body()
    delivery = Delivery(channels.PAYMENTS, source=Source.PAYMENTS, create_contacts=True)
    return await run_in_threadpool(
        _registry_signed, db, account_id, request.headers, body, delivery, payment_event
    )


def _shopify(
    db: Database, account_id: int, headers: Headers, body: bytes
) -> JSONResponse:
    channels.verify_shopify(
        channels.channel_secret(db, account_id, channels.SHOPIFY),
        headers.get("x-shopify-hmac-sha256"),
        body,
    )
    delivery = Delivery(channels.SHOPIFY, source=Source.COMMERCE, create_contacts=True)
    actor = _actor(db, account_id, delivery)
    topic = headers.get("x-shopify-topic")
    if topic == "orders/delete":
        # A log keeps history: acknowledge, so Shopify does not retry.
        reason = "deleted in Shopify; the registry keeps the order"
        record_rejection(
            db,
            account_id,
            source=Source.COMMERCE,
            channel=channels.SHOPIFY,
            reason=reason,
            outcome=Outcome.UNCHANGED,
        )
        return JSONResponse({"outcome": "unchanged", "reason": reason})
    if topic is not None and not topic.startswith("orders/"):
        raise ValidationError("X-Shopify-Topic", f"{topic!r} is not an order topic")
    return deliver_one(db, actor, body, delivery, shopify_order)


@router.post(
    "/integrations/shopify/{account_id}",
    status_code=201,
    summary="Shopify's order webhook, exactly as Shopify sends it",
    description="Verified by `X-Shopify-Hmac-Sha256` (base64 HMAC-SHA256 of the "
    "raw body with the account's shopify secret). Topics orders/create, "
    "orders/updated, orders/paid, orders/cancelled, …",
    responses={**_RESPONSES, 200: {"description": "Updated, unchanged or ignored"}},
    openapi_extra=schemas.commerce_body("Shopify's order resource"),
)
async def post_shopify(account_id: AccountId, request: Request, db: Db) -> JSONResponse:
    body = await request.body()
    return await run_in_threadpool(_shopify, db, account_id, request.headers, body)


def _nuvemshop(
    db: Database, account_id: int, headers: Headers, body: bytes
) -> JSONResponse:
    channels.verify_nuvemshop(
        channels.channel_secret(db, account_id, channels.NUVEMSHOP),
        headers.get("x-linkedstore-hmac-sha256"),
        body,
    )
    delivery = Delivery(
        channels.NUVEMSHOP, source=Source.COMMERCE, create_contacts=True
    )
    actor = _actor(db, account_id, delivery)
    return deliver_one(db, actor, body, delivery, nuvemshop_order)


@router.post(
    "/integrations/nuvemshop/{account_id}",
    status_code=201,
    summary="A Nuvemshop order, in the shape of Nuvemshop's order resource",
    description="Verified by `X-Linkedstore-Hmac-Sha256` (hex HMAC-SHA256 of the "
    "raw body with the account's nuvemshop secret, as Nuvemshop signs).",
    responses=_RESPONSES,
    openapi_extra=schemas.commerce_body("Nuvemshop's order resource"),
)
async def post_nuvemshop(
    account_id: AccountId, request: Request, db: Db
) -> JSONResponse:
    body = await request.body()
    return await run_in_threadpool(_nuvemshop, db, account_id, request.headers, body)
