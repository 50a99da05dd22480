"""Factories that keep related objects inside one organization."""

import factory

from accounts.models import Membership, Organization, Team, User
from accounts.roles import Role

PASSWORD = "correct horse battery staple"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")
    brand_colour = "#0a5cad"
    time_zone = "Europe/Paris"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.AGENT


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


def member(organization: Organization, role: str = Role.AGENT, **kwargs) -> User:
    user = UserFactory(**kwargs)
    MembershipFactory(organization=organization, user=user, role=role)
    return user


# --- inbox -------------------------------------------------------------------------------------

from datetime import UTC, datetime  # noqa: E402

from django.utils import timezone  # noqa: E402

from inbox.connectors.base import PlatformAuthor, PlatformItem  # noqa: E402
from inbox.credentials import encrypt_credentials  # noqa: E402
from inbox.models import Channel, Contact, Conversation, Message, Tag  # noqa: E402


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    organization = factory.SubFactory(OrganizationFactory)
    platform = "x"
    external_account_id = factory.Sequence(lambda n: f"10{n:04d}")
    handle = factory.Sequence(lambda n: f"@brand{n}")
    display_name = "Brand"
    credentials_encrypted = factory.LazyFunction(lambda: encrypt_credentials({"bearer_token": "t"}))


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    organization = factory.SubFactory(OrganizationFactory)
    platform = "x"
    external_id = factory.Sequence(lambda n: f"u{n}")
    handle = factory.Sequence(lambda n: f"@customer{n}")
    first_seen_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.LazyFunction(timezone.now)


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    organization = factory.SubFactory(OrganizationFactory)
    channel = factory.SubFactory(ChannelFactory, organization=factory.SelfAttribute("..organization"))
    contact = factory.SubFactory(ContactFactory, organization=factory.SelfAttribute("..organization"))
    thread_key = factory.Sequence(lambda n: f"thread-{n}")
    preview = "Mon vol est annulé"
    created_at = factory.LazyFunction(timezone.now)
    last_message_at = factory.LazyFunction(timezone.now)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message
        skip_postgeneration_save = True

    organization = factory.SelfAttribute("conversation.organization")
    conversation = factory.SubFactory(ConversationFactory)
    channel = factory.SelfAttribute("conversation.channel")
    direction = "in"
    kind = "mention"
    platform = "x"
    external_id = factory.Sequence(lambda n: f"m{n}")
    text = "Mon vol est annulé"
    author_contact = factory.SelfAttribute("conversation.contact")
    created_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def searchable(obj, create, extracted, **kwargs):
        # What ingestion does for every inbound message: the conversation becomes findable by it.
        if create and obj.direction == "in":
            conversation = obj.conversation
            conversation.search_text = f"{conversation.search_text}\n{obj.text}".strip()
            Conversation.all_organizations.filter(pk=conversation.pk).update(search_text=conversation.search_text)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"tag{n}")


def platform_item(external_id: str, text: str = "Mon vol AD1234 est annulé, personne ne répond", *,
                  author: str = "u1", handle: str = "@camille", followers: int = 10,
                  at: datetime | None = None, thread: str | None = None, parent: str | None = None,
                  kind: str = "mention", private: bool = False, **extra) -> PlatformItem:
    return PlatformItem(
        external_id=external_id, kind=kind, text=text,
        author=PlatformAuthor(external_id=author, handle=handle, name=handle.strip("@"), followers=followers),
        created_at=at or datetime(2026, 11, 22, 10, 0, tzinfo=UTC), thread_external_id=thread,
        parent_external_id=parent, is_private=private, raw={"id": external_id}, **extra,
    )



