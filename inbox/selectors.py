"""Reads on the inbox, shared by pages, API and tasks. Every function takes the organization."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User

from .classification import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD
from .models import (
    ACTIVE_STATUSES,
    Activity,
    Channel,
    ChannelStatus,
    Contact,
    Conversation,
    ConversationStatus,
    ConversationTag,
    DeliveryState,
    Message,
    Note,
    Priority,
    SavedView,
    Tag,
)

DUE_SOON = timedelta(minutes=15)

SORTS = {
    "recent": ("-last_message_at", "-id"),
    "oldest": ("last_message_at", "id"),
    "priority": ("-priority", "-last_message_at", "-id"),
    "sla": ("sla_due_at", "id"),
    "created": ("-created_at", "-id"),
}


@dataclass
class ConversationFilters:
    """The inbox filters, as the list page, the API and saved views spell them."""

    status: list[str] = field(default_factory=lambda: list(ACTIVE_STATUSES))
    channel_ids: list[int] = field(default_factory=list)
    assignee: str = ""  # "", "me", "none", or a user id
    team_ids: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    priorities: list[int] = field(default_factory=list)
    sentiment: str = ""  # negative | neutral | positive
    languages: list[str] = field(default_factory=list)
    sla: str = ""  # due_soon | breached
    delivery: str = ""  # failed: the latest reply failed or may have been posted
    mentions: str = ""  # me: a note on it @mentions the person
    drafts: str = ""  # me: the person has a draft reply on it
    q: str = ""
    sort: str = "recent"

    @classmethod
    def from_params(cls, params) -> ConversationFilters:
        """From a QueryDict or a saved view's dict; bad values raise ValidationError with a reason."""

        def many(name):
            if hasattr(params, "getlist"):
                values = params.getlist(name)
            else:
                values = params.get(name, [])
                values = values if isinstance(values, list) else [values]
            return [v for value in values for v in str(value).split(",") if v != ""]

        def ints(name):
            try:
                return [int(v) for v in many(name)]
            except ValueError:
                raise ValidationError({name: _("Use numeric ids.")}) from None

        status = many("status") or list(ACTIVE_STATUSES)
        if status == ["all"]:
            status = []
        bad = [s for s in status if s not in ConversationStatus.values]
        if bad:
            raise ValidationError({"status": _("Unknown status “%(status)s”: use %(choices)s.") % {
                "status": bad[0], "choices": ", ".join(f"“{code}”" for code in [*ConversationStatus.values, "all"])}})
        priorities = []
        for name in many("priority"):
            try:
                priorities.append(int(name) if name.isdigit() else Priority.from_name(name).value)
            except ValueError as error:
                raise ValidationError({"priority": str(error)}) from None
        sentiment = (params.get("sentiment") or "").strip()
        if sentiment and sentiment not in ("negative", "neutral", "positive"):
            raise ValidationError({"sentiment": _("Use negative, neutral or positive.")})
        sla = (params.get("sla") or "").strip()
        if sla and sla not in ("due_soon", "breached"):
            raise ValidationError({"sla": _("Use due_soon or breached.")})
        delivery = (params.get("delivery") or "").strip()
        if delivery and delivery != "failed":
            raise ValidationError({"delivery": _("Use failed.")})
        mentions = (params.get("mentions") or "").strip()
        if mentions and mentions != "me":
            raise ValidationError({"mentions": _("Use me.")})
        drafts = (params.get("drafts") or "").strip()
        if drafts and drafts != "me":
            raise ValidationError({"drafts": _("Use me.")})
        sort = (params.get("sort") or "recent").strip()
        if sort not in SORTS:
            raise ValidationError({"sort": _("Use one of %(choices)s.") % {"choices": ", ".join(SORTS)}})
        assignee = str(params.get("assignee") or "").strip()
        if assignee and assignee not in ("me", "none") and not assignee.isdigit():
            raise ValidationError({"assignee": _("Use me, none or a user id.")})
        return cls(
            status=status, channel_ids=ints("channel"), assignee=assignee, team_ids=ints("team"),
            tags=many("tag"), priorities=priorities, sentiment=sentiment, languages=many("language"),
            sla=sla, delivery=delivery, mentions=mentions, drafts=drafts, q=(params.get("q") or "").strip()[:200], sort=sort,
        )

    def to_dict(self) -> dict:
        return {
            "status": self.status or ["all"], "channel": self.channel_ids, "assignee": self.assignee,
            "team": self.team_ids, "tag": self.tags, "priority": self.priorities, "sentiment": self.sentiment,
            "language": self.languages, "sla": self.sla, "delivery": self.delivery,
            "mentions": self.mentions, "drafts": self.drafts, "q": self.q, "sort": self.sort,
        }


