"""What each provider's status words and error codes mean, as data.

Sources: Plivo "Delivery Reports" and "Delivery Alerts" (seeds 000, 001) and its message error
code list, https://www.plivo.com/docs/messaging/troubleshooting/error-codes/ ; Vonage "Delivery
receipts" guide and its DLR error codes,
https://api.support.vonage.com/hc/en-us/articles/204014733 .

Each error code maps to (text, retryable): retryable means temporary, so sending the same
message again later may succeed; permanent failures will fail again.
"""

# Provider status word -> normalized state (shared.states). Anything else maps to "unknown".
STATUS_MAP: dict[str, dict[str, str]] = {
    "plivo": {
        "queued": "queued",
        "sent": "sent",
        "delivered": "delivered",
        "read": "delivered",  # WhatsApp only
        "undelivered": "undelivered",
        "failed": "failed",
        "rejected": "rejected",  # older docs only
        "received": "received",  # inbound
    },
    "vonage": {
        "accepted": "sent",
        "buffered": "sent",
        "delivered": "delivered",
        "failed": "failed",
        "rejected": "rejected",
        "expired": "expired",
        "unknown": "unknown",
    },
}

# Codes that mean "no error": Plivo's message record uses "000", Vonage's err-code 0 is Delivered.
SUCCESS_CODES: dict[str, frozenset[str]] = {
    "plivo": frozenset({"", "0", "000"}),
    "vonage": frozenset({"", "0"}),
}

ERROR_CODES: dict[str, dict[str, tuple[str, bool]]] = {
    "plivo": {
        "10": ("Invalid Message", False),
        "20": ("Network Error", True),
        "30": ("Spam Detected", False),
        "40": ("Invalid Source Number", False),
        "50": ("Invalid Destination Number", False),
        "60": ("Loop Detected", False),
        "70": ("Destination Permanently Unavailable", False),
        "80": ("Destination Temporarily Unavailable", True),
        "90": ("No Route Available", False),
        "100": ("Prohibited by Carrier", False),
        "110": ("Message Too Long", False),
        "200": ("Source number blocked by STOP from destination", False),
        "201": ("US toll-free to Canadian destinations blocked", False),
        "300": ("Failed to dispatch message", True),
        "420": ("Message expired", True),
        "450": ("Destination country barred (geo permissions)", False),
        "451": ("Messages-per-hour threshold blocked", True),
        "900": ("Insufficient credit", True),
        "910": ("Account disabled", False),
        "1000": ("Unknown Error", True),
    },
    "vonage": {
        "1": ("Unknown", True),
        "2": ("Absent Subscriber - Temporary", True),
        "3": ("Absent Subscriber - Permanent", False),
        "4": ("Call Barred by User", False),
        "5": ("Portability Error", False),
        "6": ("Anti-Spam Rejection", False),
        "7": ("Handset Busy", True),
        "8": ("Network Error", True),
        "9": ("Illegal Number", False),
        "10": ("Illegal Message", False),
        "11": ("Unroutable", False),
        "12": ("Destination Unreachable", True),
        "13": ("Subscriber Age Restriction", False),
        "14": ("Number Blocked by Carrier", False),
        "15": ("Prepaid Insufficient Funds", True),
        "16": ("Gateway Quota Exceeded", True),
        "50": ("Entity Filter", False),
        "51": ("Header Filter", False),
        "52": ("Content Filter", False),
        "53": ("Consent Filter", False),
        "54": ("Regulation Error", False),
        "99": ("General Error", True),
    },
}

# How an error code the table does not know is named: "unknown Plivo error 777".
UNKNOWN_CODE_NAME = {"plivo": "Plivo error", "vonage": "Vonage err-code"}

# Vonage's answer to a send request, per message: "0" is success, anything else was not sent.
# https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms
SEND_STATUS: dict[str, str] = {
    "1": "Throttled", "2": "Missing Parameters", "3": "Invalid Parameters",
    "4": "Invalid Credentials", "5": "Internal Error", "6": "Invalid Message",
    "7": "Number Barred", "8": "Partner Account Barred", "9": "Partner Quota Violation",
    "10": "Too Many Existing Binds", "11": "Account Not Enabled For HTTP",
    "12": "Message Too Long", "14": "Invalid Signature", "15": "Invalid Sender Address",
    "22": "Invalid Network Code", "23": "Invalid Callback Url", "29": "Non-Whitelisted Destination",
    "32": "Signature And API Secret Disallowed", "33": "Number De-activated",
}
