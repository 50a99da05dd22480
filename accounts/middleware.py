from zoneinfo import ZoneInfo

from django.utils import timezone, translation


class UserLanguageMiddleware:
    """The language chosen in a user's profile wins over the browser's (LocaleMiddleware's pick)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def local_zone_name(user, organization=None) -> str:
    """The zone a person reads times in: their profile's, else their organization's, else UTC."""
    return (getattr(user, "time_zone", "") or (organization.time_zone if organization is not None else "")
            or "UTC")


def activate_local_zone(user, organization=None) -> None:
    timezone.activate(ZoneInfo(local_zone_name(user, organization)))


class UserTimeZoneMiddleware:
    """Times in the profile's time zone; organization pages narrow it to the organization's when the
    profile has none (accounts.tenancy). Reset after each request: threads serve many people."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone:
            activate_local_zone(user)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
