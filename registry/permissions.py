"""Named actions and who may perform them: a boolean to decide what to show,
an `ensure` that raises the error a page or endpoint turns into a message."""

from __future__ import annotations

from enum import StrEnum

from .errors import ModuleDisabled, PermissionDenied
from .models import Actor


class Action(StrEnum):
    VIEW_ORDERS = "view-orders"
    MANAGE_ORDERS = "manage-orders"
    MANAGE_CRM = "manage-crm"
    ADMINISTER = "administer"


_REASONS = {
    Action.MANAGE_ORDERS: (
        "Creating and editing orders needs the CRM-management permission. "
        "Ask an administrator to grant it."
    ),
    Action.MANAGE_CRM: (
        "Creating contacts and deals needs the CRM-management permission."
    ),
    Action.ADMINISTER: "Only an administrator of this account can do this.",
}


def can(actor: Actor, action: Action) -> bool:
    """Whether `actor` may perform `action` (module switch included)."""
    user = actor.user
    if action is Action.ADMINISTER:
        return user.is_admin
    if action is Action.MANAGE_CRM:
        return user.is_admin or user.crm_manage
    if not actor.account.orders_enabled:
        return False
    if action is Action.VIEW_ORDERS:
        return True
    return user.is_admin or user.crm_manage


def ensure(actor: Actor, action: Action) -> None:
    """Raise ModuleDisabled or PermissionDenied unless `can(actor, action)`."""
    if can(actor, action):
        return
    if action in (Action.VIEW_ORDERS, Action.MANAGE_ORDERS) and not (
        actor.account.orders_enabled
    ):
        raise ModuleDisabled()
    raise PermissionDenied(_REASONS.get(action, "You may not do this."))
