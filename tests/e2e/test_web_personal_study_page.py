"""個人書房 in a real browser: login, one-card links that go live with the partner simulator, and the PDPA rights."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, start_stack
from tests.support.web import log_in, registered_reader

pytestmark = pytest.mark.browser


def reset_partner(stack, partner: str) -> None:
    requests.post(f"{stack.simulator_url}/_control/{partner}", json={}, timeout=5).raise_for_status()


def partner_card(page, name: str):
    return page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=name))


def test_agreeing_in_personal_study_sends_the_request_and_the_status_becomes_active(stack, page):
    reset_partner(stack, "ntpc")
    reader = registered_reader(stack)
    stack.activate(reader["reader_id"])
    log_in(page, stack, reader)
    card = partner_card(page, "新北市立圖書館")
    expect(card.get_by_role("status")).to_have_text("未啟用")

    page.get_by_role("button", name="啟用雙北市立圖書館一證通用服務").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="同意", exact=True).click()

    expect(card.get_by_role("status")).to_contain_text("已送出申請")
    expect(card.get_by_role("status")).to_contain_text("已啟用", timeout=20_000)
    expect(card.get_by_role("status")).to_contain_text("NTPC-")
    links = page.request.get(f"{stack.url}/v1/readers/me/links").json()["links"]
    assert [(link["partner"], link["status"]) for link in links] == [("ntpc", "active")]


def test_an_applicant_who_agrees_before_collecting_the_card_is_told_it_waits_for_the_counter(stack, page):
    reader = registered_reader(stack)
    log_in(page, stack, reader)

    page.get_by_role("button", name="啟用基隆市公共圖書館一證通用服務").click()
    page.get_by_role("dialog").get_by_role("button", name="同意", exact=True).click()

    status = partner_card(page, "基隆市公共圖書館").get_by_role("status")
    expect(status).to_contain_text("領取借閱證後送交合作館")
    links = page.request.get(f"{stack.url}/v1/readers/me/links").json()["links"]
    assert [(link["partner"], link["status"]) for link in links] == [("klcpl", "waiting_for_verification")]
    assert reader["reader_id"] not in str(requests.get(f"{stack.simulator_url}/_control/klcpl/seen", timeout=5).json())


def test_declining_in_personal_study_sends_nothing(stack, page):
    reader = registered_reader(stack)
    log_in(page, stack, reader)

    page.get_by_role("button", name="啟用基隆市公共圖書館一證通用服務").click()
    page.get_by_role("dialog").get_by_role("button", name="不同意").click()

    expect(partner_card(page, "基隆市公共圖書館").get_by_role("status")).to_contain_text("未送出")
    expect(page.get_by_role("button", name="啟用基隆市公共圖書館一證通用服務")).to_be_focused()
    assert page.request.get(f"{stack.url}/v1/readers/me/links").json()["links"] == []
    receipts = page.request.get(f"{stack.url}/v1/readers/me/consents").json()["receipts"]
    assert [r for r in receipts if r["partner"] == "klcpl"] == []


def test_a_reader_downloads_a_copy_of_their_data(stack, page):
    reader = registered_reader(stack, name="王小美")
    log_in(page, stack, reader)

    with page.expect_download() as download:
        page.get_by_role("link", name="機器可讀格式（JSON）").click()

    assert re.fullmatch(r"tpml-reader-data-\d{4}-\d{2}-\d{2}\.json", download.value.suggested_filename)
    copy = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert reader["reader_id"] in json.dumps(copy, ensure_ascii=False)
    assert "王小美" in json.dumps(copy, ensure_ascii=False)


def test_a_reader_corrects_their_data_changes_the_password_and_logs_out(stack, page):
    reader = registered_reader(stack)
    log_in(page, stack, reader)
    profile = page.locator("#profile")
    expect(profile).to_contain_text(reader["name"])

    page.get_by_text("更正我的資料").click()
    page.get_by_label("行動電話").fill("0987654321")
    page.get_by_role("button", name="儲存更正").click()
    expect(page.locator("#correct-result")).to_have_text("已儲存。")
    expect(profile).to_contain_text("0987654321")

    page.get_by_label("行動電話").fill("12")
    page.get_by_role("button", name="儲存更正").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_label("行動電話")).to_have_attribute("aria-invalid", "true")

    page.get_by_text("變更密碼", exact=True).first.click()
    page.get_by_label("目前密碼").fill(reader["password"])
    page.get_by_label("新密碼", exact=True).fill("book2027")
    page.get_by_label("確認新密碼").fill("book2027")
    page.get_by_role("button", name="變更密碼").click()
    expect(page.locator("#password-result")).to_have_text("密碼已變更。")

    page.get_by_role("button", name="登出").click()
    page.wait_for_url(f"{stack.url}/login")
    log_in(page, stack, {**reader, "password": "book2027"})


def test_a_wrong_password_is_reported_at_the_top_of_the_login_form(stack, page):
    reader = registered_reader(stack)
    page.goto(f"{stack.url}/login")
    page.get_by_label("證號", exact=True).fill(reader["id_number"])
    page.get_by_label("密碼").fill("wrong999")
    page.get_by_role("button", name="登入").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("或密碼錯誤")


def test_personal_study_without_a_session_sends_the_reader_to_login(stack, page):
    page.goto(f"{stack.url}/me")

    page.wait_for_url(f"{stack.url}/login")


def test_a_reader_deletes_their_account(stack, page):
    reader = registered_reader(stack)
    log_in(page, stack, reader)

    page.get_by_text("刪除我的帳號", exact=True).click()
    page.get_by_label("請輸入密碼確認").fill(reader["password"])
    page.get_by_role("button", name="永久刪除我的帳號").click()

    expect(page.get_by_text("您的帳號及個人資料已刪除。")).to_be_focused()
    known = requests.get(
        f"{stack.url}/v1/readers/availability",
        params={"id_type": "national_id", "id_number": reader["id_number"]},
        timeout=5,
    ).json()
    assert known == {"registered": False}


DOCUMENTS = ROOT / "layers/common/onecard/consent_documents"


def documents_with_a_revision(folder: Path) -> Path:
    """A copy of the shipped documents plus a version 2 of ntpc's, in force since yesterday."""
    shutil.copytree(DOCUMENTS, folder)
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    text = (
        (folder / "ntpc" / "v1.md")
        .read_text("utf-8")
        .replace("version: 1", "version: 2")
        .replace(
            "effective_from: 2026-11-01",
            f"effective_from: {yesterday}\nsummary_of_changes: 新增傳送電子信箱以寄送到期通知",
        )
    )
    (folder / "ntpc" / "v2.md").write_text(text, "utf-8")
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    manifest["ntpc"].append({"version": 2, "file": "v2.md", "sha256": hashlib.sha256(text.encode()).hexdigest()})
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    return folder


