"""個資同意書: the partners' consent documents, every version, cacheable by their hash."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

# Imported first and from here, at the same depth in every function: boto3 imported deeper made CPython 3.11 map
# and unmap a frame-stack chunk hundreds of times (README, cold start).
import boto3  # noqa: F401
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from onecard import wiring
from onecard.consent.documents import ConsentDocument, UnknownPartner, UnknownVersion, default_library
from onecard.consent.receipts import ERASURE_SUBJECT
from onecard.domain.people import TAIPEI
from onecard.models.consent import ConsentDocumentList, ConsentDocumentText
from onecard.models.sessions import ConsentDecisionRequest, ConsentReceiptList
from onecard.web import problems
from onecard.web.auth import current_session
from onecard.web.resolver import create_resolver, http_handler

app = create_resolver()
_CACHE = "public, max-age=300"


class NotModified(Exception):
    """The client's cached copy (If-None-Match) is current."""

    def __init__(self, headers: dict[str, str]):
        super().__init__("not modified")
        self.headers = headers


@app.exception_handler(NotModified)
def _not_modified(answer: NotModified) -> Response:
    return Response(304, None, "", headers=answer.headers)


def _today() -> dt.date:
    return dt.datetime.now(TAIPEI).date()


def _summary(document: ConsentDocument) -> dict:
    return {
        "partner": document.partner,
        "version": document.version,
        "title": document.title,
        "title_en": document.title_en,
        "effective_from": document.effective_from.isoformat(),
        "sha256": document.sha256,
        "data_fields": list(document.data_fields),
    }


def _full(document: ConsentDocument) -> Response[ConsentDocumentText]:
    etag = f'"{document.sha256}"'
    headers = {"ETag": etag, "Cache-Control": _CACHE}
    if app.current_event.headers.get("If-None-Match") == etag:
        raise NotModified(headers)
    body = ConsentDocumentText.model_validate(
        {
            **_summary(document),
            "text_zh": document.text_zh,
            "text_en": document.text_en,
            "summary_of_changes": document.summary_of_changes,
        }
    )
    return Response(200, "application/json", body, headers=headers)


def _lookup(partner: str, version: int | None = None) -> ConsentDocument:
    library = default_library()
    try:
        return library.current(partner, _today()) if version is None else library.get(partner, version)
    except UnknownPartner:
        raise problems.NotFound(f"沒有合作館 {partner} 的個資同意書 (unknown partner)") from None
    except UnknownVersion:
        raise problems.NotFound(f"{partner} 沒有第 {version} 版個資同意書 (unknown version)") from None


_DOCUMENT_ANSWERS: dict[int, OpenAPIResponse] = {
    200: {
        "description": "The document (ETag: its sha256)",
        "content": {"application/json": {"model": ConsentDocumentText}},
    },
    304: {"description": "Not modified since the ETag sent in If-None-Match"},
}


@app.get("/v1/consent-documents", summary="The current consent document of each partner", tags=["個資同意書"])
def list_documents() -> Response[ConsentDocumentList]:
    library = default_library()
    documents = [_summary(library.current(p, _today())) for p in library.partners()]
    body = ConsentDocumentList.model_validate({"documents": documents})
    return Response(200, "application/json", body, headers={"Cache-Control": _CACHE})


@app.get(
    "/v1/consent-documents/<partner>",
    summary="The current full text of a partner's document",
    tags=["個資同意書"],
    responses={**_DOCUMENT_ANSWERS, 404: {"description": "Unknown partner"}},
)
def current_document(partner: Annotated[str, Path(max_length=20)]) -> Response[ConsentDocumentText]:
    return _full(_lookup(partner))


@app.get(
    "/v1/consent-documents/<partner>/versions/<version>",
    summary="One version of a partner's document",
    tags=["個資同意書"],
    responses={**_DOCUMENT_ANSWERS, 404: {"description": "Unknown partner or version"}},
)
def document_version(
    partner: Annotated[str, Path(max_length=20)], version: Annotated[int, Path(ge=1, le=9999)]
) -> Response[ConsentDocumentText]:
    return _full(_lookup(partner, version))


def _receipt_view(record: dict) -> dict:
    """Our receipt, with the fields of a Kantara Consent Receipt / ISO/IEC TS 27560 record beside it."""
    if record["partner"] == ERASURE_SUBJECT:  # an erasure request: no consent document behind it
        return {k: v for k, v in record.items() if k not in ("pk", "sk")}
    document = default_library().get(record["partner"], int(record["document_version"]))
    return {
        **{k: v for k, v in record.items() if k not in ("pk", "sk")},
        "consent_receipt": {
            "version": "ISO/IEC TS 27560:2023",
            "jurisdiction": "TW",
            "consentTimestamp": record["recorded_at"],
            "collectionMethod": record["channel"],
            "consentReceiptID": record["receipt_id"],
            "piiPrincipalId": record["reader_id"],
            "piiControllers": [{"piiController": "臺北市立圖書館 Taipei Public Library"}],
            "policyUrl": f"/v1/consent-documents/{document.partner}/versions/{document.version}",
            "services": [
                {
                    "service": document.title_en,
                    "purposes": [
                        {
                            "purpose": document.title,
                            "consentType": "EXPLICIT",
                            "piiCategory": list(document.data_fields),
                            "primaryPurpose": True,
                            "termination": "withdrawal in 個人書房 or at a counter",
                            "thirdPartyDisclosure": True,
                        }
                    ],
                }
            ],
            "sensitive": False,
            "state": record["decision"],
        },
    }


@app.get(
    "/v1/readers/me/consents",
    summary="The logged-in reader's consent decisions, newest first",
    tags=["個資同意書", "個人書房"],
)
def my_consents() -> ConsentReceiptList:
    session = current_session(app)
    return ConsentReceiptList(receipts=[_receipt_view(r) for r in wiring.consent().receipts(session.reader_id)])


@app.get(
    "/v1/readers/me/consents/<receipt_id>",
    summary="One consent receipt of the logged-in reader",
    tags=["個資同意書", "個人書房"],
    responses={404: {"description": "No such receipt of this reader"}},
)
def my_consent(receipt_id: Annotated[str, Path(max_length=40)]) -> dict:
    session = current_session(app)
    record = wiring.consent().receipt(session.reader_id, receipt_id)
    if record is None:
        raise problems.NotFound("找不到此同意紀錄 (No such receipt)")
    return _receipt_view(record)


@app.post(
    "/v1/readers/me/consents",
    summary="同意 / 不同意 a revised consent document",
    tags=["個資同意書", "個人書房"],
    responses={201: {"description": "Recorded"}, 409: {"description": "Not the document in force"}},
)
def decide(request: Annotated[ConsentDecisionRequest, Body()]) -> Response[dict]:
    from onecard.links.service import decide_on_revision

    session = current_session(app)
    receipt_id = decide_on_revision(session.reader_id, request.partner, request.document_sha256, request.decision)
    record = wiring.consent().receipt(session.reader_id, receipt_id)
    assert record is not None  # written just above, and read consistently
    return Response(201, "application/json", _receipt_view(record))


lambda_handler = http_handler(app)
