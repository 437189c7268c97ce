"""Join codes grow from 6 to 10 characters (about 9.5 × 10^13 codes): every existing class gets
a new code, and its old one stops working. The alphabet is frozen here, as it was when this
migration was written, rather than imported from core.models."""

import secrets

from django.db import migrations, models

import core.models

ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


def _give_new_codes(apps, length):
    Classroom = apps.get_model("core", "Classroom")
    taken = set()
    for pk in Classroom.objects.order_by("pk").values_list("pk", flat=True):
        code = ""
        while not code or code in taken:
            code = "".join(secrets.choice(ALPHABET) for _ in range(length))
        taken.add(code)
        Classroom.objects.filter(pk=pk).update(join_code=code)


def ten_characters(apps, schema_editor):
    _give_new_codes(apps, 10)


def six_characters(apps, schema_editor):
    _give_new_codes(apps, 6)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="classroom",
            name="join_code",
            field=models.CharField(
                default=core.models.new_join_code, max_length=10, unique=True
            ),
        ),
        migrations.RunPython(ten_characters, six_characters),
    ]
