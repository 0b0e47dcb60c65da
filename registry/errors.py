"""The registry's exceptions: each carries a message fit to show a user."""

from __future__ import annotations


class RegistryError(Exception):
    """Base of every error the registry raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(RegistryError):
    """Input was rejected; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class NotFound(RegistryError):
    """The thing does not exist, or the actor may not see it (never which).
    `field`, when given, names the input that referred to it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PermissionDenied(RegistryError):
    """The actor is known but not allowed to perform the action."""


class ModuleDisabled(PermissionDenied):
    """The Orders Registry is switched off for the actor's account."""

    def __init__(self) -> None:
        super().__init__(
            "The Orders Registry is disabled for this account. "
            "Ask an administrator to turn it on in Settings."
        )


class AuthenticationFailed(RegistryError):
    """Unknown email or wrong password (deliberately not saying which)."""


class DatabaseLocked(RegistryError):
    """Another process holds the DuckDB file's write lock."""
