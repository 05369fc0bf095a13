"""What each provider's status words and error codes mean, as data.

Sources: Plivo "Delivery Reports" and "Delivery Alerts" (seeds 000, 001) and its message error
code list, https://www.plivo.com/docs/messaging/troubleshooting/error-codes/ ; Vonage "Delivery
receipts" guide and its DLR error codes,
https://api.support.vonage.com/hc/en-us/articles/204014733 ; Vonage Messages API status
callbacks, https://developer.vonage.com/en/messages/concepts/messages-status-callbacks , and its
error table, https://developer.vonage.com/api-errors/messages . Both Vonage APIs share one table:
their status words do not clash, and the Messages API's codes are 1000 and up.

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
        # Messages API (an SMS's expired, failed or rejected receipt all arrive as "rejected")
        "submitted": "sent",
        "read": "delivered",  # WhatsApp, Viber, Messenger, RCS
        "undeliverable": "undelivered",
        "inbound": "received",  # an inbound message webhook (it has no status of its own)
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
        # Messages API, error.title of a status webhook
        "1000": ("Throttled", True),
        "1010": ("Missing params", False),
        "1020": ("Invalid params", False),
        "1021": ("Invalid tag", False),
        "1022": ("Invalid template", False),
        "1030": ("Internal error", True),
        "1040": ("Invalid message", False),
        "1050": ("Number barred", False),
        "1060": ("Partner account barred", False),
        "1070": ("Partner quota exceeded", True),
        "1080": ("Account not enabled for REST", False),
        "1090": ("Message too long", False),
        "1100": ("Communication Failed", True),
        "1110": ("Invalid Signature", False),
        "1120": ("Illegal Sender Address - rejected", False),
        "1130": ("Invalid TTL", False),
        "1140": ("Facility not allowed", False),
        "1150": ("Invalid Message class", False),
        "1160": ("Non White-listed Destination", False),
        "1170": ("Invalid or Missing Msisdn Param", False),
        "1180": ("Absent Subscriber Temporary", True),
        "1190": ("Absent Subscriber Permanent", False),
        "1200": ("Portability Error", False),
        "1210": ("Anti-Spam Rejection", False),
        "1220": ("Handset Busy", True),
        "1230": ("Network Error", True),
        "1240": ("Illegal Number", False),
        "1241": ("Too many send requests", True),
        "1250": ("Unroutable", False),
        "1251": ("Unable to route traffic to a destination", False),
        "1260": ("Destination unreachable", True),
        "1270": ("Subscriber Age Restriction", False),
        "1280": ("Number Blocked by Carrier", False),
        "1282": ("Message blocked by provider", False),
        "1290": ("Pre-Paid - Insufficient funds", True),
        "1300": ("Not part of the provider network", False),
        "1310": ("Not suitable device", False),
        "1320": ("Message already sent", False),
        "1330": ("Unknown", True),
        "1331": ("Provider error", True),
        "1340": ("Outside of the allowed window", False),
        "1350": ("Phone matching fee not paid", False),
        "1360": ("TTL was activated, or message expired before delivered", True),
        "1370": ("Expired access Token", False),
        "1380": ("Invalid resource", False),
        "1381": ("Resource size is too large", False),
        "1382": ("Resource type is invalid", False),
        "1400": ("Unsupported channel", False),
        "1410": ("Invalid channel parameters", False),
        "1420": ("Invalid sender", False),
        "1430": ("Invalid recipient", False),
        "1440": ("Invalid message type", False),
        "1450": ("Invalid client reference", False),
        "1451": ("Invalid context", False),
        "1460": ("Daily message limit exceeded", True),
        "1461": ("Auto-limiting of messages by Provider", True),
        "1470": ("Fraud Defender Traffic Rule", False),
        "1472": ("Fraud Defender SMS Burst Protection", True),
        "1473": ("AIT Protection", False),
        "1480": ("Entity Filter", False),
        "1481": ("Header Filter", False),
        "1482": ("Content Filter", False),
        "1483": ("Consent Filter", False),
        "1484": ("Regulation Error", False),
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
