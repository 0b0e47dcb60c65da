"""Aggregates for the analyst pages, computed in DuckDB over the wallet.

Pages call these; each takes the database, the actor and an `OrderFilters`
and returns small pandas DataFrames or dataclasses sized for a screen.
"""

from .choices import FilterChoices, Owner, filter_choices
from .explorer import SORTS, ExplorerPage, count, explore
from .figures import (
    Conversion,
    CurrencyFigures,
    Dashboard,
    Kpis,
    RateUse,
    by_currency,
    by_source,
    by_status,
    dashboard,
    deal_split,
    kpis,
    monthly,
    top_contacts,
)
from .freshness import data_version

__all__ = [
    "SORTS",
    "Conversion",
    "CurrencyFigures",
    "Dashboard",
    "ExplorerPage",
    "FilterChoices",
    "Kpis",
    "Owner",
    "RateUse",
    "by_currency",
    "by_source",
    "by_status",
    "count",
    "dashboard",
    "data_version",
    "deal_split",
    "explore",
    "filter_choices",
    "kpis",
    "monthly",
    "top_contacts",
]
