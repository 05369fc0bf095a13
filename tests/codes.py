"""Each provider's status words and error codes, by the name the store keeps (tests only)."""

from nexmo_app.fields import CODES as VONAGE
from nexmo_app.messages_fields import CODES as VONAGE_MESSAGES
from plivo_app.fields import CODES as PLIVO
from shared import report

CODES = {"plivo": PLIVO, "vonage": VONAGE, "vonage-messages": VONAGE_MESSAGES}
ERROR_CODES = {"plivo": PLIVO.errors, "vonage": VONAGE.errors | VONAGE_MESSAGES.errors}


def interpret(provider: str, status, error_code, to_number=None, state=None):
    return report.interpret(CODES[provider], status, error_code, to_number, state)


def explain_error(provider: str, code):
    return CODES[provider].explain(code)
