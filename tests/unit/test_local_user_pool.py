"""The local stack's user pool does what AWS does where the staff page depends on it: tokens last as long as the
app client says, and a pool that requires MFA asks every sign-in of an account without it to set it up."""

from __future__ import annotations

import pytest

from devstack.staff_accounts import TOTP_CHECKING, behave_like_aws, token_lifetimes
from tests.support.staff import claims_of, totp

PASSWORD = "Tp-Local-Pool-2026!"


@pytest.fixture
def cognito(monkeypatch):
    import boto3
    from moto import mock_aws

    for name, value in {**TOTP_CHECKING, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield boto3.client("cognito-idp", region_name="ap-northeast-1")


def staff_pool(cognito, **client_settings) -> tuple[str, str]:
    pool = cognito.create_user_pool(PoolName="staff")["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True}
    )
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="staff-page", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"], **client_settings
    )["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(UserPoolId=pool, Username="desk", TemporaryPassword=PASSWORD, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username="desk", Password=PASSWORD, Permanent=True)
    return pool, client


def sign_in(cognito, client) -> dict:
    return cognito.initiate_auth(
        ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "desk", "PASSWORD": PASSWORD}
    )


def test_lifetimes_follow_the_app_clients_settings_and_units_with_aws_defaults():
    assert token_lifetimes(
        {"IdTokenValidity": 60, "AccessTokenValidity": 2, "TokenValidityUnits": {"IdToken": "minutes"}}
    ) == {"id": 3600, "access": 7200}  # a unit left out is hours, as in AWS
    assert token_lifetimes({}) == {"id": 3600, "access": 3600}


def test_an_account_without_mfa_is_asked_to_set_it_up_at_every_sign_in_until_it_has(cognito):
    pool, client = staff_pool(cognito, IdTokenValidity=5, TokenValidityUnits={"IdToken": "minutes"})
    assert "AuthenticationResult" in sign_in(cognito, client)  # what the emulation alone does

    behave_like_aws(pool)
    asked = sign_in(cognito, client)
    again = sign_in(cognito, client)  # the person walked away from the set-up the first time
    key = cognito.associate_software_token(Session=again["Session"])["SecretCode"]
    verified = cognito.verify_software_token(Session=again["Session"], UserCode=totp(key))
    done = cognito.respond_to_auth_challenge(
        ClientId=client, ChallengeName="MFA_SETUP", Session=verified["Session"], ChallengeResponses={"USERNAME": "desk"}
    )
    later = sign_in(cognito, client)

    assert asked["ChallengeName"] == again["ChallengeName"] == "MFA_SETUP" and "AuthenticationResult" not in asked
    token = claims_of(done["AuthenticationResult"]["IdToken"])
    assert token["exp"] - token["iat"] == 300  # the client's five minutes, not the emulation's hour
    assert later["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_a_set_number_of_seconds_replaces_every_lifetime(cognito):
    pool, client = staff_pool(cognito)
    behave_like_aws(pool, token_seconds=7)
    session = sign_in(cognito, client)["Session"]
    key = cognito.associate_software_token(Session=session)["SecretCode"]
    verified = cognito.verify_software_token(Session=session, UserCode=totp(key))

    result = cognito.respond_to_auth_challenge(
        ClientId=client, ChallengeName="MFA_SETUP", Session=verified["Session"], ChallengeResponses={"USERNAME": "desk"}
    )["AuthenticationResult"]

    assert result["ExpiresIn"] == 7
    assert {claims_of(result[t])["exp"] - claims_of(result[t])["iat"] for t in ("IdToken", "AccessToken")} == {7}


def test_the_local_pool_accepts_a_code_of_the_step_that_just_ended_and_not_an_older_one():
    import time

    from cryptography.hazmat.primitives.twofactor import InvalidToken
    from moto.cognitoidp import models
    from moto.cognitoidp.utils import cognito_totp

    from devstack.staff_accounts import _accept_the_previous_totp_step

    _accept_the_previous_totp_step()
    totp = cognito_totp(models.COGNITO_TOTP_MFA_SECRET)
    now = time.time()

    models.verify_totp(totp, totp.generate(int(now) - 30))  # read just before its step ended
    with pytest.raises(InvalidToken):
        models.verify_totp(totp, totp.generate(int(now) - 90))
