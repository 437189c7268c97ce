"""Teachers who had accounts before schools came are approved, with their e-mail address taken
as confirmed: they were trusted with every answer key until now, and their sign-ups predate
the confirmation link. They belong to no school; the operator puts them in one in the admin.
Only accounts that sign up from now on start pending. Back: nothing to undo (the columns go
with 0003)."""

from django.db import migrations


def approve_existing_teachers(apps, schema_editor):
    User = apps.get_model("core", "User")
    User.objects.filter(role="teacher").update(status="approved", email_verified=True)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_schools_and_verified_teachers"),
    ]

    operations = [
        migrations.RunPython(approve_existing_teachers, migrations.RunPython.noop),
    ]