def search_query(text: str) -> SearchQuery:
    # Both configurations: a French query finds French stems, an English one English stems.
    return SearchQuery(text, config="vigie_fr", search_type="websearch") | SearchQuery(
        text, config="vigie_en", search_type="websearch"
    )


def conversation_list(*, organization: Organization, filters: ConversationFilters, user: User | None = None,
                      now: datetime | None = None) -> QuerySet[Conversation]:
    now = now or timezone.now()
    queryset = Conversation.objects.for_organization(organization)
    if filters.status:
        queryset = queryset.filter(status__in=filters.status)
    if filters.channel_ids:
        queryset = queryset.filter(channel_id__in=filters.channel_ids)
    if filters.assignee == "me" and user is not None:
        queryset = queryset.filter(assignee=user)
    elif filters.assignee == "none":
        queryset = queryset.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        queryset = queryset.filter(assignee_id=int(filters.assignee))
    if filters.team_ids:
        queryset = queryset.filter(team_id__in=filters.team_ids)
    if filters.tags:
        # The tag ids are read first (one small query) so that PostgreSQL plans with the real
        # frequency of each tag: a common tag walks the recency index and probes each conversation
        # (conversation_tag_once), a rare one starts from its few tagged conversations. EXISTS
        # instead of a join: no duplicates, so no DISTINCT over the whole result.
        tag_ids = list(Tag.objects.for_organization(organization).filter(name__in=filters.tags)
                       .values_list("pk", flat=True))
        # Unscoped: the tags are this organization's, and so is every conversation they are on.
        queryset = queryset.filter(Exists(ConversationTag.objects.unscoped().filter(
            conversation_id=OuterRef("pk"), tag_id__in=tag_ids))) if tag_ids else queryset.none()
    if filters.priorities:
        queryset = queryset.filter(priority__in=filters.priorities)
    if filters.sentiment == "negative":
        queryset = queryset.filter(sentiment__lt=NEGATIVE_THRESHOLD)
    elif filters.sentiment == "positive":
        queryset = queryset.filter(sentiment__gt=POSITIVE_THRESHOLD)
    elif filters.sentiment == "neutral":
        queryset = queryset.filter(sentiment__gte=NEGATIVE_THRESHOLD, sentiment__lte=POSITIVE_THRESHOLD)
    if filters.languages:
        queryset = queryset.filter(language__in=filters.languages)
    if filters.sla == "breached":
        queryset = queryset.filter(sla_stopped_at__isnull=True, sla_due_at__lt=now)
    elif filters.sla == "due_soon":
        queryset = queryset.filter(sla_stopped_at__isnull=True, sla_paused_at__isnull=True,
                                   sla_due_at__gte=now, sla_due_at__lt=now + DUE_SOON)
    if filters.delivery == "failed":
        queryset = queryset.exclude(reply_failure_code="")
    if filters.mentions == "me":
        # Unscoped: the person's mentions, on conversations this organization-scoped query holds.
        mentioned = Note.mentioned_users.through.objects.filter(user_id=user.pk if user else None,
                                                                note__conversation_id=OuterRef("pk"))
        queryset = queryset.filter(Exists(mentioned))
    if filters.drafts == "me":
        queryset = queryset.filter(Exists(Message.objects.unscoped().filter(
            conversation_id=OuterRef("pk"), state=DeliveryState.DRAFT, author_user_id=user.pk if user else None)))
    if filters.q:
        # What customers wrote, or who they are: "@marie_l", "Marie Dupont". People are looked up
        # first (a bounded list of ids) so the conversation query stays one index scan per side.
        people = _contacts_matching(organization, filters.q)
        matches = Q(search_vector=search_query(filters.q))
        if people:
            matches |= Q(contact_id__in=people)
        queryset = queryset.filter(matches)
    return queryset.order_by(*SORTS[filters.sort])


PEOPLE_MATCH_LIMIT = 200


def _contacts_matching(organization, text: str) -> list[int]:
    needle = text.strip().lstrip("@")
    if len(needle) < 2:
        return []
    return list(
        Contact.objects.for_organization(organization)
        .filter(Q(handle__icontains=needle) | Q(name__icontains=needle))
        .values_list("pk", flat=True)[:PEOPLE_MATCH_LIMIT]
    )


