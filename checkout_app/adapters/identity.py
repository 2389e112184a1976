"""Identity tokens: a shop's login proves who the shopper is with a JWT we verify (PyJWT).

HS256 with AUTH_JWT_SECRET (shared with the shop's login, and what `flask issue-token`
signs with), and/or RS256/ES256 with the public keys published at AUTH_JWKS_URL; the token's
header picks which, and no other algorithm (never `none`) is accepted. Every token
must carry `sub` (the user id), `exp`, and the configured `iss` and `aud`.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

import jwt

from checkout_app.errors import IdentityUnavailable

log = logging.getLogger(__name__)
REQUIRED_CLAIMS = ["sub", "exp", "iss", "aud"]
ASYMMETRIC = ["RS256", "ES256"]
# Clocks of the shop's login and ours may differ a little.
LEEWAY_SECONDS = 30


@dataclass(frozen=True)
class IdentitySettings:
    secret: str | None
    jwks_url: str | None
    issuer: str
    audience: str
    timeout_seconds: int = 5


class IdentityVerifier:
    """Reads the verified user id out of a bearer token, or None when it proves nothing."""

    def __init__(self, settings: IdentitySettings) -> None:
        self.settings = settings
        self._jwks = (
            jwt.PyJWKClient(
                settings.jwks_url, cache_keys=True, lifespan=300, timeout=settings.timeout_seconds
            )
            if settings.jwks_url
            else None
        )

    def user_id(self, token: str | None) -> uuid.UUID | None:
        """The token's verified `sub` as a user id; None for a missing or invalid token."""
        if not token:
            return None
        try:
            key, algorithms = self._key(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                issuer=self.settings.issuer,
                audience=self.settings.audience,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
            return uuid.UUID(str(claims["sub"]))
        except jwt.PyJWKClientConnectionError as exc:
            raise IdentityUnavailable(detail=f"JWKS unreachable: {exc}") from exc
        except (jwt.PyJWTError, ValueError) as exc:
            log.info("identity token refused: %s", type(exc).__name__)
            return None

    def _key(self, token: str) -> tuple[object, list[str]]:
        """The key and algorithms for this token: the secret for HS256, else the JWKS key."""
        algorithm = jwt.get_unverified_header(token).get("alg")
        if algorithm == "HS256" and self.settings.secret:
            return self.settings.secret, ["HS256"]
        if algorithm in ASYMMETRIC and self._jwks is not None:
            return self._jwks.get_signing_key_from_jwt(token).key, ASYMMETRIC
        raise jwt.InvalidAlgorithmError(f"no key configured for alg {algorithm!r}")

    def issue(self, user_id: uuid.UUID, minutes: int) -> str:
        """A short-lived HS256 token for `user_id` (development and tests)."""
        if not self.settings.secret:
            raise jwt.InvalidKeyError("issuing tokens needs AUTH_JWT_SECRET")
        now = int(time.time())
        claims = {
            "sub": str(user_id),
            "iss": self.settings.issuer,
            "aud": self.settings.audience,
            "iat": now,
            "exp": now + minutes * 60,
        }
        return jwt.encode(claims, self.settings.secret, algorithm="HS256")
