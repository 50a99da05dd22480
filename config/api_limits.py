"""API rate limits: 429 with `Retry-After` per token, per person, and per address without login.

Apart from config/api.py because DRF imports these while `rest_framework.views` is still loading
(its default authentication classes), and config/api.py imports that module.
"""

import hashlib
import logging

from rest_framework.authentication import BaseAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

# Each API request is counted against every throttle that applies to it: its token (a script or an
# integration), its user (all of that person's sessions and tokens together), or its address when
# nobody is authenticated (a missing or a wrong token). Over the rate, DRF answers 429 with `Retry-After` (seconds to wait).


class _Throttle(SimpleRateThrottle):
    def get_rate(self):
        # Read at each request, not once at import (DRF's default), so settings overrides apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # noqa: BLE001 - the counters live in Redis: an outage must not refuse the API
            logger.warning("API throttle %s not checked: the cache is unavailable", self.scope, exc_info=True)
            return True


class TokenRateThrottle(_Throttle):
    """Per API token: one runaway script cannot use its owner's whole allowance."""

    scope = "token"

    def get_cache_key(self, request, view):
        from accounts.models import ApiToken

        if isinstance(request.auth, ApiToken):
            ident = request.auth.key_digest[:32]
        elif isinstance(request.auth, Token):
            # A digest, not the token itself: the cache never holds a usable credential.
            ident = hashlib.sha256(request.auth.key.encode()).hexdigest()[:32]
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class UserRateThrottle(_Throttle):
    """Per person, whatever the session or token the requests come with."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AddressRateThrottle(_Throttle):
    """Per address, for requests without a login. Checked during authentication (see below), since
    DRF checks permissions, which refuse anonymous callers, before view throttles."""

    scope = "anon"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _count_anonymous(request) -> None:
    throttle = AddressRateThrottle()
    if not throttle.allow_request(request, None):
        raise Throttled(wait=throttle.wait())


class RateLimitedTokenAuthentication(TokenAuthentication):
    """Token authentication whose failures count against the caller's address: guessing tokens is
    throttled like any anonymous request."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            _count_anonymous(request)
            raise


class AnonymousRateLimit(BaseAuthentication):
    """Last of the authentication classes: reached only when nobody authenticated, it counts the
    request against its address (429 with Retry-After beyond the `anon` rate) and authenticates
    nobody."""

    def authenticate(self, request):
        _count_anonymous(request)
        return None
