"""What one application writes, and how a write can be refused: shared by the service and the repository."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from onecard.security.identity_indexes import Indexes


class IdentityTaken(Exception):
    """Another reader already holds this identity."""


class HouseholdTaken(Exception):
    """The household (戶號) already holds a family card."""


class BarcodeTaken(Exception):
    """The card barcode already belongs to another reader."""


class CaptchaReplayed(Exception):
    """The captcha solution was already spent."""


@dataclass
class NewReader:
    """Everything one application writes, in one transaction."""

    profile: dict[str, Any]
    identity_index: str | Indexes
    """The identity's index, or one per live key version during a rotation (a guard is written under each)."""
    household_index: str | Indexes | None = None
    extra_actions: list[dict[str, Any]] = field(default_factory=list)
    """Further DynamoDB transaction actions written with the reader (consent receipts, link requests)."""
