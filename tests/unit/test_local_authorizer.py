"""The local gateway's Cognito authorizer: only an unexpired RS256 ID token of the pool's app client passes."""

from __future__ import annotations

import time

from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.api_gateway import authorize
from devstack.authorizers import CognitoAuthorizer, emulation_jwks, public_keys
from devstack.functions import ApiRoute
from tests.support.staff import signed_token

POOL, CLIENT = "ap-northeast-1_local", "pageclient"
AUTHORIZER = CognitoAuthorizer("ap-northeast-1", POOL, frozenset({CLIENT}), public_keys(emulation_jwks()))
CLAIMS = {
    "iss": AUTHORIZER.issuer,
    "aud": CLIENT,
    "token_use": "id",
    "sub": "s-1",
    "cognito:username": "staff-a",
    "cognito:groups": ["counter", "reviewer"],
    "custom:branch": "ZH01",
    "exp": int(time.time()) + 600,
}
STAFF_ROUTE = ApiRoute("StaffFunction", "GET", "/v1/staff/reviews", "StaffCognito")


def test_a_genuine_id_token_passes_with_its_claims_as_api_gateway_gives_them():
    context = AUTHORIZER.authorize([("Authorization", signed_token(CLAIMS))])

    assert context is not None
    assert (
        context["claims"]["cognito:username"] == "staff-a" and context["claims"]["cognito:groups"] == "counter,reviewer"
    )
    assert context["claims"]["exp"] == str(CLAIMS["exp"])
    assert AUTHORIZER.authorize([("authorization", f"Bearer {signed_token(CLAIMS)}")]) is not None


def test_anything_else_is_refused():
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for token in (
        signed_token({**CLAIMS, "exp": int(time.time()) - 1}),
        signed_token(CLAIMS, key=stranger),
        signed_token({**CLAIMS, "aud": "other"}),
        signed_token({**CLAIMS, "iss": "https://elsewhere"}),
        signed_token({**CLAIMS, "token_use": "access"}),
        signed_token(CLAIMS, kid="nope"),
        signed_token({k: v for k, v in CLAIMS.items() if k != "exp"}),
        "a.b.c",
        "",
        "Bearer ",
    ):
        assert AUTHORIZER.authorize([("Authorization", token)]) is None, token
    assert AUTHORIZER.authorize([]) is None


def test_the_gateway_needs_a_known_authorizer_on_guarded_routes_and_none_elsewhere():
    token = signed_token(CLAIMS)
    context = authorize(STAFF_ROUTE, [("Authorization", token)], {"StaffCognito": AUTHORIZER})
    assert context is not None and context["claims"]["sub"] == "s-1"
    assert authorize(STAFF_ROUTE, [("Authorization", token)], {}) is None
    assert authorize(ApiRoute("RegisterFunction", "GET", "/v1/health"), [], {}) == {}
