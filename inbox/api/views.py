from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from accounts.roles import Permission
from accounts.selectors import member_users
from accounts.tenancy import OrganizationAPIView, OrganizationViewSet, access_by_id
from config.api import NewestFirstCursorPagination

from .. import selectors, services
from ..models import Contact, Conversation, DeadLetter, InboxSettings, Message, RoutingRule, SavedView, Tag
from ..reply_guard import HeldReply
from ..services import clocks
from .serializers import (
    AssignInputSerializer,
    BulkInputSerializer,
    ContactLinkInputSerializer,
    ContactSerializer,
    ConversationDetailSerializer,
    ConversationListSerializer,
    ConversationTeamInputSerializer,
    DeadLetterSerializer,
    DraftInputSerializer,
    InboxSettingsSerializer,
    MessageSerializer,
    NoteInputSerializer,
    NoteSerializer,
    PriorityInputSerializer,
    ReplyInputSerializer,
    RoutingPreviewInputSerializer,
    RoutingPreviewSerializer,
    RoutingRuleSerializer,
    SavedViewSerializer,
    StatusInputSerializer,
    TagInputSerializer,
    TagSerializer,
)

FILTER_PARAMETERS = [
    OpenApiParameter("status", str, description="new, open, pending, snoozed, closed (several allowed) or all"),
    OpenApiParameter("channel", int, many=True), OpenApiParameter("assignee", str, description="me, none or a user id"),
    OpenApiParameter("team", int, many=True), OpenApiParameter("tag", str, many=True),
    OpenApiParameter("priority", str, many=True, description="low, normal, high, urgent"),
    OpenApiParameter("sentiment", str, enum=["negative", "neutral", "positive"]),
    OpenApiParameter("language", str, many=True), OpenApiParameter("sla", str, enum=["due_soon", "breached"]),
    OpenApiParameter("q", str, description="full-text search in French and English"),
    OpenApiParameter("sort", str, enum=list(selectors.SORTS)),
]


class ConversationCursorPagination(NewestFirstCursorPagination):
    """The inbox's own sort (recent, priority, response due...) instead of newest id first."""

    def get_ordering(self, request, queryset, view):
        return queryset.query.order_by


def _member(organization, user_id):
    if user_id is None:
        return None
    user = member_users(organization=organization, user_ids=[user_id]).get(user_id)
    if user is None:
        raise APIValidationError({"assignee_id": _("No member of this organization has that id.")})
    return user


class ConversationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Conversations of the organization: the inbox list, one thread, and what people do to them."""

    model = Conversation
    pagination_class = ConversationCursorPagination
    action_permissions = {"reply": Permission.REPLY, "retry": Permission.REPLY, "draft": Permission.REPLY,
                          "bulk": Permission.BULK_ACTIONS}

    def filters(self):
        try:
            return selectors.ConversationFilters.from_params(self.request.query_params)
        except ValidationError as error:
            raise APIValidationError(error.message_dict) from None

    def filter_organization_queryset(self, queryset):
        if self.action == "list":
            listed = selectors.conversation_list(organization=self.organization, filters=self.filters(),
                                                 user=self.request.user)
            return selectors.conversation_list_page(listed)
        return queryset

    def get_serializer_class(self):
        return ConversationListSerializer

    @extend_schema(parameters=FILTER_PARAMETERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _conversation(self) -> Conversation:
        return access_by_id(Conversation.objects, organization=self.organization, pk=self.kwargs["pk"])

    @extend_schema(responses=ConversationDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        try:
            conversation = selectors.conversation_detail(organization=self.organization, pk=self.kwargs["pk"])
        except (Conversation.DoesNotExist, ValueError):
            raise Http404 from None
        history = list(selectors.contact_history(conversation=conversation))
        return Response(ConversationDetailSerializer(conversation, context={"history": history}).data)

    def _done(self, conversation):
        conversation = selectors.conversation_list_page(
            Conversation.objects.for_organization(self.organization).filter(pk=conversation.pk)).get()
        return Response(ConversationListSerializer(conversation).data)

    @extend_schema(request=AssignInputSerializer, responses=ConversationListSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, *args, **kwargs):
        conversation = self._conversation()
        data = AssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignee = _member(self.organization, data.validated_data["assignee_id"])
        services.conversation_assign(conversation=conversation, assignee=assignee, actor=request.user)
        return self._done(conversation)

    @extend_schema(request=StatusInputSerializer, responses=ConversationListSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, *args, **kwargs):
        conversation = self._conversation()
        data = StatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.conversation_set_status(conversation=conversation, status=data.validated_data["status"],
                                         snoozed_until=data.validated_data.get("snoozed_until"), actor=request.user)
        return self._done(conversation)

    @extend_schema(request=TagInputSerializer, responses=ConversationListSerializer)
    @action(detail=True, methods=["post"])
    def tags(self, request, *args, **kwargs):
        conversation = self._conversation()
        data = TagInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.conversation_tag(conversation=conversation, add=data.validated_data["add"],
                                  remove=data.validated_data["remove"], actor=request.user)
        return self._done(conversation)

    @extend_schema(request=PriorityInputSerializer, responses=ConversationListSerializer)
    @action(detail=True, methods=["post"])
    def priority(self, request, *args, **kwargs):
        conversation = self._conversation()
        data = PriorityInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.conversation_set_priority(conversation=conversation, priority=data.validated_data["priority"],
                                           actor=request.user)
        return self._done(conversation)

    @extend_schema(request=ConversationTeamInputSerializer, responses=ConversationListSerializer)
    @action(detail=True, methods=["post"])
    def team(self, request, *args, **kwargs):
        conversation = self._conversation()
        data = ConversationTeamInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.conversation_set_team(conversation=conversation, team=data.validated_data["team_id"], actor=request.user)
        return self._done(conversation)

    @extend_schema(request=NoteInputSerializer, responses={201: NoteSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, *args, **kwargs):
        conversation = self._conversation()
        data = NoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.note_add(conversation=conversation, author=request.user, text=data.validated_data["text"])
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReplyInputSerializer, responses={201: MessageSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request, *args, **kwargs):
        """Queue a reply. 409 with a `code` when a person must confirm first: `other_channel` (answering
        from another account than the one the conversation came in on), `replied_meanwhile`, or
        `guide_warnings` (send again with `guidance.override_reason`). 422 with `findings` when the
        response guides block it; 202 when it waits for an approver."""
        conversation = self._conversation()
        data = ReplyInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        message = services.reply_compose(
            conversation=conversation, author=request.user, text=values["text"], channel=values.get("channel_id"),
            is_private=values.get("is_private"), confirm_other_channel=values["confirm_other_channel"],
            seen_up_to_message_id=values.get("seen_up_to_message_id"),
            confirm_after_other_reply=values["confirm_after_other_reply"], guidance=values.get("guidance"),
        )
        if isinstance(message, HeldReply):
            # 202: accepted, but an approver sends it (the response guides' perimeter decided).
            return Response({"code": "held_for_approval", "detail": message.message, "details": message.details},
                            status=status.HTTP_202_ACCEPTED)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DraftInputSerializer, responses=MessageSerializer)
    @action(detail=True, methods=["put"])
    def draft(self, request, *args, **kwargs):
        conversation = self._conversation()
        data = DraftInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        draft = services.draft_save(conversation=conversation, author=request.user, text=data.validated_data["text"],
                                    channel=data.validated_data.get("channel_id"),
                                    is_private=data.validated_data.get("is_private"))
        return Response(MessageSerializer(draft).data)

    @extend_schema(request=BulkInputSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def bulk(self, request, *args, **kwargs):
        """One action on many conversations: by ids, or on everything a filter matches."""
        data = BulkInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("ids"):
            conversations = Conversation.objects.for_organization(self.organization).filter(pk__in=values["ids"])
        else:
            try:
                filters = selectors.ConversationFilters.from_params(values["filter"])
            except ValidationError as error:
                raise APIValidationError({"filter": error.message_dict}) from None
            conversations = selectors.conversation_list(organization=self.organization, filters=filters,
                                                        user=request.user).order_by()
        changed = services.conversations_bulk_update(
            conversations=conversations, action=values["action"], actor=request.user,
            assignee=_member(self.organization, values.get("assignee_id")), status=values.get("status"),
            snoozed_until=values.get("snoozed_until"), priority=values.get("priority"), tags=values.get("tags", []),
            team=values.get("team_id"),
        )
        return Response({"changed": changed})


class MessageViewSet(mixins.RetrieveModelMixin, OrganizationViewSet):
    model = Message
    serializer_class = MessageSerializer
    action_permissions = {"retry": Permission.REPLY}

    def filter_organization_queryset(self, queryset):
        return queryset.exclude(state="draft").select_related("author_contact", "author_user", "channel")

    @extend_schema(request=None, responses=MessageSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, *args, **kwargs):
        message = services.reply_retry(message=self.get_object(), actor=request.user)
        return Response(MessageSerializer(message).data)


class TagViewSet(mixins.ListModelMixin, OrganizationViewSet):
    model = Tag
    serializer_class = TagSerializer
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        return queryset.order_by("name")


class SavedViewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrganizationViewSet):
    """Saved inbox views: personal, or shared with the organization (leads and admins share)."""

    model = SavedView
    serializer_class = SavedViewSerializer
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        from django.db.models import Q

        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return queryset.filter(Q(owner=self.request.user) | Q(owner__isnull=True))
        return queryset.filter(owner=self.request.user) if not self._may_share() else queryset.filter(
            Q(owner=self.request.user) | Q(owner__isnull=True))

    def _may_share(self) -> bool:
        from accounts.roles import role_can

        return role_can(self.membership.role, Permission.MANAGE_ROUTING)

    def _validated(self, data):
        try:
            filters = selectors.ConversationFilters.from_params(data.get("filters") or {})
        except ValidationError as error:
            raise APIValidationError({"filters": error.message_dict}) from None
        if data.get("shared") and not self._may_share():
            raise APIValidationError({"shared": _("Only leads and admins share views with everyone.")})
        return filters.to_dict()

    @extend_schema(request=SavedViewSerializer, responses={201: SavedViewSerializer})
    def create(self, request, *args, **kwargs):
        data = SavedViewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        filters = self._validated(values)
        view = SavedView.objects.create(organization=self.organization, name=values["name"], filters=filters,
                                        position=values.get("position", 0),
                                        owner=None if values.get("shared") else request.user)
        return Response(SavedViewSerializer(view).data, status=status.HTTP_201_CREATED)


class DeadLetterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Items that could not be ingested, with the reason; admins and leads replay them."""

    model = DeadLetter
    serializer_class = DeadLetterSerializer
    read_permission = Permission.VIEW_DEAD_LETTERS
    write_permission = Permission.VIEW_DEAD_LETTERS

    def filter_organization_queryset(self, queryset):
        return queryset.select_related("channel").order_by("-last_seen_at", "-pk")

    @extend_schema(request=None, responses=DeadLetterSerializer)
    @action(detail=True, methods=["post"])
    def replay(self, request, *args, **kwargs):
        from ..connectors.serialization import item_from_json

        letter = self.get_object()
        if letter.channel is None:
            raise APIValidationError(_("The channel of this item was removed: it cannot be replayed."))
        services.dead_letter_replay(dead_letter=letter, parse=item_from_json)
        letter.refresh_from_db()
        return Response(DeadLetterSerializer(letter).data)


