"""The personas and the world every test shares: Alice teaches class A, where Sam studies;
Bob teaches class B, where Olga studies. Both classes have the small practice lesson.

`PERSONAS` is the one table of who asks, in the order of every permission table's columns:
import it (`from .conftest import PERSONAS`) and log in with `log_in(client, world, persona)`.

Shared data. Building the world for each of a thousand tests took a fifth of the suite's
time, so it is built once and shared by the tests that ask for it one after another, the
way Django's `TestCase.setUpTestData` shares a class's data:

- the world is built in a transaction (a savepoint when more is built on top of it, see
  `shared_fixture`) that stays open while consecutive tests ask for it;
- each test runs in its own savepoint inside it (pytest-django's `db`), so whatever a test
  writes is undone before the next one, and gets its own copy of the objects
  (`copy.deepcopy`), so changing them changes nothing for the next test;
- before a test that does not ask for some shared data, that data is rolled back, so a
  test sees exactly the rows it would have seen had the data been built for it alone;
  before a transactional test (browser, threads) everything is rolled back.
"""

import copy
import sys
import uuid
from dataclasses import dataclass
from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import translation

from core.models import Classroom, School, User
from lessons.work.models import Assignment

from . import factories

PERSONAS = ("anonymous", "sam", "olga", "alice", "bob")

# Settings for every test, browser tests included. Hashing a password the production way
# takes about a second here; MD5 is enough for test users. The test client and the live
# server speak plain HTTP: production's HTTPS-only defaults are off (tests/test_settings.py
# checks them in a fresh interpreter).
TEST_SETTINGS = {
    "ALLOWED_HOSTS": ["testserver", "localhost", "127.0.0.1"],
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "SECURE_SSL_REDIRECT": False,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
    "SECURE_HSTS_SECONDS": 0,
    # Background work (core.jobs) runs at once, in the request that starts it; the tests of
    # tests/test_tasks.py enqueue with the database backend and run the real worker.
    "TASKS": {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
}

DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}
TRANSACTIONAL_FIXTURES = DATABASE_FIXTURES - {"db"}


@dataclass
class World:
    alice: User  # the owning teacher
    bob: User  # another teacher
    sam: User  # a student of Alice's class
    olga: User  # a student of another class (Bob's)
    class_a: Classroom
    class_b: Classroom
    assignment: Assignment  # the small practice lesson, assigned to class A
    other_assignment: Assignment  # the same lesson, assigned to class B


def log_in(client, world: World, persona: str) -> None:
    """Log the test client in as one of PERSONAS (stays logged out for "anonymous")."""
    if persona != "anonymous":
        client.force_login(getattr(world, persona))


def build_world() -> World:
    alice = factories.make_teacher("Alice Teacher")
    bob = factories.make_teacher("Bob Teacher")
    class_a = factories.make_classroom(alice, "Class A")
    class_b = factories.make_classroom(bob, "Class B")
    sam = factories.make_student("Sam Student", class_a)
    olga = factories.make_student("Olga Other", class_b)
    lesson = factories.make_lesson()
    return World(
        alice=alice,
        bob=bob,
        sam=sam,
        olga=olga,
        class_a=class_a,
        class_b=class_b,
        assignment=factories.make_assignment(class_a, lesson),
        other_assignment=factories.make_assignment(class_b, lesson),
    )


# Shared data ------------------------------------------------------------------------------

SHARED_FIXTURES: set[str] = set()


def shared_fixture(function):
    """A fixture whose data is built once and shared by consecutive tests that ask for it:
    its body returns `shared(request, build)`, and the data is the rows `build()` writes.
    A test takes a copy of the value (`copy.deepcopy`); the value itself is for other
    shared fixtures that build on it (`_world` for the world, say)."""
    SHARED_FIXTURES.add(function.__name__)
    return pytest.fixture(function)


class SharedData:
    """The shared fixtures built so far, each in a transaction (or a savepoint in the one
    below it), innermost last."""

    def __init__(self) -> None:
        self.layers: list[tuple[str, object, transaction.Atomic, object]] = []
        self.blocker = None

    def get(self, name: str, build, blocker):
        for index, (built_name, code, _, value) in enumerate(self.layers):
            if built_name == name:
                if code is build.__code__:
                    return value
                self.keep_first(index)  # a fixture of the same name in another module
                break
        if any(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
            return build()  # the test's own transaction is open already: build it in there
        self.blocker = blocker
        with blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                value = build()
            except BaseException:
                atomic.__exit__(*sys.exc_info())
                raise
        self.layers.append((name, build.__code__, atomic, value))
        return value

    def keep(self, names: set[str]) -> None:
        """Roll back every layer from the first one whose name is not in `names`."""
        for index, (name, *_) in enumerate(self.layers):
            if name not in names:
                self.keep_first(index)
                return

    def keep_first(self, count: int) -> None:
        if len(self.layers) <= count:
            return
        with self.blocker.unblock():
            while len(self.layers) > count:
                atomic = self.layers.pop()[2]
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)


