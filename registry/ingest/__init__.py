"""Intake: orders delivered by the REST API, signed webhooks, the Payments
module, commerce platforms and CSV files, written idempotently by external ID.

The functions pages call:
- `list_deliveries`, `count_deliveries`, `order_deliveries`: the ingestion log
- `read_csv`, `suggest_mapping`, `check_mapping`, `import_orders`: CSV import
"""

from .csv_import import (
    FIELDS as CSV_FIELDS,
)
from .csv_import import (
    RowResult,
    check_mapping,
    import_orders,
    read_csv,
    suggest_mapping,
)
from .engine import IntakeBusy, write_orders
from .log import (
    LogEntry,
    Outcome,
    count_deliveries,
    list_deliveries,
    order_deliveries,
)
from .plan import Delivery, ItemResult
from .records import Incoming, Rejected, clean_order, clean_patch

__all__ = [
    "CSV_FIELDS",
    "Delivery",
    "Incoming",
    "IntakeBusy",
    "ItemResult",
    "LogEntry",
    "Outcome",
    "Rejected",
    "RowResult",
    "check_mapping",
    "clean_order",
    "clean_patch",
    "count_deliveries",
    "import_orders",
    "list_deliveries",
    "order_deliveries",
    "read_csv",
    "suggest_mapping",
    "write_orders",
]
