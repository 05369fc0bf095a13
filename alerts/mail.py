"""Each alert as an email, with the standard library's smtplib and email.

Sent only when ALERT_EMAIL_TO and SMTP_HOST are set (.env.example lists the settings).
https://docs.python.org/3/library/smtplib.html
"""

import smtplib
import ssl
from email.message import EmailMessage
from typing import NamedTuple

from alerts.text import Alert
from shared import env, env_flag

TIMEOUT_SECONDS = 30


class MailSettings(NamedTuple):
    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool
    sender: str
    recipients: list[str]


def settings() -> MailSettings | None:
    recipients = env("ALERT_EMAIL_TO")
    host = env("SMTP_HOST")
    if not (recipients and host):
        return None
    starttls = env_flag("SMTP_STARTTLS")
    return MailSettings(
        host=host,
        # 587 is the submission port, which speaks STARTTLS; 25 is plain SMTP.
        port=int(env("SMTP_PORT", "587" if starttls else "25")),
        user=env("SMTP_USER"),
        password=env("SMTP_PASSWORD"),
        starttls=starttls,
        sender=env("ALERT_EMAIL_FROM", "sms-alerts@localhost"),
        recipients=[r.strip() for r in recipients.split(",") if r.strip()],
    )


def compose(alert: Alert, mail: MailSettings) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = mail.sender
    message["To"] = ", ".join(mail.recipients)
    message.set_content(alert.body)
    return message


def send(alert: Alert, mail: MailSettings) -> None:
    """Raises smtplib.SMTPException or OSError when the server cannot be reached or refuses."""
    with smtplib.SMTP(mail.host, mail.port, timeout=TIMEOUT_SECONDS) as smtp:
        if mail.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if mail.user:
            smtp.login(mail.user, mail.password or "")
        smtp.send_message(compose(alert, mail))
