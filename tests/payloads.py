"""Callback bodies exactly as the providers send them (their docs; Nexmo's Delivery receipts
guide)."""


def plivo_status(**overrides) -> dict[str, str]:
    fields = {
        "MessageUUID": "5b40a428-bfc7-4daf-9d40-3a0ee4a9a0c6", "From": "+14155550100",
        "To": "+447700900111", "Type": "sms", "Status": "delivered", "ErrorCode": "",
        "Units": "1", "TotalRate": "0.0045", "TotalAmount": "0.0045", "MCC": "234", "MNC": "10",
        "Sequence": "3", "MessageTime": "2026-11-23 10:00:00.114411",
        "QueuedTime": "2026-11-23 10:00:00.114411", "SentTime": "2026-11-23 10:00:01.227012",
        "DeliveryReportTime": "2026-11-23 10:00:04.801733", "ParentMessageUUID": "",
        "PartInfo": "", "PowerpackUUID": "", "requester_ip": "18.215.142.38",
    }
    fields.update(overrides)
    return fields


def plivo_inbound(**overrides) -> dict[str, str]:
    fields = {
        "MessageUUID": "2a8fa0d4-5bd6-11ee-8f53-0242ac110003", "From": "+447700900222",
        "To": "+14155550100", "Text": "Hello from a handset", "Type": "sms", "Units": "1",
        "TotalRate": "0", "TotalAmount": "0", "MessageIntent": "", "PowerpackUUID": "",
    }
    fields.update(overrides)
    return fields


def vonage_receipt(**overrides) -> dict[str, str]:
    """Seed 002's first example."""
    fields = {
        "err-code": "0", "message-timestamp": "2018-10-25 12:10:26",
        "messageId": "0B00000127FDBC63", "msisdn": "447547232824", "network-code": "23410",
        "price": "0.03330000", "scts": "1810251210", "status": "accepted", "to": "Nexmo CLI",
    }
    fields.update(overrides)
    return fields


def vonage_message_status(**overrides) -> dict:
    """A Messages API SMS status webhook, as Vonage's status callbacks page shows it."""
    fields = {
        "message_uuid": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab", "to": "447700900000",
        "from": "447700900001", "timestamp": "2023-05-01T14:00:00.000Z", "status": "submitted",
        "usage": {"currency": "EUR", "price": "0.0333"}, "client_ref": "order-42",
        "channel": "sms", "destination": {"network_code": "23410"},
        "sms": {"count_total": "2"},
    }
    fields.update(overrides)
    return fields


def vonage_messages_inbound(**overrides) -> dict:
    """A Messages API inbound SMS webhook."""
    fields = {
        "channel": "sms", "message_uuid": "aaaaaaaa-bbbb-cccc-dddd-0123456789ac",
        "to": "447700900001", "from": "447700900000", "timestamp": "2023-05-01T14:05:00.000Z",
        "text": "Hello From Vonage!", "sms": {"num_messages": "1"}, "message_type": "text",
        "usage": {"currency": "EUR", "price": "0.0000"},
    }
    fields.update(overrides)
    return fields
