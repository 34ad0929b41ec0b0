"""Integration tests keep the functions' mail in a folder (as the local stack does) instead of sending it through
SES, and can act as counter staff."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest

CONSENT_DOCUMENTS = Path(__file__).resolve().parents[2] / "layers/common/onecard/consent_documents"


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


@pytest.fixture
def library(aws, monkeypatch):
    """The simulated library system with its three sample card holders, used by the functions."""
    from ils_simulator import IlsSimulator
    from onecard import wiring
    from tests.support.library_system import use_library_system

    with IlsSimulator().running() as simulator:
        use_library_system(aws, monkeypatch.setenv, simulator)
        yield simulator
        wiring.reset()  # its connection goes with it


@pytest.fixture
def revise(tmp_path, monkeypatch):
    """Publishes a v2 of ntpc's document, in force from yesterday."""
    from onecard.consent.documents import default_library

    def publish():
        copy = tmp_path / "documents"
        shutil.copytree(CONSENT_DOCUMENTS, copy)
        yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
        text = (
            (copy / "ntpc" / "v1.md")
            .read_text("utf-8")
            .replace("version: 1", "version: 2")
            .replace(
                "effective_from: 2026-11-01",
                f"effective_from: {yesterday}\nsummary_of_changes: 新增傳送電子信箱以寄送到期通知",
            )
        )
        (copy / "ntpc" / "v2.md").write_text(text, "utf-8")
        manifest = json.loads((copy / "manifest.json").read_text())
        manifest["ntpc"].append({"version": 2, "file": "v2.md", "sha256": hashlib.sha256(text.encode()).hexdigest()})
        (copy / "manifest.json").write_text(json.dumps(manifest))
        monkeypatch.setenv("CONSENT_DOCUMENTS_DIR", str(copy))
        default_library.cache_clear()

    yield publish
    default_library.cache_clear()


@pytest.fixture(autouse=True)
def one_rate_window(monkeypatch):
    """Pins the rate limiters' clock inside one window: a test run slowed by a busy machine must not cross into the
    next minute between requests that are meant to share one budget (which would let the over-budget one pass)."""
    import time
    import types

    from onecard.infra import rate_limit

    start = time.time() // 3600 * 3600 + 1
    monkeypatch.setattr(rate_limit, "time", types.SimpleNamespace(time=lambda: start))
