"""The log pages' questions to the store: one page of messages, and how many match a filter.

A message is what a person sent: a short SMS is one stored row, a long one is several rows (its
parts) tied by `group_id`. Every query here works on messages, rolled up in SQL the way
shared.multipart.rollup rolls them up on the page (failed when any part failed, delivered when
every expected part was, pending otherwise), so the counts in the header and the pages are the
store's own, whatever page is shown.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, and_, case, cast, func, literal, select, union_all
from sqlalchemy.engine import Connection

from shared.store import events, messages

OUTCOMES = ("delivered", "failed", "pending", "unknown")
DIRECTIONS = ("outbound", "inbound")


@dataclass(frozen=True)
class Filters:
    """What /messages?outcome=failed&status=expired&direction=outbound&error=50&since=…&until=…
    asks for."""

    provider: str | None = None
    outcome: str | None = None
    state: str | None = None  # the normalized state of the message (any part of a long one)
    direction: str | None = None
    error_code: str | None = None
    since: datetime | None = None  # the message's last update, inclusive
    until: datetime | None = None  # exclusive
    country: str | None = None  # the handset's, ISO 3166-1 alpha-2 (any part of a long one)
    network: str | None = None  # the provider's network code (any part of a long one)


def _parts_expected(dialect: str):
    """The n of Plivo's PartInfo "k of n", 0 when there is none or it is not of that form."""
    info = messages.c.part_info
    if dialect == "postgresql":
        digits = func.substring(info, r"^\s*\d+\s+of\s+(\d+)\s*$")
        return func.coalesce(cast(digits, Integer), 0)
    # SQLite has no regular expressions; CAST of anything that is not a number gives 0.
    after = func.substr(info, func.instr(info, " of ") + 4)
    return case((func.instr(info, " of ") > 0, cast(after, Integer)), else_=0)


def _count_of(condition):
    return func.sum(case((condition, 1), else_=0))


def _singles(filters: Filters):
    """Messages of one row each (no group_id): the row is the message. Most messages are; their
    filters are plain WHERE clauses, so the indexes on updated_at and direction serve them."""
    m = messages.c
    query = (select(m.provider, m.message_id.label("key"), m.direction, m.outcome,
                    m.updated_at).where(m.group_id.is_(None)))
    if filters.provider:
        query = query.where(m.provider == filters.provider)
    if filters.direction:
        query = query.where(m.direction == filters.direction)
    if filters.error_code:
        query = query.where(m.error_code == filters.error_code)
    if filters.state:
        query = query.where(m.state == filters.state)
    if filters.country:
        query = query.where(m.country == filters.country)
    if filters.network:
        query = query.where(m.network == filters.network)
    if filters.since:
        query = query.where(m.updated_at >= filters.since)
    if filters.until:
        query = query.where(m.updated_at < filters.until)
    return query


def _groups(conn: Connection, filters: Filters):
    """Long messages, one row per group of parts, rolled up (ix_messages_parts groups them)."""
    m = messages.c
    parts = func.count()
    outcome = case(
        (_count_of(m.outcome == "failed") > 0, literal("failed")),
        (and_(_count_of(m.outcome == "delivered") == parts,
              parts >= func.max(_parts_expected(conn.dialect.name))), literal("delivered")),
        else_=literal("pending"))
    query = (select(m.provider, m.group_id.label("key"), func.max(m.direction).label("direction"),
                    cast(outcome, String).label("outcome"),
                    func.max(m.updated_at).label("updated_at"))
             .where(m.group_id.is_not(None)).group_by(m.provider, m.group_id))
    if filters.provider:
        query = query.where(m.provider == filters.provider)
    if filters.direction:
        query = query.where(m.direction == filters.direction)
    if filters.error_code:
        query = query.having(_count_of(m.error_code == filters.error_code) > 0)
    if filters.state:
        query = query.having(_count_of(m.state == filters.state) > 0)
    if filters.country:
        query = query.having(_count_of(m.country == filters.country) > 0)
    if filters.network:
        query = query.having(_count_of(m.network == filters.network) > 0)
    if filters.since:
        query = query.having(func.max(m.updated_at) >= filters.since)
    if filters.until:
        query = query.having(func.max(m.updated_at) < filters.until)
    return query


def outcome_counts(conn: Connection, filters: Filters) -> dict[str, int]:
    """How many messages match the filter (outcome aside), by rolled-up outcome."""
    counts: dict[str, int] = {}
    for query in (_singles(filters), _groups(conn, filters)):
        table = query.subquery()
        for outcome, count in conn.execute(
                select(table.c.outcome, func.count()).group_by(table.c.outcome)):
            counts[outcome] = counts.get(outcome, 0) + count
    return counts


def page_rows(conn: Connection, filters: Filters, offset: int, limit: int) -> list[dict]:
    """Every stored part of the messages on one page, the messages newest first."""
    newest = []
    for query in (_singles(filters), _groups(conn, filters)):
        table = query.subquery()
        query = select(table)
        if filters.outcome:
            query = query.where(table.c.outcome == filters.outcome)
        # Each side's first offset + limit messages hold the page's; the union is sorted again.
        newest.append(query.order_by(table.c.updated_at.desc(), table.c.key.desc())
                      .limit(offset + limit).subquery())
    both = union_all(*(select(t.c.provider, t.c.key, t.c.updated_at) for t in newest)).subquery()
    query = select(both.c.provider, both.c.key).order_by(
        both.c.updated_at.desc(), both.c.key.desc()).offset(offset).limit(limit)
    keys = conn.execute(query).all()
    if not keys:
        return []
    rows = []
    for provider in {p for p, _ in keys}:
        ids = [k for p, k in keys if p == provider]
        # Two lookups, each on its index (primary key, ix_messages_parts): joined by OR, the
        # databases read the whole table.
        for column in (messages.c.message_id, messages.c.group_id):
            rows += conn.execute(select(messages).where(messages.c.provider == provider,
                                                        column.in_(ids))).mappings()
    order = {(p, k): i for i, (p, k) in enumerate(keys)}

    def place(row):
        return order[row["provider"], row["group_id"] or row["message_id"]], row["message_id"]
    # A part found by both lookups (the first part's id is its group's), or a single message
    # whose id is some group's id: each row once, under its own key.
    unique = {(r["provider"], r["message_id"]): dict(r) for r in rows
              if (r["provider"], r["group_id"] or r["message_id"]) in order}
    return sorted(unique.values(), key=place)


def message(conn: Connection, message_id: str, provider: str | None = None) -> dict | None:
    """One message with its events, oldest first, and its parts when it is a long one."""
    query = select(messages).where(messages.c.message_id == message_id)
    if provider:
        query = query.where(messages.c.provider == provider)
    row = conn.execute(query.limit(1)).mappings().first()
    if row is None:
        return None
    found = dict(row)
    found["events"] = [dict(e) for e in conn.execute(
        select(events).where(events.c.provider == row["provider"],
                             events.c.message_id == row["message_id"])
        .order_by(events.c.received_at, events.c.id)).mappings()]
    group = row["group_id"]
    found["parts"] = [] if group is None else [dict(p) for p in conn.execute(
        select(messages).where(messages.c.provider == row["provider"],
                               messages.c.group_id == group)
        .order_by(messages.c.part_info, messages.c.created_at)).mappings()]
    return found
