"""Connect forms, one per platform: which credentials and connection settings each one needs.

Secrets use password inputs that never render their value back: credentials are entered once,
encrypted, and never shown again (not even to the admin who entered them).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .connectors.base import ConnectorError
from .connectors.outbound import AddressRefused, OutboundGuard
from .models import Platform


def _secret(label, *, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, required=required, help_text=help_text, strip=True,
                           widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))


def _public_address(url: str) -> str:
    """Refuse addresses inside private networks: a feed or instance URL is fetched by our workers,
    and must not let an admin of one organization make them read internal services. The host is
    read exactly as the HTTP client reads it; every fetch checks again the address it connects to
    (DNS may change its answer after this check), so this one is for telling the admin early."""
    if settings.ALLOW_PRIVATE_CHANNEL_ADDRESSES:
        return url
    try:
        OutboundGuard().check_url(url)
    except AddressRefused:
        raise forms.ValidationError(
            _("%(url)s points inside a private network: Vigie only fetches public addresses.") % {"url": url}
        ) from None
    except ConnectorError:
        raise forms.ValidationError(
            _("%(host)s could not be found: check the address.") % {"host": urlsplit(url).hostname or url}
        ) from None
    return url


def _terms(value: str) -> list[str]:
    return [term.strip() for term in value.replace("\n", ",").split(",") if term.strip()]


class ChannelConnectForm(forms.Form):
    platform: str = ""
    credential_fields: tuple[str, ...] = ()
    connection_fields: tuple[str, ...] = ()

    confirmed_brand_account = forms.BooleanField(
        required=True, label=_("This is a brand account, not a personal one"),
        help_text=_("Vigie reads and posts in the brand's name: never connect someone's personal account."),
        error_messages={"required": _("Confirm that this is a brand account, not a personal one.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The confirmation comes last, just above the button.
        self.order_fields([*self.connection_fields, *self.credential_fields, "confirmed_brand_account"])

    def credentials(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.credential_fields if self.cleaned_data.get(name)}

    def connection(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.connection_fields if self.cleaned_data.get(name)}


class XConnectForm(ChannelConnectForm):
    platform = Platform.X
    credential_fields = ("bearer_token", "consumer_key", "consumer_secret", "access_token", "access_token_secret")
    connection_fields = ("watch_terms",)

    watch_terms = forms.CharField(label=_("Watch terms"), required=False,
                                  help_text=_("Words or hashtags to search for besides mentions, separated by commas."))
    bearer_token = _secret(_("OAuth 2.0 user access token"), required=False,
                           help_text=_("Either this token, or the four OAuth 1.0a keys below."))
    consumer_key = _secret(_("API key (consumer key)"), required=False)
    consumer_secret = _secret(_("API key secret (consumer secret)"), required=False,
                              help_text=_("Also checks the signature of X webhooks."))
    access_token = _secret(_("Access token"), required=False)
    access_token_secret = _secret(_("Access token secret"), required=False)

    def clean_watch_terms(self):
        return _terms(self.cleaned_data["watch_terms"])

    def clean(self):
        cleaned = super().clean()
        oauth1 = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
        if not cleaned.get("bearer_token") and not all(cleaned.get(name) for name in oauth1):
            raise forms.ValidationError(_("Enter the OAuth 2.0 user access token, or all four OAuth 1.0a keys."))
        return cleaned


class FacebookConnectForm(ChannelConnectForm):
    platform = Platform.FACEBOOK
    credential_fields = ("page_access_token", "app_secret", "verify_token")
    connection_fields = ("page_id",)

    page_id = forms.CharField(label=_("Page id"), max_length=64)
    page_access_token = _secret(_("Page access token"))
    app_secret = _secret(_("App secret"), help_text=_("Signs every call and checks webhook signatures."))
    verify_token = _secret(_("Webhook verify token"), required=False,
                           help_text=_("The same text you enter in the Meta app's webhook settings."))


class InstagramConnectForm(FacebookConnectForm):
    platform = Platform.INSTAGRAM
    connection_fields = ("page_id", "ig_user_id")

    ig_user_id = forms.CharField(label=_("Instagram professional account id"), max_length=64)


class MastodonConnectForm(ChannelConnectForm):
    platform = Platform.MASTODON
    credential_fields = ("access_token",)
    connection_fields = ("base_url",)

    base_url = forms.URLField(label=_("Instance address"), required=False, assume_scheme="https",
                              help_text=_("For example https://mastodon.social"))
    access_token = _secret(_("Access token"))

    def clean_base_url(self):
        value = self.cleaned_data["base_url"] or settings.PLATFORM_BASE_URLS.get("mastodon", "")
        if not value:
            raise forms.ValidationError(_("Enter the address of the brand account's Mastodon instance."))
        return _public_address(value) if self.cleaned_data["base_url"] else value


class BlueskyConnectForm(ChannelConnectForm):
    platform = Platform.BLUESKY
    credential_fields = ("handle", "app_password")

    handle = forms.CharField(label=_("Handle"), max_length=253, help_text=_("For example brand.bsky.social"))
    app_password = _secret(_("App password"), help_text=_("Create one under Settings › App passwords."))


class WebFeedConnectForm(ChannelConnectForm):
    platform = Platform.WEB
    connection_fields = ("feed_urls", "watch_terms")

    feed_urls = forms.CharField(label=_("Feed addresses"), widget=forms.Textarea(attrs={"rows": 4}),
                                help_text=_("RSS or Atom feeds of blogs, forums and press, one per line."))
    watch_terms = forms.CharField(label=_("Watch terms"),
                                  help_text=_("Entries mentioning any of these are brought in, separated by commas."))

    def clean_feed_urls(self):
        urls = [line.strip() for line in self.cleaned_data["feed_urls"].splitlines() if line.strip()]
        validate = forms.URLField(assume_scheme="https").clean
        return [_public_address(validate(url)) for url in urls]

    def clean_watch_terms(self):
        terms = _terms(self.cleaned_data["watch_terms"])
        if not terms:
            raise forms.ValidationError(_("Enter at least one watch term."))
        return terms


CONNECT_FORMS: dict[str, type[ChannelConnectForm]] = {
    form.platform: form
    for form in (XConnectForm, FacebookConnectForm, InstagramConnectForm, MastodonConnectForm,
                 BlueskyConnectForm, WebFeedConnectForm)
}


def reconnect_form_class(platform: str) -> type[ChannelConnectForm]:
    """The platform's connect form, plus the admin's confirmation that the new credentials replace
    the stored ones (which are never shown, so the admin cannot compare them)."""
    base = CONNECT_FORMS[platform]

    class ChannelReconnectForm(base):  # type: ignore[valid-type, misc]
        confirmed_replacement = forms.BooleanField(
            required=True, label=_("Replace the stored credentials of this channel"),
            help_text=_("The new credentials are checked with the platform first: they must be for this same "
                        "account."),
            error_messages={"required": _("Confirm that the new credentials replace the stored ones.")},
        )

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.order_fields([*self.connection_fields, *self.credential_fields, "confirmed_brand_account",
                               "confirmed_replacement"])

    return ChannelReconnectForm


def connection_initial(connection: dict[str, Any]) -> dict[str, str]:
    """A channel's stored connection settings as the form's text fields show them."""
    separators = {"feed_urls": "\n", "watch_terms": ", "}
    return {name: separators.get(name, ", ").join(map(str, value)) if isinstance(value, list) else value
            for name, value in (connection or {}).items()}
