"""What every page of an organization shows about the inbox: channels in trouble (the banner)."""

from . import selectors


def channel_health(request):
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {"troubled_channels": selectors.channels_in_trouble(organization=membership.organization)}
