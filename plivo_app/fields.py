"""Plivo's callback fields, turned into a Report.

Status callback (sent to the `url` of the send request):
https://www.plivo.com/docs/messaging/api/message#the-message-object — MessageUUID, From, To,
Status, ErrorCode, Sequence, QueuedTime, SentTime, DeliveryReportTime, ParentMessageUUID,
PartInfo, and more. Inbound message (sent to the Application's Message URL): MessageUUID, From,
To, Text (SMS) or Body (MMS, WhatsApp), Type, MessageIntent, ...
"""

from shared.multipart import PART_INFO
from shared.report import Report
from shared.webhook import MAX_ID_LENGTH, bad_request, optional_int, optional_time, required

# Which of Plivo's time fields says when a status happened.
STATUS_TIME_FIELD = {
    "queued": "QueuedTime",
    "sent": "SentTime",
    "delivered": "DeliveryReportTime",
    "undelivered": "DeliveryReportTime",
    "read": "DeliveryReportTime",
}
TIME_FIELDS = ("MessageTime", "QueuedTime", "SentTime", "DeliveryReportTime")


def _group_id(message_uuid: str, fields: dict[str, str]) -> str | None:
    """Older docs (and Plivo's Delivery Reports tutorial): every part of a long SMS has its own
    MessageUUID and ParentMessageUUID names the first part. Current docs send one report per
    message with the field "reserved". Group only when there really are several parts."""
    parent = fields.get("ParentMessageUUID", "").strip()
    match = PART_INFO.match(fields.get("PartInfo", ""))
    if parent and (parent != message_uuid or (match and int(match.group(2)) > 1)):
        return parent
    return None


def parse(fields: dict[str, str]) -> Report:
    message_uuid = required(fields, "MessageUUID", "every Plivo callback carries it")
    times = {name: optional_time(fields, name) for name in TIME_FIELDS}
    if "Status" in fields:
        status = required(fields, "Status", "a status callback says queued, sent, delivered…")
        time_field = STATUS_TIME_FIELD.get(status.lower(), "MessageTime")
        return Report(
            provider="plivo", kind="DLR", message_id=message_uuid, status=status,
            fields=fields, direction="outbound", error_code=fields.get("ErrorCode"),
            from_number=fields.get("From"), to_number=fields.get("To"),
            group_id=_group_id(message_uuid, fields), part_info=fields.get("PartInfo") or None,
            sequence=optional_int(fields, "Sequence"),
            occurred_at=times[time_field] or times["MessageTime"],
            sent_at=times["QueuedTime"] or times["MessageTime"],
        )
    if "Text" in fields or "Body" in fields:
        return Report(
            provider="plivo", kind="inbound", message_id=message_uuid, status="received",
            fields=fields, direction="inbound", from_number=fields.get("From"),
            to_number=fields.get("To"), text=fields.get("Text", fields.get("Body")),
            occurred_at=times["MessageTime"], sent_at=times["MessageTime"],
        )
    raise bad_request("Status is missing (a status callback has it), and so are Text and Body "
                      "(an inbound message has one of them).")


def refused_inbound(fields: dict[str, str], reason: str) -> Report | None:
    """An inbound message Plivo signed but this app could not accept, kept as undelivered.

    Plivo marks an inbound message undelivered when the Message URL does not answer 2xx; the
    delivery-rate alerts (shared.alerts) count these locally. Needs a usable MessageUUID to be
    recorded at all; anything else is not recognisably an inbound message.
    """
    message_uuid = fields.get("MessageUUID", "").strip()
    is_inbound = "Status" not in fields and ("Text" in fields or "Body" in fields)
    if not is_inbound or not message_uuid or len(message_uuid) > MAX_ID_LENGTH:
        return None
    return Report(
        provider="plivo", kind="inbound", message_id=message_uuid, status="undelivered",
        fields=fields, direction="inbound", from_number=fields.get("From", "")[:MAX_ID_LENGTH],
        to_number=fields.get("To", "")[:MAX_ID_LENGTH], note=reason,
    )