class InboxSettingsView(OrganizationAPIView):
    """First-response targets, business hours and watch terms of the organization."""

    write_permission = Permission.MANAGE_ROUTING

    def _data(self):
        row = InboxSettings.objects.for_organization(self.organization).first()
        policy = clocks.policy_for(self.organization)
        return {"sla_policy": policy.to_json(), "watch_terms": row.watch_terms if row else []}

    @extend_schema(responses=InboxSettingsSerializer)
    def get(self, request, *args, **kwargs):
        return Response(self._data())

    @extend_schema(request=InboxSettingsSerializer, responses=InboxSettingsSerializer)
    def put(self, request, *args, **kwargs):
        data = InboxSettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.inbox_settings_update(organization=self.organization, **data.validated_data)
        return Response(self._data())


class RoutingRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                         OrganizationViewSet):
    """Rules applied in order to each new conversation: team, tags and priority."""

    model = RoutingRule
    serializer_class = RoutingRuleSerializer
    write_permission = Permission.MANAGE_ROUTING
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        return queryset.prefetch_related("tags").order_by("position", "id")

    @extend_schema(request=RoutingRuleSerializer, responses={201: RoutingRuleSerializer})
    def create(self, request, *args, **kwargs):
        data = RoutingRuleSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        rule = services.routing_rule_create(organization=self.organization, **data.validated_data)
        return Response(RoutingRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RoutingRuleSerializer, responses=RoutingRuleSerializer)
    def partial_update(self, request, *args, **kwargs):
        rule = self.get_object()
        data = RoutingRuleSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        rule = services.routing_rule_update(rule=rule, **data.validated_data)
        return Response(RoutingRuleSerializer(rule).data)

    @extend_schema(request=RoutingPreviewInputSerializer, responses=RoutingPreviewSerializer)
    @action(detail=False, methods=["post"])
    def preview(self, request, *args, **kwargs):
        """Which of the last 200 conversations these conditions would have matched (nothing is saved)."""
        from ..routing_preview import routing_rule_preview

        data = RoutingPreviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        preview = routing_rule_preview(organization=self.organization, conditions=data.validated_data["conditions"])
        return Response({"examined": preview.examined,
                         "matched_conversation_ids": [conversation.pk for conversation in preview.matched]})


class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Authors on every platform; linking two of them says they are one person."""

    model = Contact
    serializer_class = ContactSerializer

    def filter_organization_queryset(self, queryset):
        search = self.request.query_params.get("q", "").strip()
        if search:
            from django.db.models import Q

            queryset = queryset.filter(Q(handle__icontains=search) | Q(name__icontains=search))
        return queryset

    @extend_schema(request=ContactLinkInputSerializer, responses=ContactSerializer(many=True))
    @action(detail=True, methods=["post"])
    def link(self, request, *args, **kwargs):
        contact = self.get_object()
        data = ContactLinkInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        person = services.contacts_link(contact=contact, other=data.validated_data["other_contact_id"],
                                        display_name=data.validated_data["display_name"])
        linked = Contact.objects.for_organization(self.organization).filter(person=person).order_by("pk")
        return Response(ContactSerializer(linked, many=True).data)

    @extend_schema(request=None, responses=ContactSerializer)
    @action(detail=True, methods=["post"])
    def unlink(self, request, *args, **kwargs):
        contact = self.get_object()
        services.contact_unlink(contact=contact)
        contact.refresh_from_db()
        return Response(ContactSerializer(contact).data)
