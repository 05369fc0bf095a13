"""The standalone app (`flask --app plivo_app run`, `python -m plivo_app`, gunicorn's
`plivo_app:create_app()`): logging set up, plain error pages, and the extras found beside.

An extra (the SMS log's pages, pictures and /metrics) is added when its folder is there: a
copy of one app folder and shared/ alone runs the receiver without it.
"""

import importlib
import json
import logging
import sys

from flask import Flask
from werkzeug.exceptions import HTTPException

from shared import env
from shared.receiver import plain


class JsonFormatter(logging.Formatter):
    """LOG_FORMAT=json: one object per line, with the report's fields, for log pipelines."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname,
                 "msg": record.getMessage()}
        if report := getattr(record, "report", None):  # shared.receiver.accept's line
            i = report.interpretation
            entry.update(
                provider=report.provider, kind=report.kind, message_id=report.message_id,
                direction=report.direction, status=report.status, state=i.state,
                final=i.final, error_code=i.error_code, error_text=i.error_text,
                retryable=i.retryable, stored_state=record.stored_state,
                duplicate=record.duplicate)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(log_format: str = "text", level: str = "INFO") -> None:
    """Log to stderr, once per process."""
    root = logging.getLogger()
    if any(getattr(h, "_sms_handler", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._sms_handler = True
    handler.setFormatter(JsonFormatter() if log_format == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)


def standalone_app(import_name: str, init_app, test_config: dict | None = None,
                   extras: tuple[str, ...] = ()) -> Flask:
    configure_logging(env("LOG_FORMAT", "text"), env("LOG_LEVEL", "INFO"))
    app = Flask(import_name)
    app.config.update(test_config or {})
    # A wrong path or method (404, 405) answers one plain sentence too, not werkzeug's HTML
    # page. On this app only: a host app that embeds a receiver keeps its own error pages.
    app.register_error_handler(HTTPException, plain)
    init_app(app)
    for name in extras:
        try:
            extra = importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name != name:
                raise
            logging.getLogger(__name__).info("%s/ is not here: running without it", name)
            continue
        extra.init_app(app)
    return app
