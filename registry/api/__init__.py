"""The HTTP intake: REST API, signed webhooks, Payments events and commerce
platforms, as one FastAPI application (`create_app`)."""

from .app import create_app, standalone
from .guard import RateLimit

__all__ = ["RateLimit", "create_app", "standalone"]
