"""The crisis room's clusters panel reads its own data: the room's view stays the room's."""

from django import template

from .. import selectors

register = template.Library()
ROOM_CLUSTERS = 5


@register.simple_tag
def top_clusters(crisis):
    return list(selectors.crisis_clusters(crisis=crisis, limit=ROOM_CLUSTERS)) if crisis else []
