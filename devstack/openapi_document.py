"""The API's OpenAPI 3.1 document, generated from every API function's resolver and merged into one."""

from __future__ import annotations

import json
from pathlib import Path

from devstack.template import ROOT

DOCUMENT_PATH = ROOT / "layers/common/onecard/data/openapi.json"

API_TITLE = "臺北市立圖書館 網路辦證與一證通用服務 API (Taipei Public Library registration and one-card API)"
API_VERSION = "1.0.0"
API_DESCRIPTION = (
    "網路辦證、個人書房與北北基圖書館一證通用服務。錯誤一律以 RFC 9457 application/problem+json 回覆。\n\n"
    "Online card applications, the reader's personal study (個人書房) and one-card links with partner libraries. "
    "Errors are RFC 9457 problem details.\n\n"
    "語言 (Language): 錯誤訊息（title、detail、errors[].message）及申辦後的 next_steps 依 `Accept-Language` 回覆："
    "`zh-TW`（任何 zh）為中文，`en`（任何 en）為英文；未指定語言時回覆中文，並於有英文之處附上英文。"
    "Problem titles and details, field messages (`errors[].message`) and an application's `next_steps` follow "
    "`Accept-Language`: `zh-TW` (any `zh`) answers Traditional Chinese, `en` (any `en`) English; a request that "
    "names neither gets Traditional Chinese with the English beside it where a text has both. Such answers carry "
    "`Content-Language` and `Vary: Accept-Language`. Field `code`s and problem `type`s do not change with the "
    "language.\n\n"
    "Every GET operation also answers HEAD, with the same status and headers and no body."
)


def generate() -> str:
    """Imports each function named by template.yaml's Api events and merges their resolvers' schemas."""
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

    from devstack.stack import prepare_for_import

    specs = prepare_for_import()
    merger = OpenAPIMerge(title=API_TITLE, version=API_VERSION, description=API_DESCRIPTION, on_conflict="error")
    from devstack.functions import load_module
    from onecard.web.documented_problems import with_documented_problems

    for spec in specs.values():
        if spec.events_of_type("Api"):
            merger.add_schema(load_module(spec).app.get_openapi_schema())
    document = with_documented_problems(json.loads(merger.get_openapi_json_schema()))
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def write(path: Path = DOCUMENT_PATH) -> None:
    path.write_text(generate(), encoding="utf-8")


if __name__ == "__main__":
    write()
    print(f"wrote {DOCUMENT_PATH.relative_to(ROOT)}")
