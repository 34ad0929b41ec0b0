"""The two ways mail leaves: Amazon SES from the template's sender identity, and the local stack's folder."""

from __future__ import annotations

import pytest

from onecard.mail import messages
from onecard.mail.local_sink import LocalMailSink, read_messages
from onecard.mail.mailer import Message, SesMailer


def test_ses_sends_the_message_from_the_sender_identity(aws):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    ses = aws.client("ses")
    ses.verify_email_identity(EmailAddress="no-reply@library.example")

    SesMailer(ses, "no-reply@library.example").send(Message("reader@example.com", "主旨 Subject", "內文 text"))

    [sent] = ses_backends[DEFAULT_ACCOUNT_ID]["ap-northeast-1"].sent_messages
    assert sent.source == "no-reply@library.example" and sent.destinations["ToAddresses"] == ["reader@example.com"]
    assert sent.subject == "主旨 Subject" and sent.body == "內文 text"


def test_ses_refuses_a_sender_that_is_not_a_verified_identity(aws):
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        SesMailer(aws.client("ses"), "someone@else.example").send(Message("reader@example.com", "s", "t"))


def test_the_local_sink_keeps_every_message_and_lists_the_newest_first(tmp_path):
    sink = LocalMailSink(tmp_path / "mail")

    for number in range(3):
        sink.send(Message(f"r{number}@example.com", f"subject {number}", "text"))

    listed = read_messages(tmp_path / "mail")
    assert [m["to"] for m in listed] == ["r2@example.com", "r1@example.com", "r0@example.com"]
    assert set(listed[0]) == {"to", "subject", "text", "sent_at"}
    assert read_messages(tmp_path / "nothing-yet") == []


def test_the_verification_message_is_in_chinese_and_english_with_the_link():
    message = messages.verification("r@example.com", "https://library.example/email-verification?token=abc", 24)

    assert "請於 24 小時內" in message.text and "within 24 hours" in message.text
    assert "https://library.example/email-verification?token=abc" in message.text
