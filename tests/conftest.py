"""Personas shared by every test: Alice teaches class A, where Sam studies; Olga is in
Bob's class B. Bob is the other teacher, Olga the student of another class."""

from dataclasses import dataclass
from importlib import import_module

import pytest

from core.models import Classroom, User
from lessons.work.models import Assignment

from . import factories


@dataclass
class World:
    alice: User  # the owning teacher
    bob: User  # another teacher
    sam: User  # a student of Alice's class
    olga: User  # a student of another class (Bob's)
    class_a: Classroom
    class_b: Classroom
    assignment: Assignment  # the small practice lesson, assigned to class A
    other_assignment: Assignment  # the same kind of lesson, assigned to class B


@pytest.fixture
def world(db) -> World:
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


@pytest.fixture(autouse=True)
def _taxonomies(request, django_db_blocker):
    """The taxonomies come from a data migration, but transactional tests (the browser
    tests) end with a flush that takes them away: put them back, as after `migrate`."""
    uses_db = {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    if uses_db or request.node.get_closest_marker("django_db"):
        from lessons.library.models import Taxonomy, Technique

        load_taxonomies = import_module(
            "lessons.library.migrations.0002_taxonomies"
        ).load_taxonomies

        with django_db_blocker.unblock():
            if not Taxonomy.objects.exists():
                load_taxonomies(Taxonomy, Technique)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
    # Hashing a password the production way takes about a second here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
