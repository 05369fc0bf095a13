"""One log line per report, readable by people or (LOG_FORMAT=json) by log pipelines.

    plivo DLR 5b40a428… → +447700900111 undelivered (final): 50 Invalid Destination Number,
    permanent
"""

import json
import logging
import sys

from shared.report import Report

logger = logging.getLogger("sms")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname,
                 "msg": record.getMessage()}
        entry.update(getattr(record, "report", {}))
        return json.dumps(entry, ensure_ascii=False)


def configure(log_format: str = "text", level: str = "INFO") -> None:
    """Log to stderr, once per process; the apps call it from create_app()."""
    root = logging.getLogger()
    if any(getattr(h, "_sms_handler", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._sms_handler = True
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)


def short_id(message_id: str) -> str:
    return message_id if len(message_id) <= 10 else message_id[:8] + "…"


def describe(report: Report, stored_state: str | None = None, duplicate: bool = False) -> str:
    i = report.interpretation
    peer = report.from_number if report.direction == "inbound" else report.to_number
    line = (f"{report.provider} {report.kind} {short_id(report.message_id)} → {peer or '?'} "
            f"{i.state}")
    line += " (final)" if i.final else " (pending)"
    if i.error_code:
        kind = {True: "temporary", False: "permanent", None: "unknown whether temporary"}
        line += f": {i.error_code} {i.error_text}, {kind[i.retryable]}"
    if report.note:
        line += f": {report.note}"
    if duplicate:
        line += " [duplicate: already stored]"
    elif stored_state and stored_state != i.state:
        line += f" [late: message stays {stored_state}]"
    return line


def log_report(report: Report, stored_state: str | None, duplicate: bool) -> None:
    i = report.interpretation
    logger.info(
        describe(report, stored_state, duplicate),
        extra={"report": {
            "provider": report.provider, "kind": report.kind, "message_id": report.message_id,
            "direction": report.direction, "status": report.status, "state": i.state,
            "final": i.final, "error_code": i.error_code, "error_text": i.error_text,
            "retryable": i.retryable, "stored_state": stored_state, "duplicate": duplicate,
        }},
    )
