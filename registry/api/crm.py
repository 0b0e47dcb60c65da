"""Contacts and deals over REST, as the token's user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from .. import crm
from . import render, schemas
from .context import Auth, Db

router = APIRouter(prefix="/v1")

ContactId = Annotated[int, Path(ge=1, le=2**63 - 1)]
DealId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post(
    "/contacts",
    status_code=201,
    summary="Add a contact (you own it unless you name another owner)",
    responses={201: {"model": schemas.ContactOut}, **schemas.ERRORS},
)
def post_contact(body: schemas.ContactIn, caller: Auth, db: Db) -> JSONResponse:
    contact = crm.add_contact(
        db,
        caller.actor,
        name=body.name,
        email=body.email,
        owner_email=body.owner_email,
    )
    return JSONResponse(render.contact(contact), status_code=201)


@router.get(
    "/contacts/{contact_id}",
    summary="Read one contact",
    responses={200: {"model": schemas.ContactOut}, **schemas.ERRORS},
)
def get_contact(contact_id: ContactId, caller: Auth, db: Db) -> JSONResponse:
    return JSONResponse(render.contact(crm.get_contact(db, caller.actor, contact_id)))


@router.post(
    "/deals",
    status_code=201,
    summary="Open a deal for a contact in your wallet",
    responses={201: {"model": schemas.DealOut}, **schemas.ERRORS},
)
def post_deal(body: schemas.DealIn, caller: Auth, db: Db) -> JSONResponse:
    deal = crm.add_deal(
        db,
        caller.actor,
        body.contact_id,
        title=body.title,
        owner_email=body.owner_email,
    )
    return JSONResponse(render.deal(deal), status_code=201)


@router.get(
    "/deals/{deal_id}",
    summary="Read one deal",
    responses={200: {"model": schemas.DealOut}, **schemas.ERRORS},
)
def get_deal(deal_id: DealId, caller: Auth, db: Db) -> JSONResponse:
    return JSONResponse(render.deal(crm.get_deal(db, caller.actor, deal_id)))
