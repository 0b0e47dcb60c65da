"""The Orders Registry domain: contacts' purchase history on DuckDB.

Importable without Streamlit; pages, the CLI and the API all call into it.
"""

from .errors import (
    AuthenticationFailed,
    DatabaseLocked,
    ModuleDisabled,
    NotFound,
    PermissionDenied,
    RegistryError,
    ValidationError,
)
from .models import Account, Actor, Contact, Deal, Order, Scope, Source, Status
from .store import Database, connect

__all__ = [
    "Account",
    "Actor",
    "AuthenticationFailed",
    "Contact",
    "Database",
    "DatabaseLocked",
    "Deal",
    "ModuleDisabled",
    "NotFound",
    "Order",
    "PermissionDenied",
    "RegistryError",
    "Scope",
    "Source",
    "Status",
    "ValidationError",
    "connect",
]
