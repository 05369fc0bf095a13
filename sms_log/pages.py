"""The SMS log's pages: /messages, /messages/<id>, /pictures and /metrics.

The pages show phone numbers and message texts, so they are private: sms_log.private says who
may read them (LOG_PAGE_PASSWORD, or only this machine) and adds their headers.
"""

import json
import math
from datetime import datetime

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from alerts.text import percent
from shared.hosts import check_host
from shared.outages import StorageUnavailable
from shared.receiver import plain, retry_later
from shared.report import STATES, as_naive_utc, utcnow
from sms_log import metrics, private, queries
from sms_log.charts import country_chart, inbound_chart, outbound_chart
from sms_log.multipart import part_number, rollup
from sms_log.pictures import HOUR, MAX_HOURS, pictures
from sms_log.queries import DIRECTIONS, OUTCOMES, Filters
from sms_log.rows import list_view

PER_PAGE = 100
FILTERS = ("outcome", "status", "direction", "error", "since", "until", "country", "network")
blueprint = Blueprint("sms_log", __name__, template_folder="templates")
blueprint.before_request(check_host)
private.protect(blueprint)
blueprint.register_error_handler(HTTPException, plain)
blueprint.register_error_handler(StorageUnavailable, lambda _error: plain(retry_later()))


def _iso(value):
    return value.isoformat(sep=" ") if value is not None else None


def message_summary(row: dict) -> dict:
    return {
        "provider": row["provider"], "message_id": row["message_id"],
        "direction": row["direction"], "from": row["from_number"], "to": row["to_number"],
        "text": row["text"], "status": row["status"], "state": row["state"],
        "final": row["final"], "outcome": row["outcome"], "error_code": row["error_code"],
        "error_text": row["error_text"], "retryable": row["retryable"],
        "country": row["country"], "network": row["network"], "group_id": row["group_id"],
        "part_info": row["part_info"], "client_ref": row["client_ref"],
        "sent_at": _iso(row["sent_at"]), "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
    }


def message_detail(row: dict) -> dict:
    detail = message_summary(row)
    detail["parts"] = sorted((message_summary(p) for p in row["parts"]), key=part_number)
    detail["rollup"] = rollup(detail["parts"]) if detail["parts"] else None
    detail["events"] = [{
        "kind": e["kind"], "status": e["status"], "state": e["state"],
        "outcome": STATES[e["state"]].outcome, "error_code": e["error_code"],
        "error_text": e["error_text"],
        "sequence": e["sequence"], "occurred_at": _iso(e["occurred_at"]),
        "received_at": _iso(e["received_at"]), "note": e["note"],
        "fields": json.loads(e["raw"]),
    } for e in row["events"]]
    return detail


def only_provider() -> str | None:
    """The provider whose messages the log shows; None (all) when the app has both receivers."""
    receivers = current_app.extensions["sms_receivers"]
    return receivers[0] if len(receivers) == 1 else None


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _time_arg(name: str) -> datetime | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return as_naive_utc(datetime.fromisoformat(value))
    except (ValueError, OverflowError):
        raise BadRequest(description=f"{name} must be a time like 2026-01-10T13:00 (UTC), "
                                     f"not {value[:40]!r}.") from None


def _choice_arg(name: str, choices: tuple[str, ...]) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in choices:
        raise BadRequest(description=f"{name} must be one of {', '.join(choices)}, "
                                     f"not {value[:40]!r}.")
    return value


def _text_arg(name: str) -> str | None:
    return request.args.get(name, "").strip()[:100] or None


def _country_arg() -> str | None:
    """?country=GB: an ISO 3166-1 alpha-2 code, as stored (upper case)."""
    value = (_text_arg("country") or "").upper()
    if value and not (len(value) == 2 and value.isascii() and value.isalpha()):
        raise BadRequest(description=f"country must be a two-letter ISO code such as GB, "
                                     f"not {value[:40]!r}.")
    return value or None


