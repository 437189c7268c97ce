"""A pytest plugin that keeps only the tests that need no database: `pytest -p tests.pure_only`.

The mutation test (script/mutation) runs the tests of the pure modules thousands of times;
a test that needs the database (a `db`, `transactional_db` or `live_server` fixture, directly
or through another fixture such as `world`, or a `django_db` mark) is deselected, so every run
stays fast. Those tests still run in the normal suite (script/test).
"""

import pytest

DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def needs_database(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(fixtures & DATABASE_FIXTURES) or item.get_closest_marker("django_db") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deselected = [item for item in items if needs_database(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not needs_database(item)]
