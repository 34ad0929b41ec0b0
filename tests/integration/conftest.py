"""Integration tests keep the functions' mail in a folder (as the local stack does) instead of sending it through
SES, and can act as counter staff."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def mail_folder(tmp_path, monkeypatch):
    from onecard import wiring

    folder = tmp_path / "mail"
    monkeypatch.setenv(wiring.MAIL_SINK_VARIABLE, str(folder))
    wiring.mailer.cache_clear()
    yield folder
    wiring.mailer.cache_clear()


@pytest.fixture
def read_mail(aws, mail_folder):
    """The mail the functions sent, newest first (mails committed to the outbox are relayed first, as the stream
    would have by then)."""
    from onecard.mail.local_sink import read_messages
    from tests.support.flows import relay_outbox

    def read():
        relay_outbox(aws, only_mail=True)
        return read_messages(mail_folder)

    return read


@pytest.fixture
def staff(aws):
    """The API as the sample counter user, signed in at the emulated user pool."""
    from devstack.functions import api_routes
    from tests.support.api import ApiClient
    from tests.support.lifecycle import OPERATOR_TOKEN

    return ApiClient(api_routes(aws.specs), aws.invoke, operator_token=OPERATOR_TOKEN)
