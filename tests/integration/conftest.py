"""Fixtures of the application-lifecycle tests: the mail the functions send, and a caller signed as staff."""

from __future__ import annotations

import pytest


@pytest.fixture
def read_mail(aws, tmp_path, monkeypatch):
    """Mail goes to a folder (as in the local stack) instead of SES; this reads it, newest first."""
    from onecard import wiring
    from onecard.mail.local_sink import read_messages

    folder = tmp_path / "mail"
    monkeypatch.setenv(wiring.MAIL_SINK_VARIABLE, str(folder))
    wiring.mailer.cache_clear()
    yield lambda: read_messages(folder)
    wiring.mailer.cache_clear()


@pytest.fixture
def staff(aws):
    """The API as a caller whose requests the gateway lets through as IAM-signed staff."""
    from devstack.functions import api_routes
    from tests.support.api import ApiClient
    from tests.support.lifecycle import OPERATOR_TOKEN

    return ApiClient(api_routes(aws.specs), aws.invoke, operator_token=OPERATOR_TOKEN)
