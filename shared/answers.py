"""How every receiver route answers: a size limit, and each refusal as one plain sentence.

Set on the receiver's blueprints, not on the app, so a host app that adds a receiver
(`plivo_app.init_app(app)`) keeps its own error pages and body limit everywhere else.
"""

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from shared import metrics
from shared.hosts import check_host
from shared.store import StorageUnavailable

MAX_BODY_BYTES = 64 * 1024  # a callback is well under 2 KB; anything near this is not one


def receiver_blueprint(name: str, import_name: str, provider: str | None = None,
                       **options) -> Blueprint:
    """A receiver's blueprint; `provider` names whose reports it takes (default: `name`)."""
    blueprint = Blueprint(name, import_name, **options)
    blueprint.provider = provider or name
    blueprint.before_request(check_host)
    blueprint.before_request(_limit_body)
    blueprint.register_error_handler(HTTPException, _plain_error)
    blueprint.register_error_handler(StorageUnavailable, _storage_unavailable)
    return blueprint


def provider() -> str | None:
    """The provider of the receiver this request reached: the label its metrics carry."""
    return getattr(current_app.blueprints.get(request.blueprint), "provider", None)


def _limit_body():
    request.max_content_length = MAX_BODY_BYTES


def _plain_error(error: HTTPException):
    """Every refusal is one plain sentence a person can read in the provider's debug log."""
    if request.blueprint != "message_log" and error.code not in (401, 403, 404):
        metrics.refused(provider(), "bad_input")  # 403s are counted where refused
    return plain_answer(error)


def plain_answer(error: HTTPException):
    """The error's own status and headers (Allow on a 405), its description as plain text."""
    response = error.get_response()
    response.set_data(f"{error.description}\n")
    response.mimetype = "text/plain"
    return response


def _storage_unavailable(_error):
    metrics.refused(provider(), "storage")
    # 503 tells the provider to retry later (Plivo: +60 s, +120 s, +240 s).
    return Response("Storage is unavailable; retry later.\n", status=503, mimetype="text/plain",
                    headers={"Retry-After": "60"})
