"""The local stack's staff accounts in the emulated user pool: one sample user per group at first start, and every
account kept across restarts (as the pool itself would be in AWS).

The emulation gives every user the same TOTP secret at MFA set-up and checks codes against it (with
MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP, which the stack sets); AWS gives each user a secret of their own.
`behave_like_aws` closes three gaps that the staff page depends on: tokens last as long as the app client says (the
emulation makes every token last an hour), a user who has no MFA yet is asked to set it up at every sign-in (the
emulation asks only right after the first new password), and a code read off an authenticator in the last moment of
its 30-second step is still accepted when it arrives in the next (the emulation accepts the current step only, so a
sign-in failed whenever a step ended between reading the code and checking it; RFC 6238 §5.2 advises one step back).
"""

from __future__ import annotations

import os
import secrets
import string
import uuid
from collections.abc import Mapping
from typing import Any

from devstack.resources import ACCOUNT, REGION

# (user name, group, branch, display name)
SAMPLE_STAFF = [
    ("staff-counter", "counter", "ZH01", "櫃檯館員"),
    ("staff-reviewer", "reviewer", "ZH01", "審核館員"),
    ("staff-supervisor", "supervisor", "ZH01", "督導館員"),
]
TOTP_CHECKING = {"MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true"}
# Local stack only: every staff token lasts this many seconds (tests of the page's token refresh).
TOKEN_SECONDS_VARIABLE = "STAFF_TOKEN_SECONDS"
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# AWS's units when TokenValidityUnits leaves one out.
_DEFAULT_UNITS = {"IdToken": "hours", "AccessToken": "hours"}


def token_lifetimes(client_config: Mapping[str, Any]) -> dict[str, int]:
    """Seconds an ID and an access token of this app client last (IdTokenValidity, AccessTokenValidity with
    TokenValidityUnits; an hour when not set, as in AWS)."""
    units = {**_DEFAULT_UNITS, **(client_config.get("TokenValidityUnits") or {})}
    lifetimes = {}
    for use, setting in (("id", "IdToken"), ("access", "AccessToken")):
        value = client_config.get(f"{setting}Validity")
        lifetimes[use] = int(value) * _UNIT_SECONDS[units[setting]] if value else 3600
    return lifetimes


def token_seconds_override() -> int | None:
    value = os.environ.get(TOKEN_SECONDS_VARIABLE, "").strip()
    return int(value) if value else None


def _accept_the_previous_totp_step() -> None:
    from moto.cognitoidp import models

    checks = models.verify_totp
    if getattr(checks, "_with_previous_step", False):
        return

    def verify_totp(totp: Any, code: bytes, valid_window: int = 0) -> None:
        try:
            checks(totp, code)
        except Exception:
            checks(totp, code, valid_window=1)  # the previous step's code (or the next, on a clock a little ahead)

    verify_totp._with_previous_step = True  # type: ignore[attr-defined]
    models.verify_totp = verify_totp


def behave_like_aws(pool_id: str, token_seconds: int | None = None) -> None:
    """Makes the emulated pool do two things AWS does that the staff page relies on (see the module's text).

    ``token_seconds`` replaces every app client's lifetimes (the local stack's STAFF_TOKEN_SECONDS)."""
    backend = _backend()
    pool = backend.user_pools[pool_id]
    create_jwt = type(pool).create_jwt

    def create_jwt_for_client(
        client_id: str, username: str, token_use: str, expires_in: int = 3600, extra_data: Any = None
    ) -> tuple[str, int]:
        client = pool.clients.get(client_id)
        if token_seconds:
            expires_in = token_seconds
        elif client is not None and token_use in ("id", "access"):
            expires_in = token_lifetimes(client.extended_config)[token_use]
        return create_jwt(pool, client_id, username, token_use, expires_in, extra_data)

    pool.create_jwt = create_jwt_for_client
    _accept_the_previous_totp_step()

    initiate_auth = backend.initiate_auth

    def initiate_auth_asking_for_mfa_setup(client_id: str, auth_flow: Any, auth_parameters: dict[str, str]) -> Any:
        answer = initiate_auth(client_id, auth_flow, auth_parameters)
        flow = getattr(auth_flow, "value", auth_flow)
        result = answer.get("AuthenticationResult") if isinstance(answer, dict) else None
        if result is None or flow != "USER_PASSWORD_AUTH" or client_id not in pool.clients or pool.mfa_config != "ON":
            return answer
        user = pool._get_user(auth_parameters.get("USERNAME", ""))
        if user is None or user.token_verified or user.software_token_mfa_enabled:
            return answer
        # A pool that requires MFA signs nobody in without it: the tokens just made are withdrawn unused.
        pool.refresh_tokens[result["RefreshToken"]] = None
        pool.access_tokens.pop(result["AccessToken"], None)
        session = str(uuid.uuid4())
        backend.sessions[session] = (user.username, pool)
        return {
            "ChallengeName": "MFA_SETUP",
            "ChallengeParameters": {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'},
            "Session": session,
        }

    backend.initiate_auth = initiate_auth_asking_for_mfa_setup


def first_time_password() -> str:
    """A temporary password the pool's policy accepts (14+ characters, every class)."""
    body = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(14))
    return f"Tp{body}7!"


def create_sample_users(cognito: Any, pool_id: str) -> dict[str, str]:
    """user name → first-time password (the pool asks for a new one, and for MFA set-up, at first sign-in)."""
    made = {}
    for username, group, branch, display in SAMPLE_STAFF:
        password = first_time_password()
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            TemporaryPassword=password,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "name", "Value": display}, {"Name": "custom:branch", "Value": branch}],
        )
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
        made[username] = password
    return made


def _backend() -> Any:
    from moto.cognitoidp.models import cognitoidp_backends

    return cognitoidp_backends[ACCOUNT][REGION]


def saved_users(cognito: Any, pool_id: str) -> list[dict[str, Any]]:
    """Every account with what signing in needs (the emulation keeps passwords in clear: local data only)."""
    pool = _backend().user_pools[pool_id]
    users = []
    for user in pool.users.values():
        groups = cognito.admin_list_groups_for_user(UserPoolId=pool_id, Username=user.username)["Groups"]
        users.append(
            {
                "username": user.username,
                "password": user.password,
                "status": str(user.status.value if hasattr(user.status, "value") else user.status),
                "attributes": [a for a in user.attributes if a["Name"] != "sub"],
                "groups": [g["GroupName"] for g in groups],
                "token_verified": bool(user.token_verified),
                "software_token_mfa_enabled": bool(user.software_token_mfa_enabled),
                "preferred_mfa_setting": user.preferred_mfa_setting or "",
            }
        )
    return users


def restore_users(cognito: Any, pool_id: str, users: list[dict[str, Any]]) -> None:
    pool = _backend().user_pools[pool_id]
    for saved in users:
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=saved["username"],
            TemporaryPassword=saved["password"],
            MessageAction="SUPPRESS",
            UserAttributes=saved["attributes"],
        )
        if saved["status"] != "FORCE_CHANGE_PASSWORD":
            cognito.admin_set_user_password(
                UserPoolId=pool_id, Username=saved["username"], Password=saved["password"], Permanent=True
            )
        for group in saved["groups"]:
            cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=saved["username"], GroupName=group)
        user = pool.users[saved["username"]]
        user.token_verified = saved["token_verified"]
        user.software_token_mfa_enabled = saved["software_token_mfa_enabled"]
        user.preferred_mfa_setting = saved["preferred_mfa_setting"]