def test_a_revised_consent_document_is_announced_and_agreeing_again_is_recorded(page, tmp_path):
    state = tmp_path / "state"
    before = start_stack(state)
    try:
        sha = requests.get(f"{before.url}/v1/consent-documents/ntpc", timeout=5).json()["sha256"]
        reader = registered_reader(before, partners=[{"partner": "ntpc", "document_sha256": sha}])
    finally:
        before.stop(timeout=30)
    after = start_stack(state, extra_env={"CONSENT_DOCUMENTS_DIR": str(documents_with_a_revision(tmp_path / "docs"))})
    try:
        log_in(page, after, reader)
        notice = page.get_by_role("region", name="個資同意書已修訂")
        expect(notice).to_contain_text("第 2 版")
        expect(notice).to_contain_text("新增傳送電子信箱以寄送到期通知")

        notice.get_by_role("button", name="閱讀並決定").click()
        page.get_by_role("dialog").get_by_role("button", name="同意", exact=True).click()

        expect(notice.get_by_role("status")).to_have_text("您已同意新版同意書。")
        receipts = page.request.get(f"{after.url}/v1/readers/me/consents").json()["receipts"]
        assert (receipts[0]["partner"], receipts[0]["decision"], receipts[0]["document_version"]) == (
            "ntpc",
            "agree",
            2,
        )
    finally:
        after.stop(timeout=30)


def test_an_existing_card_holder_logs_in_with_the_card_barcode_and_enables_the_one_card_service(stack, page):
    reset_partner(stack, "ntpc")
    page.goto(f"{stack.url}/login")
    page.get_by_label("以借閱證條碼登入").check()
    page.get_by_label("借閱證條碼", exact=True).fill("TP90000002")
    page.get_by_label("密碼").fill("book5678")
    page.get_by_role("button", name="登入").click()
    page.wait_for_url(f"{stack.url}/me")
    expect(page.locator("#profile").get_by_text("王美玲")).to_be_visible()
    expect(page.get_by_text("本館圖書館系統管理")).to_be_attached()  # where to change the password

    page.get_by_role("button", name="啟用雙北市立圖書館一證通用服務").click()
    page.get_by_role("dialog").get_by_role("button", name="同意", exact=True).click()

    card = partner_card(page, "新北市立圖書館")
    expect(card.get_by_role("status")).to_contain_text("已啟用", timeout=20_000)
    seen = requests.get(f"{stack.simulator_url}/_control/ntpc/seen", timeout=5).json()["seen"]
    assert any(entry.get("fields") and "name" in entry["fields"] for entry in seen)


def test_a_wrong_password_of_a_card_holder_and_an_unreachable_library_system_are_told_apart(stack, page):
    page.goto(f"{stack.url}/login")
    page.get_by_label("證號", exact=True).fill("F131104093")
    page.get_by_label("密碼").fill("wrong999")
    page.get_by_role("button", name="登入").click()
    expect(page.locator("#error-summary")).to_contain_text("密碼錯誤")

    requests.post(f"{stack.simulator_url}/_control/ils", json={"down": True}, timeout=5).raise_for_status()
    try:
        page.get_by_label("密碼").fill("tpml2024")
        page.get_by_role("button", name="登入").click()
        expect(page.locator("#error-summary")).to_contain_text("無法連線本館圖書館系統")
    finally:
        requests.post(f"{stack.simulator_url}/_control/ils", json={}, timeout=5).raise_for_status()
