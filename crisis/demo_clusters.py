"""Demo and drill: a crisis's storm clusters filled from the conversations the inbox already holds.

`seed(organization, crisis)` reads the organization's conversations through the inbox's selectors (the
first mention of each, as ingestion would have handed it to the clustering listener) and places those
in the crisis's scope into its clusters. Idempotent: a conversation already clustered stays where it is.
"""

from __future__ import annotations

from inbox import selectors as inbox_selectors
from inbox.services.ingestion import IngestedMention

from .services.clusters import clusters_assign_to

# Enough for a storm's worth of clusters on the queue page; the demo's inbox holds far fewer.
CONVERSATIONS = 5000


def seed(organization, crisis) -> int:
    """Returns how many conversations were placed in a cluster."""
    filters = inbox_selectors.ConversationFilters(status=[], sort="created")
    conversations = (inbox_selectors.conversation_list(organization=organization, filters=filters)
                     .filter(created_at__gte=crisis.started_at).select_related("contact")
                     .order_by("created_at", "pk")[:CONVERSATIONS])
    mentions = [IngestedMention(created_at=c.created_at, text=c.preview, negative=c.sentiment < 0, reach=c.reach,
                                channel_id=c.channel_id, tag_ids=frozenset(), conversation_id=c.pk,
                                language=c.language, author_handle=c.contact.handle, author_name=c.contact.name)
                for c in conversations if c.preview]
    return clusters_assign_to(crisis=crisis, mentions=mentions)
