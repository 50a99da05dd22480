"""API tokens of an organization (accounts.models.ApiToken): `Authorization: Token vgt_…`.

Keys of DRF's older per-person tokens do not start with `vgt_` and are left to the next class.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .models import ApiToken
from .services import API_TOKEN_PREFIX, api_token_used, digest


class TokenRefused(exceptions.APIException):
    """401 for an unknown or revoked organization token. Not an AuthenticationFailed: DRF turns
    those into 403 when the first authentication class (the session) has no challenge to send."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = _("This API token is not valid or was revoked. Ask an admin for a new one.")
    default_code = "token_refused"


class OrganizationTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != self.keyword.lower().encode():
            return None
        try:
            key = parts[1].decode()
        except UnicodeError:
            return None
        if not key.startswith(API_TOKEN_PREFIX):
            return None
        # Crossing organizations on purpose: the key decides the organization, checked by the view.
        token = (ApiToken.objects.unscoped().select_related("user", "organization")
                 .filter(key_digest=digest(key), revoked_at__isnull=True).first())
        if token is None or not token.user.is_active:
            from config.api_limits import _count_anonymous

            _count_anonymous(request)  # guessing keys is throttled like any anonymous request
            raise TokenRefused()
        api_token_used(token=token)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
