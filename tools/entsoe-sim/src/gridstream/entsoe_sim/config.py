"""SimConfig: everything the simulator is started with (validated once, passed down as an object)."""

import hmac
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from gridstream.contracts import UtcDatetime
from gridstream.entsoe_sim.fault_models import FaultSpec

DEFAULT_HISTORY_START = datetime(2015, 1, 1, tzinfo=UTC)


class SimConfig(BaseModel):
    """Start options of the ENTSO-E simulator."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(1, description="Seed of every simulated value; same seed, same documents.")
    tokens: tuple[SecretStr, ...] = Field(
        min_length=1,
        description="Security tokens the API accepts (securityToken or SECURITY_TOKEN).",
    )
    admin_token: SecretStr | None = Field(
        None, description="Bearer token for /admin; /admin is open when None (tests, local runs)."
    )
    history_start: UtcDatetime = Field(
        DEFAULT_HISTORY_START,
        description="No data before this instant (a no-data acknowledgement).",
    )
    rate_limit_per_minute: int = Field(400, ge=1, description="Requests per token per window.")
    rate_limit_window_seconds: float = Field(
        60.0, gt=0.0, description="The sliding window, seconds."
    )
    rate_limit_ban_seconds: float = Field(
        0.0,
        ge=0.0,
        description="After going over, refuse the token this long (the platform bans ~600 s); "
        "0 = only until the window has room again.",
    )
    faults: tuple[FaultSpec, ...] = Field((), description="Faults installed at start.")

    def accepts(self, token: str) -> bool:
        """True when `token` is one of the configured tokens (constant-time comparison)."""
        found = False
        for known in self.tokens:
            found |= hmac.compare_digest(known.get_secret_value().encode(), token.encode())
        return found

    def admin_allows(self, authorization: str | None) -> bool:
        """True when /admin is open or the Authorization header carries the admin bearer token."""
        if self.admin_token is None:
            return True
        expected = f"Bearer {self.admin_token.get_secret_value()}"
        return authorization is not None and hmac.compare_digest(
            expected.encode(), authorization.encode()
        )
