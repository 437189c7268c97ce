from django.db import migrations

from lessons.taxonomy_data import load_taxonomies


def load(apps, schema_editor):
    load_taxonomies(apps.get_model("lessons", "Taxonomy"), apps.get_model("lessons", "Technique"))


class Migration(migrations.Migration):
    dependencies = [("lessons", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
