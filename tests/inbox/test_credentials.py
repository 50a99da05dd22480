import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from inbox.credentials import CredentialsUnreadable, decrypt_credentials, encrypt_credentials
from inbox.models import Channel
from tests.factories import ChannelFactory


def test_credentials_round_trip_and_are_not_stored_in_clear(settings):
    token = encrypt_credentials({"bearer_token": "s3cret-token"})
    assert "s3cret" not in token
    assert decrypt_credentials(token) == {"bearer_token": "s3cret-token"}


@pytest.mark.django_db
def test_rotation_re_encrypts_with_the_new_key(settings, organization):
    old_key = settings.CREDENTIALS_KEYS[0]
    channel = ChannelFactory(organization=organization, credentials_encrypted=encrypt_credentials({"token": "t1"}))
    new_key = Fernet.generate_key().decode()
    settings.CREDENTIALS_KEYS = [new_key, old_key]
    call_command("rotate_channel_credentials", stdout=open("/dev/null", "w"))
    settings.CREDENTIALS_KEYS = [new_key]  # the old key is gone: credentials still read
    stored = Channel.objects.for_organization(organization).get(pk=channel.pk).credentials_encrypted
    assert decrypt_credentials(stored) == {"token": "t1"}


def test_a_removed_key_gives_an_error_that_says_what_to_do(settings):
    token = encrypt_credentials({"token": "t"})
    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CredentialsUnreadable, match="Reconnect the channel"):
        decrypt_credentials(token)
