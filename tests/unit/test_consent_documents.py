"""Consent documents are sealed files: the hash in the manifest is the hash of the exact text."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from onecard.consent.documents import (
    PARTNERS,
    ConsentLibrary,
    TamperedDocument,
    UnknownPartner,
    UnknownVersion,
    default_library,
)

FOLDER = Path(__file__).resolve().parents[2] / "layers/common/onecard/consent_documents"
ALLOWED_FIELDS = {
    "reader_id",
    "name",
    "id_number",
    "id_type",
    "birth_date",
    "gender",
    "mobile",
    "email",
    "mailing_address",
}


def test_every_sealed_version_hashes_to_its_manifest_entry():
    manifest = json.loads((FOLDER / "manifest.json").read_text())
    for partner, entries in manifest.items():
        for entry in entries:
            assert hashlib.sha256((FOLDER / partner / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
            assert default_library().get(partner, entry["version"]).sha256 == entry["sha256"]


def test_an_edited_old_version_fails_to_load(tmp_path):
    copy = tmp_path / "documents"
    shutil.copytree(FOLDER, copy)
    target = copy / "ntpc" / "v1.md"
    target.write_text(target.read_text("utf-8").replace("臺北市立圖書館", "台北市立圖書館", 1), "utf-8")

    with pytest.raises(TamperedDocument):
        ConsentLibrary(copy)


def test_the_current_version_is_the_newest_already_in_force(tmp_path):
    copy = tmp_path / "documents"
    shutil.copytree(FOLDER, copy)
    v2 = (
        (copy / "klcpl" / "v1.md")
        .read_text("utf-8")
        .replace("version: 1", "version: 2")
        .replace("effective_from: 2026-11-01", "effective_from: 2027-01-01")
    )
    (copy / "klcpl" / "v2.md").write_text(v2, "utf-8")
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["klcpl"].append({"version": 2, "file": "v2.md", "sha256": hashlib.sha256(v2.encode()).hexdigest()})
    (copy / "manifest.json").write_text(json.dumps(manifest))
    library = ConsentLibrary(copy)

    assert library.current("klcpl", dt.date(2026, 12, 31)).version == 1
    assert library.current("klcpl", dt.date(2027, 1, 1)).version == 2


def test_unknown_partners_and_versions_are_refused():
    with pytest.raises(UnknownPartner):
        default_library().versions("tainan")
    with pytest.raises(UnknownVersion):
        default_library().get("ntpc", 99)


@pytest.mark.parametrize("partner", PARTNERS)
def test_each_document_states_the_art_3_rights_in_both_languages(partner):
    document = default_library().current(partner, dt.date(2026, 11, 25))
    for right in ("查詢或請求閱覽", "請求製給複製本", "請求補充或更正", "請求停止蒐集、處理或利用", "請求刪除"):
        assert right in document.text_zh
    for right in ("obtain a copy", "supplement or correct", "deleted"):
        assert right in document.text_en
    assert set(document.data_fields) <= ALLOWED_FIELDS


def test_taipei_card_receives_strictly_less_data_than_the_libraries():
    library, day = default_library(), dt.date(2026, 11, 25)
    assert set(library.current("taipei-card", day).data_fields) < set(library.current("ntpc", day).data_fields)
