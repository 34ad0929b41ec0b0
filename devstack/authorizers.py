"""What API Gateway's Cognito user pool authorizer does with template.yaml's `Auth.Authorizers`, for the local gateway
and the in-process tests: the token in the Authorization header must be an RS256 JWT signed by one of the pool's
keys, unexpired, issued by the pool, an ID token (`token_use` = id) for one of the pool's app clients. Its claims
reach the function as requestContext.authorizer.claims, every value a string (groups comma-separated), as API
Gateway passes them."""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# API Gateway allows this much clock skew on `exp`; none on the other checks.
CLOCK_SKEW_SECONDS = 0


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_keys(jwks: Mapping[str, Any]) -> dict[str, rsa.RSAPublicKey]:
    keys = {}
    for key in jwks.get("keys", []):
        if key.get("kty") == "RSA" and key.get("kid"):
            numbers = rsa.RSAPublicNumbers(
                int.from_bytes(_b64url(key["e"]), "big"), int.from_bytes(_b64url(key["n"]), "big")
            )
            keys[key["kid"]] = numbers.public_key()
    return keys


def emulation_jwks() -> dict[str, Any]:
    """The emulation signs every pool's tokens with one key pair; its public half ships inside the moto package."""
    import moto.cognitoidp

    path = Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-public.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))


@dataclass
class CognitoAuthorizer:
    region: str
    user_pool_id: str
    client_ids: frozenset[str]
    keys: dict[str, rsa.RSAPublicKey] = field(default_factory=dict)
    clock: Callable[[], float] = time.time

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    def verified_claims(self, token: str) -> dict[str, Any] | None:
        """The token's claims when every check passes, else None (the caller learns nothing of which failed)."""
        try:
            header_part, payload_part, signature_part = token.split(".")
            header = json.loads(_b64url(header_part))
            claims = json.loads(_b64url(payload_part))
            signature = _b64url(signature_part)
        except (ValueError, TypeError):
            return None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            return None
        key = self.keys.get(header.get("kid", "")) if header.get("alg") == "RS256" else None
        if key is None:
            return None
        try:
            key.verify(signature, f"{header_part}.{payload_part}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return None
        expires = claims.get("exp")
        if not isinstance(expires, (int, float)) or expires + CLOCK_SKEW_SECONDS <= self.clock():
            return None
        if claims.get("iss") != self.issuer or claims.get("token_use") != "id":
            return None
        if claims.get("aud") not in self.client_ids:
            return None
        return claims

    def authorize(self, headers: list[tuple[str, str]]) -> dict[str, Any] | None:
        """requestContext.authorizer for the request, or None: API Gateway answers 401 and no function runs."""
        sent = next((v for k, v in headers if k.lower() == "authorization"), "").strip()
        # The authorizer takes the bare token; "Bearer <token>" is accepted as well, as clients commonly send it.
        scheme, _, rest = sent.partition(" ")
        token = rest.strip() if scheme.lower() == "bearer" else sent
        claims = self.verified_claims(token) if token else None
        if claims is None:
            return None
        return {"claims": {name: _claim_text(value) for name, value in claims.items()}}


def _claim_text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def template_authorizers(template: dict[str, Any], resolver: Any) -> dict[str, dict[str, Any]]:
    """Each Cognito authorizer of the template's Api: its user pool's logical id and the pool's app clients."""
    from devstack.template import Intrinsic, resources_of_type

    found = {}
    clients = resources_of_type(template, "AWS::Cognito::UserPoolClient")
    for api in resources_of_type(template, "AWS::Serverless::Api").values():
        for name, spec in ((api["Properties"].get("Auth") or {}).get("Authorizers") or {}).items():
            arn = spec.get("UserPoolArn")
            if isinstance(arn, Intrinsic) and arn.name == "GetAtt":
                pool = arn.value[0]
                pool_clients = [
                    c
                    for c, r in clients.items()
                    if isinstance(r["Properties"].get("UserPoolId"), Intrinsic)
                    and r["Properties"]["UserPoolId"].value == pool
                ]
                found[name] = {"pool": pool, "clients": pool_clients}
    return found


def local_authorizers(template: dict[str, Any], refs: Mapping[str, str], region: str) -> dict[str, CognitoAuthorizer]:
    """The template's authorizers over the pools and clients the emulation made (``refs``: logical id → id)."""
    keys = public_keys(emulation_jwks())
    made = {}
    for name, spec in template_authorizers(template, None).items():
        if spec["pool"] in refs:
            made[name] = CognitoAuthorizer(
                region, refs[spec["pool"]], frozenset(refs[c] for c in spec["clients"] if c in refs), keys
            )
    return made


def authorizers_in_emulation(session: Any) -> dict[str, CognitoAuthorizer]:
    """The same, found by name in the emulation the session reaches (for callers that hold no LocalResources)."""
    from devstack.resources import REGION, cognito_refs
    from devstack.template import load_template

    return local_authorizers(load_template(), cognito_refs(session), REGION)


def unauthorized() -> tuple[int, list[tuple[str, str]], bytes]:
    """What API Gateway answers (template.yaml's UNAUTHORIZED gateway response) before any function runs."""
    problem = {"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "Sign in as staff"}
    return 401, [("Content-Type", "application/problem+json")], json.dumps(problem).encode()
