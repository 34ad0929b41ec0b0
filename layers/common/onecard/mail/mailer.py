"""One e-mail message, the interface every way of sending it has, and the Amazon SES one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str


class Mailer(Protocol):
    def send(self, message: Message) -> None: ...


class SesMailer:
    """Sends through Amazon SES from the sender identity the template names (its only permission)."""

    def __init__(self, ses: Any, sender: str):
        self._ses = ses
        self._sender = sender

    def send(self, message: Message) -> None:
        self._ses.send_email(
            Source=self._sender,
            Destination={"ToAddresses": [message.to]},
            Message={
                "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"}},
            },
        )
