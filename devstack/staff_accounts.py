"""The local stack's staff accounts in the emulated user pool: one sample user per group at first start, and every
account kept across restarts (as the pool itself would be in AWS).

The emulation gives every user the same TOTP secret at MFA set-up and checks codes against it (with
MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP, which the stack sets); AWS gives each user a secret of their own.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from devstack.resources import ACCOUNT, REGION

# (user name, group, branch, display name)
SAMPLE_STAFF = [
    ("staff-counter", "counter", "ZH01", "櫃檯館員"),
    ("staff-reviewer", "reviewer", "ZH01", "審核館員"),
    ("staff-supervisor", "supervisor", "ZH01", "督導館員"),
]
TOTP_CHECKING = {"MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true"}


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
