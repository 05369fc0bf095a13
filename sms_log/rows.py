"""What the HTML SMS log shows: one row per message with its parts rolled up, and whether the
page should keep refreshing itself.

The JSON answer of /messages keeps one entry per stored part; only the page for people rolls
them up (a multipart message is delivered when every part is, failed when any part
failed, pending otherwise).
"""

from collections import Counter
from datetime import datetime, timedelta

from shared.report import utcnow
from sms_log.multipart import part_number, rollup

ACTIVE_REFRESH_SECONDS = 3  # reports are arriving: follow them
IDLE_REFRESH_SECONDS = 30  # nothing new for a while: look now and then
ACTIVE_WINDOW = timedelta(minutes=2)


def _roll_up(group_id: str, parts: list[dict]) -> dict:
    parts = sorted(parts, key=part_number)
    summary = rollup(parts)
    first = next((p for p in parts if p["message_id"] == group_id), parts[0])
    failed = next((p for p in parts if p["outcome"] == "failed"), None)
    pending = next((p for p in parts if p["outcome"] not in ("delivered", "failed")), None)
    shown = failed or pending or parts[-1]
    return {
        **first,
        "status": shown["status"], "state": shown["state"], "outcome": summary["outcome"],
        "final": all(p["final"] for p in parts), "error_code": shown["error_code"],
        "error_text": shown["error_text"], "retryable": shown["retryable"],
        "updated_at": max(p["updated_at"] for p in parts),
        "parts": summary,
    }


def one_row_per_message(rows: list[dict]) -> list[dict]:
    """Newest first, as stored; the parts of a long message become one row where its newest
    part was."""
    groups: dict[str, list[dict]] = {}
    order: list[tuple[str, object]] = []
    for row in rows:
        group = row["group_id"]
        if group is None:
            order.append(("single", row))
        else:
            if group not in groups:
                order.append(("group", group))
            groups.setdefault(group, []).append(row)
    return [dict(item, parts=None) if kind == "single" else _roll_up(item, groups[item])
            for kind, item in order]


def refresh_seconds(rows: list[dict], now: datetime | None = None) -> int:
    """Every few seconds while reports are arriving, rarely once all is quiet."""
    now = now or utcnow()
    newest = max((datetime.fromisoformat(r["updated_at"]) for r in rows), default=None)
    if newest is not None and now - newest < ACTIVE_WINDOW:
        return ACTIVE_REFRESH_SECONDS
    return IDLE_REFRESH_SECONDS


def list_view(rows: list[dict], counts: dict[str, int], first_page: bool) -> dict:
    """The template's variables for /messages: counts are the store's, for the whole filter.
    Only the first page follows new reports; a later page stays still while it is read."""
    return {
        "messages": one_row_per_message(rows),
        "counts": Counter(counts),
        "refresh": refresh_seconds(rows) if first_page else 0,
    }
