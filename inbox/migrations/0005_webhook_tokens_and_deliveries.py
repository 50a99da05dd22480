"""Webhook addresses name a random token instead of the channel's sequential id (existing channels
get one here), and verified deliveries are stored before they are acknowledged."""

import secrets

import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models

import inbox.models


def give_each_channel_a_token(apps, schema_editor):
    Channel = apps.get_model("inbox", "Channel")
    for channel in Channel.all_organizations.filter(webhook_token__isnull=True).only("pk"):
        Channel.all_organizations.filter(pk=channel.pk).update(webhook_token=secrets.token_urlsafe(32))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("inbox", "0004_conversation_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="channel",
            name="webhook_token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(give_each_channel_a_token, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="channel",
            name="webhook_token",
            field=models.CharField(default=inbox.models.new_webhook_token, editable=False, max_length=64, unique=True),
        ),
        migrations.CreateModel(
            name="WebhookDelivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("body", models.BinaryField()),
                ("received_at", models.DateTimeField(auto_now_add=True)),
                ("swept_at", models.DateTimeField(blank=True, null=True)),
                ("processed_at", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("last_error", models.TextField(blank=True)),
                ("channel", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                              related_name="webhook_deliveries", to="inbox.channel")),
                ("organization", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                   to="accounts.organization")),
            ],
            options={
                "abstract": False,
                "base_manager_name": "all_organizations",
                "indexes": [models.Index(condition=models.Q(("processed_at__isnull", True)), fields=["received_at"],
                                         name="webhook_delivery_waiting")],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_organizations", django.db.models.manager.Manager()),
            ],
        ),
    ]
