"""Configuration of every function, read once from environment variables that template.yaml sets."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """Environment of a function. Field names are the lower-cased variable names of template.yaml's Globals."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    stage: str = "local"
    readers_table: str = "ReadersTable"
    consent_table: str = "ConsentTable"
    sessions_table: str = "SessionsTable"
    data_key_id: str = "alias/onecard-data"
    captcha_secret_id: str = "onecard/captcha-hmac-key"
    blind_index_secret_id: str = "onecard/blind-index-key"
    captcha_max_number: int = Field(default=50_000, ge=1_000)
    captcha_ttl_seconds: int = Field(default=600, ge=60, le=600)
    availability_limit_per_minute: int = Field(default=20, ge=1)
    login_limit_per_minute: int = Field(default=30, ge=1)
    session_cookie_secure: bool = True
    public_base_url: str = "http://127.0.0.1:3000"
    link_queue_url: str = ""
    link_dead_letter_queue_url: str = ""
    library_card_queue_url: str = ""
    library_card_dead_letter_queue_url: str = ""
    card_valid_years: int = Field(default=2, ge=1, le=20)
    idempotency_table: str = "IdempotencyTable"
    ntpc_base_url: str = ""
    klcpl_base_url: str = ""
    taipei_card_base_url: str = ""
    ntpc_secret_id: str = ""
    klcpl_secret_id: str = ""
    taipei_card_secret_id: str = ""
    link_retry_base_seconds: int = Field(default=30, ge=0)
    link_retry_max_delay_seconds: int = Field(default=900, ge=1, le=43_200)
    link_retry_for_seconds: int = Field(default=259_200, ge=0)
    partner_trip_after_failures: int = Field(default=5, ge=1)
    partner_probe_seconds: int = Field(default=30, ge=1)
    partner_rate_limits: str = "ntpc=20,klcpl=10,taipei-card=20"
    application_expiry_days: int = Field(default=30, ge=8)
    mail_sender: str = ""
    ils_host: str = ""
    ils_port: int = Field(default=6001, ge=1, le=65535)
    ils_use_tls: bool = False
    ils_institution_id: str = "TPML"
    ils_timeout_seconds: float = Field(default=3.0, gt=0, le=8)
    ils_patron_fields: str = "birth_date=PB,card_expires=PA,id_number=XI"
    ils_account_secret_id: str = ""
    ils_rest_base_url: str = ""
    ils_rest_secret_id: str = ""
    ils_library_id: str = "TPML"
    ils_provisional_category: str = "WEBREG"
    ils_full_category: str = "PT"
    ils_id_number_attribute: str = "NATIONALID"
    ils_reader_id_attribute: str = "ONECARDID"

    def ils_fields(self) -> dict[str, str]:
        """Which SIP2 field carries which patron datum at this library system (``IlsPatronFields``)."""
        pairs = (pair.split("=", 1) for pair in self.ils_patron_fields.split(",") if "=" in pair)
        return {name.strip(): field.strip() for name, field in pairs}

    secret_cache_seconds: int = Field(default=300, ge=0, le=3600)
    """How long a container keeps a secret it read; a key rotation waits at least this long between its steps."""

    def partner_base_urls(self) -> dict[str, str]:
        return {"ntpc": self.ntpc_base_url, "klcpl": self.klcpl_base_url, "taipei-card": self.taipei_card_base_url}

    def partner_rates(self) -> dict[str, int]:
        """Calls per second agreed with each partner (PartnerRateLimits); a partner not named is not limited."""
        from onecard.links.retry_policy import parse_rate_limits

        return parse_rate_limits(self.partner_rate_limits)

    def partner_secret_ids(self) -> dict[str, str]:
        return {"ntpc": self.ntpc_secret_id, "klcpl": self.klcpl_secret_id, "taipei-card": self.taipei_card_secret_id}

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        variables = os.environ if environ is None else environ
        known = {name: variables[name.upper()] for name in cls.model_fields if name.upper() in variables}
        # The values are strings; validation turns them into the fields' types (ints, bools, floats).
        return cls.model_validate(known)


@functools.cache
def settings() -> Settings:
    return Settings.from_environment()
