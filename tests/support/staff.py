"""Signing in as staff: in the in-process emulation (as the sample users, with a password the test sets), and at a
running stack's user pool exactly as the staff page does (first-time password, new password, MFA set-up with a
TOTP code, then the TOTP code at each sign-in)."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from typing import Any

COUNTER_USER, REVIEWER_USER, SUPERVISOR_USER = "staff-counter", "staff-reviewer", "staff-supervisor"
TEST_PASSWORD = "Tp-Counter-Shift-2026!"

_tokens: dict[tuple[str, str], str] = {}


def emulated_token(username: str = COUNTER_USER) -> str:
    """An ID token of a sample staff user from the current in-process emulation's pool (one sign-in per pool)."""
    import boto3

    from devstack.resources import REGION, cognito_refs

    session = boto3.Session(region_name=REGION)
    refs = cognito_refs(session)
    pool, client = refs["StaffUserPool"], refs["StaffPageClient"]
    if (pool, username) not in _tokens:
        cognito = session.client("cognito-idp")
        cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=TEST_PASSWORD, Permanent=True)
        answer = cognito.initiate_auth(
            ClientId=client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": TEST_PASSWORD},
        )
        _tokens[(pool, username)] = answer["AuthenticationResult"]["IdToken"]
    return _tokens[(pool, username)]


def totp(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for a base32 secret (RFC 6238: SHA-1, 6 digits, 30 s)."""
    from cryptography.hazmat.primitives.hashes import SHA1
    from cryptography.hazmat.primitives.twofactor.totp import TOTP

    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    return TOTP(key, 6, SHA1(), 30, enforce_key_length=False).generate(int(at or time.time())).decode()


@dataclass
class PoolSignIn:
    """The staff page's conversation with the user pool, from Python (for tests and scripts)."""

    endpoint: str
    client_id: str
    passwords: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)

    def _client(self) -> Any:
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        return boto3.client(
            "cognito-idp",
            endpoint_url=self.endpoint,
            region_name="ap-northeast-1",
            config=Config(signature_version=UNSIGNED),
        )

    def id_token(self, username: str, first_time_password: str, new_password: str = TEST_PASSWORD) -> str:
        cognito = self._client()
        password = self.passwords.get(username, first_time_password)
        answer = cognito.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        for _ in range(4):
            challenge = answer.get("ChallengeName")
            if not challenge:
                return answer["AuthenticationResult"]["IdToken"]
            session = answer["Session"]
            if challenge == "NEW_PASSWORD_REQUIRED":
                answer = cognito.respond_to_auth_challenge(
                    ClientId=self.client_id,
                    ChallengeName=challenge,
                    Session=session,
                    ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
                )
                self.passwords[username] = new_password
            elif challenge == "MFA_SETUP":
                secret = cognito.associate_software_token(Session=session)["SecretCode"]
                verified = cognito.verify_software_token(
                    Session=session, UserCode=totp(secret), FriendlyDeviceName="tests"
                )
                self.secrets[username] = secret
                answer = cognito.respond_to_auth_challenge(
                    ClientId=self.client_id,
                    ChallengeName=challenge,
                    Session=verified["Session"],
                    ChallengeResponses={"USERNAME": username},
                )
            elif challenge == "SOFTWARE_TOKEN_MFA":
                answer = cognito.respond_to_auth_challenge(
                    ClientId=self.client_id,
                    ChallengeName=challenge,
                    Session=session,
                    ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": totp(self.secrets[username])},
                )
            else:
                raise AssertionError(f"unexpected challenge {challenge}")
        raise AssertionError("the sign-in did not end")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwk_int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def emulation_signing_key() -> Any:
    """The emulation's private key (it ships inside the moto package): tokens it signs pass the signature check."""
    import gzip
    import json
    from pathlib import Path

    import moto.cognitoidp
    from cryptography.hazmat.primitives.asymmetric import rsa

    jwk = json.loads(
        gzip.decompress((Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-private.json.gz").read_bytes())
    )
    jwk = jwk["keys"][0] if "keys" in jwk else jwk
    n, e, d = _jwk_int(jwk["n"]), _jwk_int(jwk["e"]), _jwk_int(jwk["d"])
    p, q = rsa.rsa_recover_prime_factors(n, e, d)
    return rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q), rsa.RSAPublicNumbers(e, n)
    ).private_key()


def signed_token(claims: dict[str, Any], key: Any = None, kid: str = "dummy") -> str:
    """An RS256 JWT with these claims, signed with ``key`` (default: the emulation's own key)."""
    import json

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key = key or emulation_signing_key()
    head = _b64(json.dumps({"kid": kid, "alg": "RS256"}).encode())
    body = _b64(json.dumps(claims).encode())
    signature = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{_b64(signature)}"


def claims_of(token: str) -> dict[str, Any]:
    import json

    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=" * (-len(token.split(".")[1]) % 4)))