def filters_from_url() -> tuple[Filters, dict[str, str], int]:
    """The filter, the URL arguments that spell it (for links that keep it), and the page."""
    filters = Filters(provider=only_provider(), outcome=_choice_arg("outcome", OUTCOMES),
                      state=_choice_arg("status", tuple(STATES)),
                      direction=_choice_arg("direction", DIRECTIONS),
                      error_code=_text_arg("error"), since=_time_arg("since"),
                      until=_time_arg("until"), country=_country_arg(),
                      network=_text_arg("network"))
    page = request.args.get("page", "1")
    if not (page.isascii() and page.isdigit()) or not 0 < int(page) < 10**9:
        raise BadRequest(description=f"page must be a whole number from 1, not {page[:40]!r}.")
    kept = {name: request.args[name] for name in FILTERS if request.args.get(name)}
    return filters, kept, int(page)


@blueprint.get("/messages")
def message_list():
    store = current_app.extensions["sms_store"]
    filters, kept, page = filters_from_url()
    store.ensure_tables()
    with store.errors(), store.engine.connect() as conn:
        counts = queries.outcome_counts(conn, filters)
        rows = queries.page_rows(conn, filters, (page - 1) * PER_PAGE, PER_PAGE)
    total = counts.get(filters.outcome, 0) if filters.outcome else sum(counts.values())
    pages = max(1, math.ceil(total / PER_PAGE))

    def link(number: int) -> str | None:
        if not 1 <= number <= pages or number == page:
            return None
        return url_for("sms_log.message_list", **kept, page=number)
    paging = {"page": page, "pages": pages, "per_page": PER_PAGE, "total": total,
              "next": link(page + 1), "previous": link(min(page - 1, pages))}
    summaries = [message_summary(r) for r in rows]
    if _wants_json():
        # One entry per stored part; a long message's parts are all on the same page.
        return jsonify(messages=summaries, counts=counts, filters=kept, **paging)
    return render_template("messages.html", provider=filters.provider, filters=kept,
                           paging=paging, outcomes=OUTCOMES, directions=DIRECTIONS,
                           states=tuple(STATES),
                           **list_view(summaries, counts, first_page=page == 1))


@blueprint.get("/pictures")
def pictures_page():
    """Delivery as pictures: `?hours=24` clock hours (up to a week) ending at `?end=`
    (default: the end of the current hour), for `?provider=` when the app has both."""
    store, receivers = current_app.extensions["sms_store"], current_app.extensions["sms_receivers"]
    provider = _choice_arg("provider", tuple(receivers)) or receivers[0]
    span = request.args.get("hours", "24")
    if not (span.isascii() and span.isdigit()) or not 1 <= int(span) <= MAX_HOURS:
        raise BadRequest(description=f"hours must be a whole number from 1 to {MAX_HOURS}, "
                                     f"not {span[:40]!r}.")
    end = _time_arg("end") or utcnow() + HOUR
    end = end.replace(minute=0, second=0, microsecond=0)
    store.ensure_tables()
    with store.errors(), store.engine.connect() as conn:
        seen = pictures(conn, provider, end, int(span))
    # The charts are the account's: a country's alert is in the table below them only.
    raised = {d: [a["raised_at"] for a in seen.alerts if a["direction"] == d and not a["country"]]
              for d in DIRECTIONS}
    def country_log(country: str) -> str:
        return url_for("sms_log.message_list", country=country, direction="outbound")
    return render_template("pictures.html", p=seen, span=int(span), receivers=receivers,
                           outbound_chart=outbound_chart(seen.hours, raised["outbound"]),
                           inbound_chart=inbound_chart(seen.hours, raised["inbound"]),
                           country_chart=country_chart(seen.countries, country_log),
                           percent=percent)


@blueprint.get("/messages/<message_id>")
def message_page(message_id):
    store, provider = current_app.extensions["sms_store"], only_provider()
    store.ensure_tables()
    with store.errors(), store.engine.connect() as conn:
        row = queries.message(conn, message_id, provider)
    if row is None:
        raise NotFound(description=f"No message {message_id!r} has been stored.")
    detail = message_detail(row)
    # JSON unless a browser asks for HTML by name (curl's */* gets JSON).
    if any(mimetype == "text/html" for mimetype, _ in request.accept_mimetypes):
        return render_template("message.html", m=detail, provider=provider)
    return jsonify(detail)


@blueprint.get("/metrics")
def metrics_page():
    body = metrics.exposition(current_app.extensions["sms_store"],
                              current_app.extensions["sms_receivers"])
    return Response(body, content_type=metrics.CONTENT_TYPE)

