"""core/migrations/0002: every existing class gets a new, ten-character join code (its old
code stops working), and migrating back gives six-character codes again."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.models import JOIN_CODE_ALPHABET

BEFORE = [("core", "0001_initial")]
AFTER = [("core", "0002_join_codes_of_ten_characters")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _codes(apps) -> list[str]:
    return list(apps.get_model("core", "Classroom").objects.values_list("join_code", flat=True))


@pytest.mark.django_db(transaction=True)
def test_existing_classes_get_new_ten_character_codes_and_back():
    try:
        before = _migrate(BEFORE)
        teacher = before.get_model("core", "User").objects.create(
            username="t", display_name="T", role="teacher"
        )
        for n, code in enumerate(["ACDEFG", "HJKMNP", "QRTUVW"]):
            before.get_model("core", "Classroom").objects.create(
                name=f"Class {n}", teacher=teacher, join_code=code
            )

        codes = _codes(_migrate(AFTER))

        assert len(set(codes)) == 3
        assert all(len(code) == 10 and set(code) <= set(JOIN_CODE_ALPHABET) for code in codes)
        back = _codes(_migrate(BEFORE))
        assert len(set(back)) == 3
        assert all(len(code) == 6 and set(code) <= set(JOIN_CODE_ALPHABET) for code in back)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
