"""Outgoing mail: to the SMTP server in COP_SMTP_URL, or else to instance/outbox as .eml."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import unquote, urlparse

from flask import current_app


def send_mail(to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = current_app.config["COP_MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="cop")
    message.set_content(body)
    url = current_app.config.get("COP_SMTP_URL")
    if url:
        _send_smtp(url, message)
    else:
        _write_outbox(message)


def _send_smtp(url: str, message: EmailMessage) -> None:
    """smtp://user:pass@host:port (STARTTLS when ?starttls=1) or smtps://... (TLS)."""
    parts = urlparse(url)
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=20)
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=20)
    with client:
        if "starttls=1" in parts.query:
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def outbox_path() -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) / "outbox"


def _write_outbox(message: EmailMessage) -> None:
    folder = outbox_path()
    folder.mkdir(parents=True, exist_ok=True)
    name = message["Message-ID"].strip("<>").replace("@", "_")
    (folder / f"{name}.eml").write_bytes(bytes(message))
