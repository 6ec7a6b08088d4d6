from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("handover", "0003_handover_ended_on"),
        ("programmes", "0003_programme_follow_up_and_targets"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="handover",
            index=models.Index(fields=["event", "ended_on"], name="handover_by_event"),
        ),
        migrations.AddIndex(
            model_name="handover",
            index=models.Index(fields=["programme", "ended_on"], name="handover_ended"),
        ),
    ]