def conversation_list_page(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """What a page of the list needs, loaded in a constant number of queries."""
    return queryset.select_related("channel", "contact", "assignee", "team").prefetch_related("tags")


# Every open inbox asks for its counters as events arrive: in a storm, hundreds of screens of one
# organization would each count its active conversations (about 180 ms with a million of them).
# The organization-wide counts are shared for a few seconds; the person's own is always fresh.
SHARED_COUNTS_SECONDS = 5


def conversation_counts(*, organization: Organization, user: User) -> dict[str, int]:
    """The counters beside the inbox's built-in views."""
    active = Conversation.objects.for_organization(organization).filter(status__in=ACTIVE_STATUSES)
    key = f"inbox:counts:{organization.pk}"
    shared = cache.get(key)
    if shared is None:
        shared = active.aggregate(
            open=Count("pk"),
            new=Count("pk", filter=Q(status=ConversationStatus.NEW)),
            unassigned=Count("pk", filter=Q(assignee__isnull=True)),
            breached=Count("pk", filter=Q(sla_stopped_at__isnull=True, sla_due_at__lt=timezone.now())),
        )
        cache.set(key, shared, SHARED_COUNTS_SECONDS)
    # Failed sends in any status (a closed conversation whose answer never left still needs
    # one): few rows, read from their partial index.
    failed = Conversation.objects.for_organization(organization).exclude(reply_failure_code="").count()
    return {**shared, "mine": active.filter(assignee=user).count(), "failed": failed}


def conversation_detail(*, organization: Organization, pk) -> Conversation:
    """One conversation with everything the conversation view shows; another's answers DoesNotExist."""
    return (
        Conversation.objects.for_organization(organization)
        .select_related("channel", "contact", "contact__person", "assignee", "team")
        .prefetch_related(
            "tags",
            Prefetch("messages", queryset=Message.objects.unscoped().exclude(state=DeliveryState.DRAFT)
                     .select_related("author_contact", "author_user", "channel").order_by("created_at", "pk")),
            Prefetch("notes", queryset=Note.objects.unscoped().select_related("author").order_by("created_at")),
            Prefetch("activities", queryset=Activity.objects.unscoped().select_related("actor").order_by("created_at", "pk")),
        )
        .get(pk=pk)
    )


def contact_history(*, conversation: Conversation, limit: int = 20) -> QuerySet[Conversation]:
    """The same person's other conversations, on every channel (linked contacts included)."""
    contact = conversation.contact
    contacts = Contact.objects.for_organization(conversation.organization_id)
    if contact.person_id:
        contact_ids = contacts.filter(person_id=contact.person_id).values("pk")
    else:
        contact_ids = contacts.filter(pk=contact.pk).values("pk")
    return (
        Conversation.objects.for_organization(conversation.organization_id)
        .filter(contact_id__in=contact_ids).exclude(pk=conversation.pk)
        .select_related("channel").order_by("-last_message_at")[:limit]
    )


def drafts_for(*, conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.for_organization(conversation.organization_id).filter(
        conversation=conversation, state=DeliveryState.DRAFT).select_related("author_user", "channel")


def channel_list(*, organization: Organization) -> QuerySet[Channel]:
    return Channel.objects.for_organization(organization).order_by("platform", "handle")


def channels_in_trouble(*, organization: Organization) -> QuerySet[Channel]:
    """Channels that fail, wait out a rate limit or need reconnecting (paused ones were paused on purpose)."""
    return channel_list(organization=organization).exclude(status__in=[ChannelStatus.HEALTHY, ChannelStatus.DISABLED])


def tag_list(*, organization: Organization) -> QuerySet[Tag]:
    return Tag.objects.for_organization(organization).order_by("name")


def saved_views_for(*, organization: Organization, user: User) -> QuerySet[SavedView]:
    return SavedView.objects.for_organization(organization).filter(Q(owner=user) | Q(owner__isnull=True))



def drafts_by(*, organization: Organization, user: User) -> QuerySet[Message]:
    """Drafts a person left, newest first: what a backup inherits at shift handover."""
    return (Message.objects.for_organization(organization).filter(author_user=user, state=DeliveryState.DRAFT)
            .select_related("conversation", "channel").order_by("-created_at"))


def inbound_counts(*, since: datetime, until: datetime) -> dict[int, int]:
    """Inbound messages per organization received in [since, until): the on-call volume check reads it."""
    rows = (Message.objects.unscoped().filter(direction="in", created_at__gte=since, created_at__lt=until)
            .values("organization_id").annotate(count=Count("pk")))
    return {row["organization_id"]: row["count"] for row in rows}
# --- what the response guides (playbooks) read about a conversation --------------------------------

# Longest private message each platform accepts (X DMs 10,000; Messenger 2,000; Instagram 1,000).
PRIVATE_LENGTH_LIMITS = {"x": 10_000, "facebook": 2_000, "instagram": 1_000, "mastodon": 500, "bluesky": 0, "web": 0}
MESSENGER_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class ReplyContext:
    """A conversation as the guides see it: enough to suggest, lint and decide, no rows."""

    conversation_id: int
    platform: str
    is_private: bool
    language: str
    priority: int
    sentiment: float
    followers: int
    reach: int
    tags: tuple[str, ...]
    text: str  # what the customer wrote (search text), for the guides' keyword triggers
    contact_handle: str
    contact_name: str
    sla_due_at: datetime | None
    sla_stopped: bool
    # Can this person be written to privately from here? possible: True / False / None (depends on
    # their settings); route says which platform rule decided (the guides put it in words).
    private_possible: bool | None
    private_route: str


def reply_length_limit(*, platform: str, private: bool) -> int:
    from .models import REPLY_LENGTH_LIMITS

    return PRIVATE_LENGTH_LIMITS.get(platform, 0) if private else REPLY_LENGTH_LIMITS.get(platform, 0)


def text_language(text: str) -> str:
    """The inbox's own language detection ("fr", "en" or ""), for the guides' language rule."""
    from .classification import detect_language

    return detect_language(text)


def _private_route(conversation: Conversation, now: datetime) -> tuple[bool | None, str]:
    platform = conversation.channel.platform
    if conversation.is_private:
        return True, "already_private"
    private = (Conversation.objects.for_organization(conversation.organization_id)
               .filter(channel=conversation.channel, contact=conversation.contact, is_private=True)
               .order_by("-last_inbound_at").only("last_inbound_at").first())
    if platform in ("facebook", "instagram"):
        if private and private.last_inbound_at and now - private.last_inbound_at < MESSENGER_WINDOW:
            return True, "meta_window_open"
        return False, "meta_window_closed"
    if platform == "x":
        return (True, "x_dm_thread") if private else (None, "x_depends")
    if platform == "mastodon":
        return True, "mastodon_direct"
    if platform == "bluesky":
        return False, "bluesky_none"
    return False, "none"


def reply_context(*, organization: Organization | int, conversation_id: int,
                  now: datetime | None = None) -> ReplyContext:
    conversation = (Conversation.objects.for_organization(organization).select_related("channel", "contact")
                    .prefetch_related("tags").get(pk=conversation_id))
    possible, route = _private_route(conversation, now or timezone.now())
    return ReplyContext(
        conversation_id=conversation.pk, platform=conversation.channel.platform, is_private=conversation.is_private,
        language=conversation.language, priority=conversation.priority, sentiment=conversation.sentiment,
        followers=conversation.contact.followers, reach=conversation.reach,
        tags=tuple(tag.name for tag in conversation.tags.all()),
        text=f"{conversation.preview}\n{conversation.search_text}", contact_handle=conversation.contact.handle,
        contact_name=conversation.contact.name, sla_due_at=conversation.sla_due_at,
        sla_stopped=conversation.sla_stopped_at is not None, private_possible=possible, private_route=route,
    )


def conversations_by_ids(*, organization: Organization | int, ids) -> dict[int, Conversation]:
    """Conversations with their channel and contact, for lists that point at them (approval queue)."""
    rows = (Conversation.objects.for_organization(organization).filter(pk__in=list(ids))
            .select_related("channel", "contact"))
    return {row.pk: row for row in rows}


def channel_for(*, organization: Organization | int, channel_id: int) -> Channel:
    return Channel.objects.for_organization(organization).get(pk=channel_id)


def message_states(*, organization: Organization | int, ids) -> dict[int, str]:
    return dict(Message.objects.for_organization(organization).filter(pk__in=list(ids)).values_list("pk", "state"))


def closed_conversations_for_training(*, organization: Organization | int, limit: int = 20) -> list[dict]:
    """Closed public conversations as practice mentions (the guides mask personal data in them)."""
    rows = (Conversation.objects.for_organization(organization).filter(status=ConversationStatus.CLOSED,
                                                                       is_private=False)
            .exclude(channel__platform="web").select_related("channel", "contact").prefetch_related("tags")
            .order_by("-closed_at", "-pk")[:limit])
    items = []
    for conversation in rows:
        first = (Message.objects.for_organization(organization).filter(conversation=conversation, direction="in")
                 .order_by("created_at").only("text").first())
        if first is None:
            continue
        items.append({"text": first.text, "platform": conversation.channel.platform, "language": conversation.language,
                      "priority": conversation.priority, "sentiment": conversation.sentiment,
                      "followers": conversation.contact.followers, "tags": [t.name for t in conversation.tags.all()],
                      "channel_handle": conversation.channel.handle})
    return items


# --- what the crisis room reads about a tagged queue ------------------------------------------------

TOP_BY = {
    # Re-shares: a conversation's reach is the largest engagement its posts had when fetched
    # (retweets, quotes, likes; reposts where the platform gives them).
    "shared": ("-reach", "-last_message_at", "-pk"),
    # Influence: the author's audience.
    "influential": ("-contact__followers", "-last_message_at", "-pk"),
}


def _tagged(organization: Organization | int, tag: str) -> QuerySet[Conversation]:
    tag_ids = list(Tag.objects.for_organization(organization).filter(name=tag).values_list("pk", flat=True))
    if not tag_ids:
        return Conversation.objects.for_organization(organization).none()
    # Unscoped through-table: the tag is this organization's, and so is every conversation it is on.
    return Conversation.objects.for_organization(organization).filter(Exists(ConversationTag.objects.unscoped().filter(
        conversation_id=OuterRef("pk"), tag_id__in=tag_ids)))


def top_tagged_conversations(*, organization: Organization | int, tag: str, since: datetime, by: str,
                             limit: int = 5) -> list[Conversation]:
    """The conversations carrying `tag` with an inbound post since `since`, most shared or from the
    most influential authors first (`by` in TOP_BY), with channel and contact loaded."""
    if by not in TOP_BY:
        raise ValueError(f"by must be one of {sorted(TOP_BY)}")
    return list(_tagged(organization, tag).filter(last_inbound_at__gte=since, is_private=False)
                .select_related("channel", "contact").order_by(*TOP_BY[by])[:limit])


def inbound_mentions_since(*, organization: Organization | int, since: datetime, limit: int = 5000) -> list:
    """The inbound mentions received since `since` (oldest first, at most `limit`), as ingestion hands
    them to its listeners, with their conversation's tags: for listeners that start late (crisis mode
    declared after the storm began) to catch up with what they missed."""
    from .services.ingestion import IngestedMention

    rows = list(Message.objects.for_organization(organization)
                .filter(direction="in", created_at__gte=since).order_by("created_at", "pk")
                .values_list("created_at", "text", "sentiment", "channel_id", "conversation_id")[:limit])
    tags: dict[int, set[int]] = {}
    for conversation_id, tag_id in (ConversationTag.objects.for_organization(organization)
                                    .filter(conversation_id__in={row[4] for row in rows})
                                    .values_list("conversation_id", "tag_id")):
        tags.setdefault(conversation_id, set()).add(tag_id)
    return [IngestedMention(created_at=at, text=text, negative=(sentiment or 0) < NEGATIVE_THRESHOLD, reach=0,
                            channel_id=channel_id, tag_ids=frozenset(tags.get(conversation_id, ())),
                            conversation_id=conversation_id)
            for at, text, sentiment, channel_id, conversation_id in rows]


@dataclass(frozen=True)
class QueueStats:
    size: int  # active conversations in the queue
    unanswered: int  # of which nobody has answered yet
    oldest_unanswered_at: datetime | None  # when the oldest of those began


def queue_stats(*, organization: Organization | int, tag: str) -> QueueStats:
    """The size of a tag's queue (its active conversations) and its oldest unanswered mention."""
    from django.db.models import Min

    queue = conversation_list(organization=organization, filters=ConversationFilters(tags=[tag]))
    figures = queue.order_by().aggregate(
        size=Count("pk"), unanswered=Count("pk", filter=Q(first_response_at__isnull=True)),
        oldest=Min("created_at", filter=Q(first_response_at__isnull=True)))
    return QueueStats(size=figures["size"], unanswered=figures["unanswered"], oldest_unanswered_at=figures["oldest"])


# First-response figures over a period (the crisis report reads them): in their own module.
from .response_figures import (  # noqa: E402,F401
    FirstResponseFigures,
    first_response_figures,
    replies_sent_by_person,
    tag_in_use,
)
