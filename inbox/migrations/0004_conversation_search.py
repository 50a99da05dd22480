"""Search moves from messages to conversations: one index row per conversation (what its
customers wrote), instead of joining every matching message back to its conversation."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations, models

BACKFILL = """
UPDATE inbox_conversation AS c SET search_text = left(m.text, 20000)
FROM (
    SELECT conversation_id, string_agg(text, E'\\n' ORDER BY created_at, id) AS text
    FROM inbox_message WHERE direction = 'in' GROUP BY conversation_id
) AS m
WHERE c.id = m.conversation_id
"""


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('inbox', '0003_drop_covered_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='conversation',
            name='search_text',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AddField(
            model_name='conversation',
            name='search_vector',
            field=models.GeneratedField(db_persist=True, expression=django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('search_text', config='vigie_fr'), '||', django.contrib.postgres.search.SearchVector('search_text', config='vigie_en'), django.contrib.postgres.search.SearchConfig('vigie_fr')), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.AddIndex(
            model_name='conversation',
            index=django.contrib.postgres.indexes.GinIndex(fields=['organization', 'search_vector'], name='conversation_search'),
        ),
        migrations.RemoveIndex(
            model_name='message',
            name='message_search',
        ),
        migrations.RemoveField(
            model_name='message',
            name='search_vector',
        ),
    ]
