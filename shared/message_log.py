"""The local SMS log both apps mount: /messages, /messages/<id>, /healthz.

The pages show phone numbers and message texts, so they are private: with LOG_PAGE_PASSWORD set
they ask for HTTP Basic auth; without it they answer only requests made directly from this
machine. A tunnel such as ngrok also connects from 127.0.0.1, but it adds forwarding headers,
so a request carrying any of them is treated as coming from outside.
"""

import hmac
import json

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import NotFound, Unauthorized

from shared.log_page import list_view
from shared.multipart import part_number, rollup
from shared.states import STATES
from shared.status import explain_error

FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")
LOOPBACK = ("127.", "::1", "::ffff:127.")

blueprint = Blueprint("message_log", __name__, template_folder="templates")


def _iso(value):
    return value.isoformat(sep=" ") if value is not None else None


def message_summary(row: dict) -> dict:
    text, retryable = explain_error(row["provider"], row["error_code"])
    return {
        "provider": row["provider"], "message_id": row["message_id"],
        "direction": row["direction"], "from": row["from_number"], "to": row["to_number"],
        "text": row["text"], "status": row["status"], "state": row["state"],
        "final": row["final"], "outcome": row["outcome"], "error_code": row["error_code"],
        "error_text": text, "retryable": retryable, "group_id": row["group_id"],
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
        "error_text": explain_error(row["provider"], e["error_code"])[0],
        "sequence": e["sequence"], "occurred_at": _iso(e["occurred_at"]),
        "received_at": _iso(e["received_at"]), "note": e["note"],
        "fields": json.loads(e["raw"]),
    } for e in row["events"]]
    return detail


def _is_direct_loopback() -> bool:
    if any(h in request.headers for h in FORWARDING_HEADERS):
        return False
    # ProxyFix (TRUST_PROXY) rewrites remote_addr; the original peer is kept in the environ.
    peer = request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR",
                                                                  request.remote_addr)
    return (peer or "").startswith(LOOPBACK)


@blueprint.before_request
def private_pages():
    if request.endpoint == "message_log.healthz":
        return None
    password = current_app.config.get("LOG_PAGE_PASSWORD")
    if password:
        auth = request.authorization
        given = (auth.password or "") if auth and auth.type == "basic" else ""
        if hmac.compare_digest(given.encode(), password.encode()):
            return None
        raise Unauthorized(description="The SMS log needs the LOG_PAGE_PASSWORD.",
                           www_authenticate=WWWAuthenticate("basic", {"realm": "SMS log"}))
    if _is_direct_loopback():
        return None
    raise Unauthorized(description="The SMS log is served only to this machine; "
                                   "set LOG_PAGE_PASSWORD to open it to others.")


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


@blueprint.get("/messages")
def message_list():
    store, provider = current_app.extensions["store"], current_app.config["PROVIDER"]
    rows = [message_summary(r) for r in store.recent_messages(provider=provider)]
    if _wants_json():
        return jsonify(rows)
    return render_template("messages.html", provider=provider, **list_view(rows))


@blueprint.get("/messages/<message_id>")
def message_page(message_id):
    store, provider = current_app.extensions["store"], current_app.config["PROVIDER"]
    row = store.get_message(message_id, provider=provider)
    if row is None:
        raise NotFound(description=f"No message {message_id!r} has been stored.")
    detail = message_detail(row)
    # JSON unless a browser asks for HTML by name (curl's */* gets JSON).
    if any(mimetype == "text/html" for mimetype, _ in request.accept_mimetypes):
        return render_template("message.html", m=detail, provider=provider)
    return jsonify(detail)


@blueprint.get("/healthz")
def healthz():
    if current_app.extensions["store"].ping():
        return Response("ok\n", mimetype="text/plain")
    return Response("storage unavailable\n", status=503, mimetype="text/plain",
                    headers={"Retry-After": "30"})