SHARED = SharedData()


def shared(request: pytest.FixtureRequest, build):
    request.getfixturevalue("_shared_data_session")
    return SHARED.get(request.fixturename, build, request.getfixturevalue("django_db_blocker"))


def _uses_database(item: pytest.Item) -> bool:
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))) or bool(
        item.get_closest_marker("django_db")
    )


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(TRANSACTIONAL_FIXTURES & set(getattr(item, "fixturenames", ()))) or bool(
        marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before the test's fixtures: roll back the shared data it does not ask for."""
    if _is_transactional(item):
        SHARED.keep(set())
    elif _uses_database(item):
        SHARED.keep(SHARED_FIXTURES & set(item.fixturenames))


@pytest.fixture(scope="session")
def _shared_data_session(django_db_setup):
    """Rolls the shared data back before the test database goes away."""
    yield
    SHARED.keep(set())


@pytest.fixture(autouse=True)
def _database_ready(request, django_db_blocker):
    """Before a test that uses the database opens its transaction: the taxonomies are
    there, and the shared data it asks for is built."""
    if not _uses_database(request.node):
        return
    with django_db_blocker.unblock():
        ensure_taxonomies()
    for name in sorted(SHARED_FIXTURES & set(request.fixturenames)):
        request.getfixturevalue(name)


def ensure_taxonomies() -> None:
    """The taxonomies come from a data migration, but transactional tests (the browser
    tests) end with a flush that takes them away: put them back, as after `migrate`."""
    from lessons.library.models import Taxonomy, Technique

    if not Taxonomy.objects.exists():
        migration = import_module("lessons.library.migrations.0002_taxonomies")
        migration.load_taxonomies(Taxonomy, Technique)


@shared_fixture
def _world(request) -> World:
    return shared(request, build_world)


@pytest.fixture
def world(_world, db) -> World:
    return copy.deepcopy(_world)


# Schools: the same world, its teachers in schools, with a school admin and a teacher who
# waits for approval. `SCHOOL_PERSONAS` are the columns of the tables about schools and
# answer keys; log in with `log_in(client, school_world, persona)`.

SCHOOL_PERSONAS = (*PERSONAS, "ada", "pat")


@dataclass
class SchoolWorld(World):
    school_a: School  # Alice's; Ada is its admin, Pat asked to join it
    school_b: School  # Bob's
    ada: User  # the admin of school A: an approved teacher too
    pat: User  # signed up naming school A, e-mail address confirmed, waiting for approval


def build_school_world(world: World) -> SchoolWorld:
    world = copy.deepcopy(world)
    school_a = factories.make_school("Northside School")
    school_b = factories.make_school("Southside School")
    for teacher, school in ((world.alice, school_a), (world.bob, school_b)):
        teacher.school = school
        teacher.save(update_fields=["school"])
    return SchoolWorld(
        **{name: getattr(world, name) for name in World.__dataclass_fields__},
        school_a=school_a,
        school_b=school_b,
        ada=factories.make_teacher("Ada Admin", school=school_a, is_school_admin=True),
        pat=factories.make_teacher("Pat Pending", school=school_a, approved=False),
    )


@shared_fixture
def _school_world(request, _world) -> SchoolWorld:
    return shared(request, lambda: build_school_world(_world))


@pytest.fixture
def school_world(_school_world, db) -> SchoolWorld:
    return copy.deepcopy(_school_world)


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    with override_settings(**TEST_SETTINGS):
        yield


@pytest.fixture(autouse=True)
def _own_throttle_counts(settings):
    """Each test counts its tries (core.throttle) under a cache key prefix of its own: the
    database cache's table outlives a transactional test's flush, and a test that fails many
    logins must not lock the next one out."""
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        for alias, config in settings.CACHES.items()
    }


@pytest.fixture(autouse=True)
def _english_to_begin_with():
    """Each test starts in English, as a request without a language would: a request in
    Spanish leaves Spanish active in the thread it ran in (LocaleMiddleware activates the
    request's language and nothing puts it back), and code that translates outside a request,
    such as the marks' announcements, would otherwise speak the last test's language."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
