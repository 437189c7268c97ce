from django.db import migrations

from lessons.taxonomy_data import TAXONOMIES


def load_taxonomies(apps, schema_editor):
    Taxonomy = apps.get_model("lessons", "Taxonomy")
    Technique = apps.get_model("lessons", "Technique")
    for entry in TAXONOMIES:
        taxonomy, _ = Taxonomy.objects.update_or_create(
            slug=entry["slug"],
            defaults={
                "name": entry["name"],
                "source": entry["source"],
                "description": entry["description"],
            },
        )
        for position, technique in enumerate(entry["techniques"], start=1):
            Technique.objects.update_or_create(
                taxonomy=taxonomy,
                code=technique["code"],
                defaults={
                    "name": technique["name"],
                    "category": technique["category"],
                    "definition": technique["definition"],
                    "example": technique["example"],
                    "position": position,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("lessons", "0001_initial")]

    operations = [migrations.RunPython(load_taxonomies, migrations.RunPython.noop)]
