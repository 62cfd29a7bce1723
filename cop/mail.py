"""Outgoing mail: to the SMTP server in COP_SMTP_URL, or else to instance/outbox as .eml.
Header values (subject, display names) are made one line here, whatever people typed."""

import smtplib
import ssl
import unicodedata
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlparse

from flask import current_app


def one_line(value: str) -> str:
    """The text with line breaks and other control characters as single spaces."""
    spaced = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in value)
    return " ".join(spaced.split())


def _address(name: str, address: str) -> Address:
    return Address(display_name=one_line(name), addr_spec=one_line(address))


def send_mail(
    to: str,
    subject: str,
    body: str,
    to_name: str = "",
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Plain text, and with `html` the same as HTML too (multipart/alternative: mail
    programs show the HTML, others the text). `headers`: more of them, such as the
    List-Unsubscribe pair."""
    message = EmailMessage()
    message["From"] = _address(*parseaddr(current_app.config["COP_MAIL_FROM"]))
    message["To"] = _address(to_name, to)
    message["Subject"] = one_line(subject)
    message["Message-ID"] = make_msgid(domain="cop")
    for name, value in (headers or {}).items():
        message[name] = one_line(value)
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
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
