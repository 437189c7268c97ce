"""No request gets a server error, and nobody changes what is not theirs (issue 10, item 3).

Every URL pattern of the project, read from `django.urls.get_resolver()` (a new URL is fuzzed
without touching this file), is asked by each persona of conftest's world (and the admin's
by the site operator too). First two canonical requests: a GET, and a POST of a form right
for every view at once, on class A's objects (`canonical_requests`): Olga and Bob posting a
valid highlight, review or move to Alice's class is what a missing permission check lets
through. Then, where the view serves the persona, Hypothesis makes more, with

- path parameters from the world's real ids and slugs, and generated ones: 0, huge numbers,
  negative-looking or odd strings where the converter takes them;
- methods GET, POST, HEAD, PUT, DELETE (mostly the one the view reads); query strings,
  well-formed or not;
- form bodies: every form's fields with plausible values, one or two made odd (mostly those
  of the form on the view's page: too long for their column, NUL bytes, unpaired surrogates
  sent as multipart in a charset that carries them, very long text), or random field names
  and values; lesson files, zips and corpus articles with an odd field where the page takes
  files; bodies in other charsets, malformed multipart, raw bodies of other types;
- headers: HX-Request, odd Content-Type and charset, a Content-Length far larger than the
  body, CSRF tokens right, wrong or missing.

For each request: no 5xx (an exception out of Django's handler counts: the WSGI server would
answer 500); and every row the persona may not change is as it was (`owners` says who may
change which row: a class's teacher her class, its assignments and its students' work; a
student his own work in his own classes; an author her own lessons; a school's admin its
teachers and invitations; anonymous nothing). Each request runs in a savepoint rolled back
after it, so every request meets the same world.

About 2,000 requests, deterministic: each (pattern, persona) has its own fixed seed and there
is no example database, so CI sends the same requests every time. To explore further:
`LENS_FUZZ_SEED=7` (other requests) and `LENS_FUZZ_SCALE=10` (ten times as many generated).

A server error found and not fixed yet goes in `KNOWN_SERVER_ERRORS`: its requests are left out
of the fuzz and `test_a_known_server_error` reproduces it as a strict xfail, so the fix turns
it into a failure that says to take the entry out (and the fuzz covers those requests again).
"""

import codecs
import functools
import io
import os
import re
import traceback
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django import forms
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, PathConverter, SlugConverter
from django.urls.resolvers import RegexPattern, RoutePattern
from hypothesis import HealthCheck, assume, given, seed, settings
from hypothesis import strategies as st

from core import services as core_services
from core.models import Classroom, Enrollment, Invitation, Job, School, User
from lessons.insights.models import SubmissionFigures
from lessons.library import services as library_services
from lessons.library.lessonfile import parse_lesson
from lessons.library.models import KeySpan, Lesson, Prompt, Segment, Taxonomy, Technique
from lessons.work import services as work_services
from lessons.work.models import (
    Answer,
    Assignment,
    AuditEvent,
    Highlight,
    Review,
    RevisionMove,
    Submission,
    UnplacedWork,
)

from . import factories
from .conftest import PERSONAS, build_school_world, build_world, ensure_taxonomies

SEED = int(os.environ.get("LENS_FUZZ_SEED", "0"))
SCALE = int(os.environ.get("LENS_FUZZ_SCALE", "1"))

# Requests per (pattern, persona): the canonical ones (`canonical_requests`), then, if the
# view serves the persona, DEEP generated ones (none if it turned both canonical requests
# away: to the login page, or with 403, 404 or 405; what comes before the view, the
# middleware, is fuzzed on the views that serve). For the admin's patterns: anonymous and
# a teacher one canonical request each, the operator two and one generated. In all about
# 2,000 requests (for 81 patterns and the admin's 107, of which 130 serve the persona).
DEEP = 6
ADMIN_PERSONAS = {"anonymous": 0, "alice": 0, "operator": 1}

# The URL patterns -------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A path parameter: a converter's (`<int:pk>`) or a regular expression's."""

    name: str
    kind: str  # "int", "slug", "str", "path" or "regex"
    regex: str
    after: str = ""  # the word before it: "assignments" in "assignments/<int:pk>/"


@dataclass(frozen=True)
class Pattern:
    route: str  # the whole route, e.g. "assignments/<int:pk>/segments/<int:position>/"
    name: str  # "work:segment"; "admin:?" for an unnamed admin URL
    parts: tuple[str | Param, ...]

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")


_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _kind(converter) -> str:
    for cls, kind in ((IntConverter, "int"), (SlugConverter, "slug"), (PathConverter, "path")):
        if isinstance(converter, cls):
            return kind
    return "str"


def _parts(pattern) -> list[str | Param]:
    if isinstance(pattern, RegexPattern):
        regex = pattern.regex.pattern.removeprefix("^").removesuffix("$")
        return [Param(name="regex", kind="regex", regex=regex)] if regex else []
    assert isinstance(pattern, RoutePattern), pattern
    route, parts, last = str(pattern), [], 0
    for match in _PARAM.finditer(route):
        parts.append(route[last : match.start()])
        converter = pattern.converters[match["name"]]
        after = route[: match.start()].rstrip("/").rpartition("/")[2]
        parts.append(Param(match["name"], _kind(converter), converter.regex, after))
        last = match.end()
    parts.append(route[last:])
    return [part for part in parts if part != ""]


def _walk(resolver, parts=(), route="", namespace=()):
    for entry in resolver.url_patterns:
        here = parts + tuple(_parts(entry.pattern))
        if isinstance(entry, URLResolver):
            names = (*namespace, entry.namespace) if entry.namespace else namespace
            yield from _walk(entry, here, route + str(entry.pattern), names)
        else:
            assert isinstance(entry, URLPattern), entry
            name = ":".join((*namespace, entry.name or "?"))
            yield Pattern(route=route + str(entry.pattern), name=name, parts=here)


# A route twice (the admin's login page, throttled, is put before the admin's own): the
# first one answers, the other is never reached.
PATTERNS = list({p.route: p for p in reversed(list(_walk(get_resolver())))}.values())[::-1]


# The world --------------------------------------------------------------------------------


@dataclass(eq=False)  # hashed by identity: the strategies made of it are cached
class Ids:
    """What the requests are made of: the personas and the real ids of the world."""

    users: dict[str, int]  # persona -> pk (anonymous has none)
    sessions: dict[str, str]  # persona -> session key
    by_param: dict[str, list[int]]  # a path parameter's name -> the ids it could take
    pks: dict[str, list[int]]  # a model's label -> its rows' ids
    ints: list[int]  # every real id
    slugs: list[str]  # lessons' and taxonomies'
    uids: list[str]  # passages'
    techniques: list[int]  # the practice lesson's taxonomy's
    # Class A's objects (Sam's work, Alice's draft...) by the first word of a route, then by
    # parameter, and a form with every field right for them: the requests every persona
    # makes first, so that a missing permission check meets a request that would pass.
    canonical: dict[str, dict[str, str]]
    canonical_fields: list[tuple[str, str]]


def _lesson(title: str, slug: str, by: User, *, published: bool) -> Lesson:
    source = factories.SMALL_LESSON.format(title=title, slug=slug)
    return library_services.lesson_import(
        data=parse_lesson(source), created_by=by, is_published=published
    )


def _session(user: User) -> str:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def build_fuzz_world() -> Ids:
    """The shared world with its schools (conftest: Alice's school has Ada as its admin and
    Pat waiting for approval; Ada has invited someone), and work in both classes: Sam's in
    progress, Hana's handed in and reviewed, Olga's in class B; Alice's own lesson, assigned
    to class A and replaced by a second revision since (the class can be moved); a draft each
    for Alice and Bob."""
    w = build_school_world(build_world())
    a, b = w.assignment, w.other_assignment
    invitation, _ = core_services.invitation_create(
        school=w.school_a, email="new@example.org", by=w.ada
    )
    hana = factories.make_student("Hana Handed-In", w.class_a)
    factories.make_highlight(a, w.sam, "glorious leader", note="Sam's note")
    factories.make_answer(a, w.sam, factories.prompt_of(a, 1, "text"), "Sam's answer")
    choose = factories.prompt_of(a, 1, "choose")
    factories.make_answer(a, w.sam, choose, technique_codes=("Loaded_Language",))
    factories.make_highlight(a, hana, "traitors", "Name_Calling,Labeling", occurrence=1)
    prompt = factories.prompt_of(a, 1, "text")
    factories.make_answer(a, hana, prompt, "Hana's answer")
    handed_in = factories.hand_in(a, hana)
    work_services.review_save(
        submission=handed_in, reviewer=w.alice, comment="Well found.", score=2, prompt=prompt
    )
    factories.make_highlight(b, w.olga, "Everyone", "Doubt", position=2)
    factories.make_answer(b, w.olga, factories.prompt_of(b, 2, "text"), "Olga's answer")

    own = _lesson("Alice's lesson", "alice-lesson", w.alice, published=True)
    on_own = factories.make_assignment(w.class_a, own)
    factories.make_highlight(on_own, w.sam, "traitors", occurrence=2)
    revision = library_services.lesson_edit_draft(lesson=own, by=w.alice)
    library_services.lesson_publish(lesson=revision)
    draft = _lesson("Alice's draft", "alice-draft", w.alice, published=False)
    _lesson("Bob's draft", "bob-draft", w.bob, published=False)

    operator = User.objects.create_superuser(
        username="operator", email="operator@example.org", password="an-operator-password"
    )
    people = {"sam": w.sam, "olga": w.olga, "alice": w.alice, "bob": w.bob, "operator": operator}

    pks = {
        model._meta.label: sorted(model.objects.values_list("pk", flat=True))
        for model in (*TRACKED, ContentType)
    }
    # by the parameter's name, or the word before it in the route ("classes/<int:pk>/")
    by_param = {
        "pk": sorted({*pks["core.Classroom"], *pks["work.Assignment"], *pks["library.Lesson"]}),
        "classes": pks["core.Classroom"],
        "assignments": pks["work.Assignment"],
        "lessons": pks["library.Lesson"],
        "teachers": pks["core.User"],
        "invitations": pks["core.Invitation"],
        "student_pk": pks["core.User"],
        "position": [1, 2, 3],
        "prompt_pk": pks["library.Prompt"],
        "key_pk": pks["library.KeySpan"],
        "highlight_pk": pks["work.Highlight"],
        "submission_pk": pks["work.Submission"],
        "content_type_id": pks["contenttypes.ContentType"],
    }
    techniques = {t.code: t.pk for t in a.lesson.taxonomy.techniques.all()}
    sams = Highlight.objects.filter(submission__student=w.sam, submission__assignment=a).first()
    draft_prompt = Prompt.objects.filter(segment__lesson=draft, segment__position=1).first()
    draft_key = KeySpan.objects.filter(segment__lesson=draft, segment__position=1).first()
    for_work = {
        "pk": a.pk,
        "position": 1,
        "highlight_pk": sams.pk,
        "prompt_pk": prompt.pk,
        "key_pk": KeySpan.objects.filter(segment__lesson=a.lesson).first().pk,
        "submission_pk": sams.submission_id,
        "student_pk": w.sam.pk,
    }
    admin_objects = {m._meta.model_name: min(pks[m._meta.label], default=1) for m in TRACKED}
    canonical = {
        "assignments": for_work,
        "classes": {"pk": w.class_a.pk, "student_pk": w.sam.pk},
        "author": {"pk": draft.pk, "position": 1, "prompt_pk": draft_prompt.pk},
        "lessons": {"slug": own.slug},
        "techniques": {"slug": a.lesson.taxonomy.slug},
        "accounts": {"uidb64": "MQ", "token": "set-password"},
        "school": {"teachers": w.pat.pk, "invitations": invitation.pk},
        "admin": {
            **admin_objects,
            "user": w.sam.pk,
            "id": w.sam.pk,
            "content_type_id": ContentType.objects.get_for_model(User).pk,
            "object_id": w.sam.pk,
            "regex": "core/",
        },
    }
    canonical["author"]["key_pk"] = draft_key.pk
    right = {
        "quote": "glorious leader",
        "technique": techniques["Loaded_Language"],
        "note": "A note",
        "answers": 1,
        "go": "next",
        "name": "Class C",
        "lesson": revision.pk,
        "to": revision.pk,
        "opens_at": "",
        "due_at": "2031-01-01T09:00",
        "comment": "Good",
        "score": 1,
        "prompt": prompt.pk,
        "key_span": "",
        "published": "true",
        "kind": "text",
        "text": "A question?",
        "direction": "down",
        "uid": draft_prompt.segment.uid,
        "paragraph": 1,
        "slug": "a-new-lesson",
        "start": "",
        "end": "",
        "occurrence": "",
        "code": "",
        "display_name": "New Kid",
        "username": "carol",
        "email": "carol@example.org",
        "password1": "a-fine-password-42",
        "password2": "a-fine-password-42",
        "unplaced": "",
        "next": "",
    }
    canonical_fields = [
        *(
            (name, str(right.get(name, _first_value(fields[0], pks))))
            for name, fields in FORM_FIELDS.items()
        ),
        (f"prompt-{prompt.pk}", "An answer"),
        (f"prompt-{choose.pk}", str(techniques["Loaded_Language"])),
        (f"h{sams.pk}-technique", str(techniques["Doubt"])),
        (f"h{sams.pk}-note", "Changed"),
        (f"student-{w.sam.pk}-due_at", "2031-02-01T09:00"),
        ("prompt-kind", "text"),
        ("prompt-text", "A question?"),
        (f"p{draft_prompt.pk}-kind", "text"),
        (f"p{draft_prompt.pk}-text", "Changed?"),
        (f"k{draft_key.pk}-technique", str(techniques["Doubt"])),
        (f"k{draft_key.pk}-explanation", "Because."),
        ("new_password1", "a-fine-password-42"),
        ("new_password2", "a-fine-password-42"),
        ("password", "not-the-password"),
    ]
    return Ids(
        users={name: user.pk for name, user in people.items()},
        sessions={name: _session(user) for name, user in people.items()},
        by_param=by_param,
        pks=pks,
        ints=sorted({pk for label, ids in pks.items() if "_" not in label for pk in ids}),
        slugs=sorted({*Lesson.objects.values_list("slug", flat=True), *_taxonomy_slugs()}),
        uids=[str(uid) for uid in Segment.objects.values_list("uid", flat=True)],
        techniques=sorted(techniques.values()),
        canonical={family: {k: str(v) for k, v in c.items()} for family, c in canonical.items()},
        canonical_fields=canonical_fields,
    )


def _first_value(form_field: forms.Field, pks: dict[str, list[int]]) -> str:
    """A value a field takes, for a field `build_fuzz_world` has no value for."""
    if isinstance(form_field, forms.ModelChoiceField):
        return str(min(pks[form_field.queryset.model._meta.label], default=1))
    if isinstance(form_field, forms.BooleanField):
        return "on"
    if isinstance(form_field, forms.DateTimeField):
        return "2031-01-01T09:00"
    if isinstance(form_field, forms.DateField):
        return "2024-05-01"
    if isinstance(form_field, forms.ChoiceField):
        return next((str(c[0]) for c in form_field.choices if c[0] not in ("", None)), "")
    if isinstance(form_field, forms.IntegerField):
        return "1"
    return "Fuzzed words"


def _taxonomy_slugs() -> list[str]:
    return list(Taxonomy.objects.values_list("slug", flat=True))


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker):
    """Built once for the module, in a transaction rolled back after its last test (as
    conftest's world is); each test runs in a savepoint inside it, each request in another."""
    with django_db_blocker.unblock():
        ensure_taxonomies()
        with transaction.atomic():
            ids = build_fuzz_world()
            with django_db_blocker.block():
                yield ids
            transaction.set_rollback(True)


# Who may change what ----------------------------------------------------------------------

TRACKED = [
    School,
    Invitation,
    User,
    Job,
    User.groups.through,
    User.user_permissions.through,
    Classroom,
    Enrollment,
    Taxonomy,
    Technique,
    Lesson,
    Segment,
    Prompt,
    KeySpan,
    Assignment,
    Submission,
    Highlight,
    Answer,
    Answer.techniques.through,
    Review,
    RevisionMove,
    UnplacedWork,
    UnplacedWork.techniques.through,
    AuditEvent,
    SubmissionFigures,
]
UNTRACKED_FIELDS = {"last_login"}  # logging in is not changing the account

State = dict[str, dict[int, dict[str, Any]]]


def snapshot() -> State:
    """Every row of every table a persona could change without the right to."""
    state = {}
    for model in TRACKED:
        names = [f.attname for f in model._meta.concrete_fields if f.name not in UNTRACKED_FIELDS]
        pk = model._meta.pk.attname
        state[model._meta.label] = {row[pk]: row for row in model.objects.values(*names)}
    return state


def owners(s: State) -> dict[str, dict[int, frozenset[int]]]:
    """For every row, the users who may change it: a class, its enrolments, assignments,
    reviews and moves are its teacher's; a submission and the work in it are its student's
    (while enrolled in that class) and the teacher's; a lesson and its passages, prompts and
    key are its author's; a student's account is their own and their teachers', a teacher's
    their own and their school's admins'; a school and its invitations are its admins'; an
    audit event is the class's teacher's and her school admins'. Taxonomies, techniques and
    lessons without an author are nobody's."""
    admins_of = defaultdict(set)  # a school's admins
    school_of = {pk: r["school_id"] for pk, r in s["core.User"].items()}
    for pk, r in s["core.User"].items():
        if r["is_school_admin"]:
            admins_of[r["school_id"]].add(pk)
    teacher = {pk: r["teacher_id"] for pk, r in s["core.Classroom"].items()}
    enrolled = {(r["classroom_id"], r["student_id"]) for r in s["core.Enrollment"].values()}
    teachers_of = defaultdict(set)
    for classroom, student in enrolled:
        teachers_of[student].add(teacher.get(classroom))
    class_of = {pk: r["classroom_id"] for pk, r in s["work.Assignment"].items()}

    def of_class(classroom) -> set:
        return {teacher[classroom]} if classroom in teacher else set()

    def of_submission(pk) -> set:
        row = s["work.Submission"].get(pk)
        if row is None:
            return set()
        classroom = class_of.get(row["assignment_id"])
        mine = {row["student_id"]} if (classroom, row["student_id"]) in enrolled else set()
        return of_class(classroom) | mine

    lesson_owner = {pk: {r["created_by_id"]} - {None} for pk, r in s["library.Lesson"].items()}
    segment_owner = {
        pk: lesson_owner.get(r["lesson_id"], set()) for pk, r in s["library.Segment"].items()
    }
    answer_owner = {pk: of_submission(r["submission_id"]) for pk, r in s["work.Answer"].items()}
    move_owner = {
        pk: of_class(class_of.get(r["assignment_id"])) for pk, r in s["work.RevisionMove"].items()
    }
    rules: dict[str, Callable[[int, dict], set]] = {
        "core.School": lambda pk, r: admins_of[pk],
        "core.Invitation": lambda pk, r: admins_of[r["school_id"]],
        "core.User": lambda pk, r: (
            {pk} | (teachers_of[pk] if r["role"] == "student" else admins_of[r["school_id"]])
        ),
        "core.User_groups": lambda pk, r: set(),  # the operator's, in the admin
        "core.User_user_permissions": lambda pk, r: set(),
        "core.Job": lambda pk, r: {r["owner_id"]},  # long work, for the one who asked
        "core.Classroom": lambda pk, r: {r["teacher_id"]},
        "core.Enrollment": lambda pk, r: of_class(r["classroom_id"]),
        "library.Taxonomy": lambda pk, r: set(),
        "library.Technique": lambda pk, r: set(),
        "library.Lesson": lambda pk, r: lesson_owner[pk],
        "library.Segment": lambda pk, r: segment_owner[pk],
        "library.Prompt": lambda pk, r: segment_owner.get(r["segment_id"], set()),
        "library.KeySpan": lambda pk, r: segment_owner.get(r["segment_id"], set()),
        "work.Assignment": lambda pk, r: of_class(r["classroom_id"]),
        "work.Submission": lambda pk, r: of_submission(pk),
        "work.Highlight": lambda pk, r: of_submission(r["submission_id"]),
        "work.Answer": lambda pk, r: answer_owner[pk],
        "work.Answer_techniques": lambda pk, r: answer_owner.get(r["answer_id"], set()),
        "work.Review": lambda pk, r: of_class(class_of.get(_assignment_of(s, r))),
        "work.RevisionMove": lambda pk, r: move_owner[pk],
        "work.UnplacedWork": lambda pk, r: move_owner.get(r["move_id"], set()),
        # a record of what somebody did in a class: by those who may act there (its
        # teacher, her school's admins, a student about their own work), no one else
        "work.AuditEvent": lambda pk, r: (
            of_class(r["classroom_id"])
            | admins_of[school_of.get(teacher.get(r["classroom_id"]))]
            | ({r["student_id"]} & {r["actor_id"]})
        ),
        "work.UnplacedWork_techniques": lambda pk, r: move_owner.get(
            s["work.UnplacedWork"].get(r["unplacedwork_id"], {}).get("move_id"), set()
        ),
        # a submission's figures, stored as its highlights change (insights)
        "insights.SubmissionFigures": lambda pk, r: of_submission(pk),
    }
    assert set(rules) == set(s), set(rules) ^ set(s)
    return {
        label: {pk: frozenset(rules[label](pk, row)) for pk, row in rows.items()}
        for label, rows in s.items()
    }


def _assignment_of(s: State, review: dict) -> int | None:
    submission = s["work.Submission"].get(review["submission_id"])
    return submission and submission["assignment_id"]


def forbidden_changes(user_pk: int | None, before: State, after: State) -> list[str]:
    """The rows that changed though `user_pk` (None: anonymous) may not change them."""
    changed = [
        (label, pk)
        for label, rows in after.items()
        for pk in rows.keys() | before[label].keys()
        if before[label].get(pk) != rows.get(pk)
        # a new account (a teacher's sign-up, a student's join) is nobody's to refuse
        and not (label == "core.User" and pk not in before[label])
    ]
    if not changed:
        return []
    owners_before, owners_after = owners(before), owners(after)
    return [
        f"{label} {pk}: {before[label].get(pk)!r} -> {after[label].get(pk)!r}"
        for label, pk in changed
        if user_pk
        not in owners_before[label].get(pk, frozenset()) | owners_after[label].get(pk, frozenset())
    ]


# The requests -----------------------------------------------------------------------------

HUGE = (2**31, 2**63, 10**30)
CSRF_TOKEN = "LensFuzz" * 4  # a well-formed CSRF secret, sent as the cookie and the token
LONE_SURROGATES = ("\ud800", "\udbff", "\udc00", "\udfff")
CHARSETS = (
    *("utf-8", "UTF-8", "latin-1", "iso-8859-1", "windows-1252", "utf-16", "utf-16-le"),
    *("shift_jis", "koi8-r", "unicode_escape", "x-no-such-charset", ""),
    *("base64", "rot13", "zlib"),  # codecs Python knows, but not text encodings
)
WORDS = ("Fuzzed words", "x", "glorious leader", "traitors", "Everyone", "always fail", "Join")
SPECIAL_VALUES = (
    *("", " ", "0", "1", "-1", "1.5", "1e309", "NaN", "-0", str(10**30), "99999999999999999999"),
    *("on", "off", "true", "false", "yes", "next", "prev", "up", "down", "ALL", "none", "null"),
    *("2025-03-03", "2025-03-03T09:00", "9999-12-31T23:59", "0001-01-01T00:00", "2025-02-30"),
    *("\x00", "a\x00b", "<script>alert(1)</script>", "' OR 1=1 --", "=1+1", "../../etc/passwd"),
    *("on_submit", "after_due", "manual", "highlight", "text", "choose", "semeval-2020"),
    *("\u202e\u200b", "😀", "𝒜", "\r\n", *WORDS),
)
RAW_QUERIES = ("%", "%ff", "a=%00", "a=%ED%A0%80", "&&&==", "a=1&a=2&a=3", "x" * 5000, "%%%")
RAW_TYPES = (
    *("application/json", "text/plain", "application/octet-stream", "application/xml"),
    "text/html; charset=utf-16",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/x-www-form-urlencoded; charset=x-no-such-charset",
    *("multipart/mixed", "", "*/*"),
)
BOUNDARY = "LensFuzzBoundary"
MULTIPART_TYPES = (
    f"multipart/form-data; boundary={BOUNDARY}",
    f'multipart/form-data; boundary="{BOUNDARY}"',
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=" + "b" * 200,
    f"multipart/form-data; boundary={BOUNDARY}; charset=x-no-such-charset",
    f"multipart/form-data; boundary=other-{BOUNDARY}",
    "multipart/form-data; boundary=a b",
)
_B = b"--" + BOUNDARY.encode()
MALFORMED_BODIES = (
    b"",
    _B,
    _B + b"\r\n",
    _B + b"\r\nContent-Disposition: form-data\r\n\r\nvalue",
    _B + b'\r\nContent-Disposition: form-data; name="a"\r\n\r\n',
    _B + b"\r\nX-Header: " + b"h" * 70_000 + b"\r\n\r\n",
    _B + b'\r\nContent-Disposition: form-data; name="\xff\xfe"\r\n\r\nx\r\n',
    _B + b'\r\nContent-Disposition: form-data; name="file"; filename="a.md"\r\n\r\nx',
    _B + b"--\r\n",
    b"garbage\x00\xff" * 10,
)
LYING_LENGTHS = ("99999999999999999999", str(2**63), str(10**9), "-1", "abc", "0", " 12")


def weighted(*choices: tuple[int, Any]) -> st.SearchStrategy:
    """One of the strategies (or plain values), each as often as its weight says."""
    options = [c if isinstance(c, st.SearchStrategy) else st.just(c) for _, c in choices]
    indices = [i for i, (weight, _) in enumerate(choices) for _ in range(weight)]
    return st.sampled_from(indices).flatmap(lambda i: options[i])


@dataclass
class Request:
    persona: str
    method: str
    path: str
    query: str = ""
    content_type: str | None = None
    body: bytes = b""
    content_length: str | None = None  # None: the body's length
    headers: dict[str, str] = field(default_factory=dict)
    csrf: str = "exempt"  # "exempt" (the test client's default), "header", "field", "none", "bad"
    form: "Form | None" = field(default=None, repr=False)  # what the body holds, if a form

    def __str__(self) -> str:
        body = self.body if len(self.body) <= 400 else self.body[:400] + b"..."
        return (
            f"{self.persona} {self.method} {self.path}"
            + (f"?{self.query[:200]}" if self.query else "")
            + f"\n  Content-Type: {self.content_type!r}  Content-Length: "
            + f"{self.content_length or len(self.body)} ({len(self.body)} bytes sent)"
            + f"\n  headers: {self.headers}  csrf: {self.csrf}\n  body: {body!r}"
        )


@dataclass
class Form:
    """A form body before it is encoded: pairs of names and values, and files."""

    fields: list[tuple[str, str]]
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # name, filename, data


@functools.cache
def _path_values(param: Param, ids: Ids) -> st.SearchStrategy[str]:
    if param.kind == "int":
        real = ids.by_param.get(param.after) or ids.by_param.get(param.name) or ids.ints
        return weighted(
            (6, st.sampled_from(real)),
            (2, st.sampled_from(ids.ints)),
            (1, st.sampled_from((0, 1, *HUGE))),
            (1, st.integers(0, 10**40)),
        ).map(str)
    if param.kind == "slug":
        return weighted(
            (6, st.sampled_from(ids.slugs)),
            (1, st.sampled_from(("-1", "--", "-", "0", "_", "a" * 300, str(10**30)))),
            (2, st.from_regex(r"[-a-zA-Z0-9_]{1,40}", fullmatch=True)),
        )
    if param.kind == "regex":
        return st.from_regex(param.regex, fullmatch=True).map(lambda v: quote(v, safe="/"))
    safe = "/" if param.kind == "path" else ""
    odd = ("0", "-1", "1.5", str(10**30), "null", "..", " ", "%00", "1/2", "add")
    return weighted(
        (4, st.sampled_from(ids.ints).map(str)),
        (2, st.sampled_from([v for v in odd if safe or "/" not in v])),
        (2, st.text(min_size=1, max_size=30).filter(lambda v: bool(safe) or "/" not in v)),
    ).map(lambda v: quote(v, safe=safe))


@functools.cache
def _paths(pattern: Pattern, ids: Ids) -> st.SearchStrategy[str]:
    pieces = [
        st.just(part) if isinstance(part, str) else _path_values(part, ids)
        for part in pattern.parts
    ]
    return st.tuples(*pieces).map(lambda parts: "/" + "".join(parts))


@functools.cache
def _names(ids: Ids) -> st.SearchStrategy[str]:
    prefixed = st.builds(
        lambda prefix, pk, name: prefix.format(pk=pk, name=name),
        st.sampled_from(PREFIXES),
        st.sampled_from(ids.ints),
        st.sampled_from(FIELD_NAMES),
    )
    return weighted((6, st.sampled_from(FIELD_NAMES)), (3, prefixed), (1, st.text(max_size=12)))


LONG_VALUES = st.builds(
    lambda unit, n: unit * n,
    st.sampled_from(("x", "é", "😀", "\x00", "a b\r\n", "𝒜gree")),
    st.sampled_from((101, 121, 201, 1001, 2001, 5001, 70_000, 400_000)),
)


@functools.cache
def _values(ids: Ids, *, surrogates: bool) -> st.SearchStrategy[str]:
    """Any value: real ids, odd ones, text, very long text, NUL bytes, and (when the body
    can carry them) unpaired surrogates."""
    lone = st.builds(
        "{}{}{}".format, st.text(max_size=8), st.sampled_from(LONE_SURROGATES), st.text(max_size=8)
    )
    return weighted(
        (3, st.sampled_from(ids.ints).map(str)),
        (3, st.sampled_from(SPECIAL_VALUES)),
        (2, st.text(max_size=40)),
        (2, LONG_VALUES),
        (1, st.builds("{}\x00{}".format, st.text(max_size=10), st.text(max_size=10))),
        (1, st.sampled_from(ids.slugs)),
        (2 if surrogates else 0, lone),
    )


def _form_fields() -> dict[str, list[forms.Field]]:
    """Every field of every form in the project, by name (the URL conf imported them all)."""
    fields, todo = defaultdict(list), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in ("core", "lessons"):
            for name, form_field in getattr(cls, "base_fields", {}).items():
                fields[name].append(form_field)
    return fields


FORM_FIELDS = _form_fields()
FIELD_NAMES = [
    *sorted(FORM_FIELDS),
    # read by views, Django's own forms (login, password reset), the admin's
    *("answers", "go", "preview", "next", "field", "blind", "code", "published", "to"),
    *("password", "new_password1", "new_password2", "old_password", "usable_password"),
    *("post", "_save", "_continue", "action", "_selected_action", "select_across", "index"),
    *("q", "o", "p", "all", "_changelist_filters", "_popup", "_to_field", "csrfmiddlewaretoken"),
]
# Prefixes the views give forms and fields: an answer's "prompt-<pk>", a highlight's
# "h<pk>-note", a key span's "k<pk>-", a prompt's "p<pk>-", an extension's "student-<pk>-".
PREFIXES = ("prompt-{pk}", "h{pk}-{name}", "k{pk}-{name}", "p{pk}-{name}", "prompt-{name}")
PREFIXES += ("student-{pk}-{name}",)


def _plausible_value(name: str, form_field: forms.Field, ids: Ids) -> st.SearchStrategy[str]:
    """A value the field could accept (or nearly)."""
    by_name = {
        "prompt": ids.by_param["prompt_pk"],
        "key_span": ids.by_param["key_pk"],
        "uid": ids.uids,
        "lesson": ids.pks["library.Lesson"],
        "unplaced": ids.ints,
        "paragraph": [0, 1, 2, 3],
        "start": [0, 4, 12, 19, 60],
        "end": [4, 12, 19, 60, 61],
        "occurrence": [1, 2],
        "slug": ["fuzzed-lesson", "alice-lesson"],
        "language": ["en", "fr"],
        "email": ["fuzz@example.org"],
        "username": ["fuzzer", "operator"],
        "password1": ["a-fine-password-42"],
        "password2": ["a-fine-password-42"],
    }
    if name in by_name:
        return st.sampled_from(by_name[name]).map(str)
    if isinstance(form_field, forms.FileField):
        return st.just("")
    if isinstance(form_field, forms.ModelChoiceField):
        label = form_field.queryset.model._meta.label
        real = ids.techniques if label == "library.Technique" else ids.pks.get(label)
        return st.sampled_from(real or ids.ints).map(str)
    if isinstance(form_field, forms.BooleanField):
        return st.sampled_from(("on", ""))
    if isinstance(form_field, forms.DateTimeField):
        return st.sampled_from(("2031-01-01T09:00", "2031-02-01 09:00", "2020-01-01T09:00", ""))
    if isinstance(form_field, forms.DateField):
        return st.sampled_from(("2024-05-01", ""))
    if isinstance(form_field, forms.ChoiceField):
        choices = [str(c[0]) for c in form_field.choices if c[0] not in ("", None)]
        return st.sampled_from(choices or WORDS)
    if isinstance(form_field, forms.IntegerField):
        return st.integers(0, 5).map(str)
    return st.sampled_from(WORDS)


@functools.cache
def _plausible_values(ids: Ids) -> list[tuple[str, st.SearchStrategy[str]]]:
    return [
        (name, st.one_of(*[_plausible_value(name, f, ids) for f in fields]))
        for name, fields in FORM_FIELDS.items()
    ]


@st.composite
def plausible_fields(draw, ids: Ids) -> list[tuple[str, str]]:
    """Every form's fields at once, with values their forms could accept: a view reads its
    own and ignores the rest, so a request can pass validation and reach the write (where a
    missing permission check would show)."""
    pairs = [(name, draw(values)) for name, values in _plausible_values(ids)]
    pairs += [("answers", "1"), ("go", draw(st.sampled_from(("next", "prev", "stay"))))]
    techniques = st.sampled_from(ids.techniques).map(str)
    some = lambda pks: draw(st.lists(st.sampled_from(pks), max_size=4, unique=True))  # noqa: E731
    for pk in some(ids.by_param["prompt_pk"]):
        pairs += [(f"prompt-{pk}", draw(st.one_of(st.sampled_from(WORDS), techniques)))]
        pairs += [(f"p{pk}-kind", draw(st.sampled_from(("highlight", "text", "choose"))))]
        pairs += [(f"p{pk}-text", draw(st.sampled_from(WORDS)))]
    for pk in some(ids.by_param["highlight_pk"]):
        pairs += [(f"h{pk}-technique", draw(techniques)), (f"h{pk}-note", "A note")]
    for pk in some(ids.by_param["key_pk"]):
        pairs += [(f"k{pk}-technique", draw(techniques)), (f"k{pk}-explanation", "Why")]
    for pk in some(ids.by_param["student_pk"]):
        pairs += [(f"student-{pk}-due_at", "2031-03-01T09:00")]
    pairs += [("prompt-kind", "text"), ("prompt-text", "A question?")]
    return pairs


LESSON_FIELDS = ("title", "slug", "author", "place", "language", "level", "audience", "segment")


def lesson_file(which: str, value: str) -> str:
    """The small practice lesson with one field (or a passage's title) set to `value`."""
    source = factories.SMALL_LESSON.format(title="Fuzzed", slug="fuzzed-lesson")
    if which == "segment":
        return source.replace("## Segment: First", f"## Segment: {value}")
    if which == "level":
        return source.replace("\nlanguage: en\n", f"\nlanguage: en\nlevel: {value}\n")
    return re.sub(rf"(?m)^{which}: .*$", lambda _: f"{which}: {value}", source, count=1)


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n, (name, data) in enumerate(files):
            archive.writestr(f"{n}-{name}", data)
    return buffer.getvalue()


@functools.cache
def _files(ids: Ids) -> st.SearchStrategy[list[tuple[str, str, bytes]]]:
    lesson = st.builds(
        lesson_file, st.sampled_from(LESSON_FIELDS), _values(ids, surrogates=True)
    ).map(lambda text: text.encode("utf-8", "surrogatepass"))
    filename = st.sampled_from(
        ("lesson.md", "lessons.zip", "article.txt", "labels.tsv", "", "../../x.md", "é\x00.md")
    )
    data = weighted(
        (4, lesson),
        (2, st.lists(st.tuples(filename, lesson), min_size=1, max_size=3).map(_zip)),
        (1, st.binary(max_size=200)),
        (1, st.just(b"PK\x03\x04" + b"\x00" * 40)),  # a zip's signature, then nothing
    )
    name = st.sampled_from(("file", "article", "labels", "files"))
    return st.lists(st.tuples(name, filename, data), max_size=2)


@functools.cache
def _plausible_files(ids: Ids) -> st.SearchStrategy[list[tuple[str, str, bytes]]]:
    """A file for each file field of the project's forms, as its form expects it, or
    nearly: a lesson file with one field odd (half the time), a corpus article and labels."""
    too_much = _overflowing(ids, surrogates=True)
    odd_lesson = st.builds(lesson_file, st.sampled_from(LESSON_FIELDS), too_much)
    lesson = weighted((1, st.just(lesson_file("title", "Fuzzed"))), (3, odd_lesson))
    article = st.builds("{}\n\n{}\n".format, st.sampled_from(WORDS), _values(ids, surrogates=True))
    label = st.builds(
        "111111111\t{}\t{}\t{}".format,
        st.sampled_from(("Loaded_Language", "Doubt", "x", "")),
        st.sampled_from(("0", "3", "-1", "x", str(10**30))),
        st.sampled_from(("5", "12", "0", "99999")),
    )
    labels = st.lists(label, max_size=3).map("\n".join)
    encoded = lambda text: text.encode("utf-8", "surrogatepass")  # noqa: E731
    return st.tuples(
        st.tuples(st.just("file"), st.just("lesson.md"), lesson.map(encoded)),
        st.tuples(st.just("article"), st.just("article111111111.txt"), article.map(encoded)),
        st.tuples(st.just("labels"), st.just("article111111111.labels"), labels.map(encoded)),
    ).map(list)


def _encode(value: str, charset: str) -> bytes:
    try:
        return value.encode(charset or "utf-8", "surrogatepass")
    except (LookupError, UnicodeError):
        try:
            return value.encode(charset or "utf-8", "backslashreplace")
        except LookupError:
            return value.encode("utf-8", "surrogatepass")


def _multipart(form: Form, charset: str) -> bytes:
    lines = []
    for name, value in form.fields:
        lines += [
            f"--{BOUNDARY}".encode(),
            b'Content-Disposition: form-data; name="' + _encode(name, charset) + b'"',
            b"",
            _encode(value, charset),
        ]
    for name, filename, data in form.files:
        lines += [
            f"--{BOUNDARY}".encode(),
            f'Content-Disposition: form-data; name="{name}"; filename="'.encode()
            + _encode(filename, "utf-8")
            + b'"',
            b"Content-Type: application/octet-stream",
            b"",
            data,
        ]
    lines += [f"--{BOUNDARY}--".encode(), b""]
    return b"\r\n".join(lines)


def _charset_of(content_type: str) -> str:
    match = re.search(r'charset="?([^";]*)', content_type)
    return match[1] if match else "utf-8"


def encode(form: Form, content_type: str) -> bytes:
    """The body of `form` as a browser would send it with this Content-Type (in its charset;
    a charset Python does not know gets UTF-8)."""
    charset = _charset_of(content_type) or "utf-8"
    if content_type.startswith("multipart/"):
        return _multipart(form, charset)
    try:
        return urlencode(form.fields, encoding=charset, errors="replace").encode("ascii")
    except LookupError:
        return urlencode(form.fields).encode("ascii")


BODIES = {  # how often each kind of body is sent, by whether the view takes uploads
    False: ((2, "none"), (8, "plausible"), (3, "form"), (2, "multipart"), (1, "bad"), (1, "raw")),
    True: ((1, "none"), (10, "plausible"), (1, "form"), (2, "multipart"), (1, "bad"), (1, "raw")),
}


@functools.cache
def _overflowing(ids: Ids, *, surrogates: bool) -> st.SearchStrategy[str]:
    """Mostly what a column cannot hold: too long for it, a NUL, half a surrogate pair."""
    return weighted(
        (3, st.builds("x".__mul__, st.sampled_from((11, 51, 61, 101, 121, 151, 201, 301, 5001)))),
        (1, st.builds("{}\x00{}".format, st.text(max_size=5), st.text(max_size=5))),
        (1 if surrogates else 0, st.sampled_from(LONE_SURROGATES)),
        (2, _values(ids, surrogates=surrogates)),
    )


@st.composite
def _bodies(
    draw, ids: Ids, upload: bool = False, focus: tuple[str, ...] = ()
) -> tuple[str | None, bytes, Form | None]:
    """A Content-Type, a body and (for a form) what it holds. `focus`: the fields of the
    view's own form, whose values are the ones made odd, mostly."""
    kind = draw(weighted(*BODIES[upload]))
    if kind == "none":
        return None, b"", None
    if kind == "bad":
        body = draw(st.one_of(st.sampled_from(MALFORMED_BODIES), st.binary(max_size=300)))
        return draw(st.sampled_from(MULTIPART_TYPES)), body, None
    if kind == "raw":
        body = draw(st.one_of(st.binary(max_size=300), st.text(max_size=60).map(str.encode)))
        return draw(st.sampled_from(RAW_TYPES)), body, None
    multipart = kind == "multipart" or (kind == "plausible" and (upload or draw(st.booleans())))
    values = _values(ids, surrogates=multipart)
    if kind == "plausible":
        fields = draw(plausible_fields(ids))
        odd = weighted((1, values), (1, _overflowing(ids, surrogates=multipart)))
        for _ in range(draw(st.integers(0, 2))):  # one or two values made odd
            if focus and draw(weighted((4, True), (1, False))):
                name = draw(st.sampled_from(focus))
                fields = [(n, v) for n, v in fields if n != name] + [(name, draw(odd))]
            else:
                i = draw(st.integers(0, len(fields) - 1))
                fields[i] = (fields[i][0], draw(odd))
    else:
        fields = draw(st.lists(st.tuples(_names(ids), values), max_size=8))
    files = _plausible_files(ids) if kind == "plausible" else _files(ids)
    form = Form(fields=fields, files=draw(files) if multipart else [])
    charset = draw(weighted((6, None), (1, st.sampled_from(CHARSETS))))
    if multipart:
        if charset is None and any(c in v for _, v in fields for c in LONE_SURROGATES):
            charset = "unicode_escape"  # a charset that carries an unpaired surrogate
        content_type = f"multipart/form-data; boundary={BOUNDARY}"
    else:
        content_type = "application/x-www-form-urlencoded"
    if charset is not None:
        content_type += f'; charset="{charset}"' if multipart else f"; charset={charset}"
    return content_type, encode(form, content_type), form


METHODS = {  # how often each method is sent, by what the view answers to
    "any": ((4, "GET"), (5, "POST"), (1, "HEAD"), (1, "PUT"), (1, "DELETE")),
    "POST": ((1, "GET"), (8, "POST"), (1, "HEAD"), (1, "PUT"), (1, "DELETE")),
    "GET": ((6, "GET"), (2, "POST"), (2, "HEAD"), (1, "PUT"), (1, "DELETE")),
}


@st.composite
def requests(
    draw,
    pattern: Pattern,
    persona: str,
    ids: Ids,
    methods: str = "any",
    upload: bool = False,
    focus: tuple[str, ...] = (),
) -> Request:
    request = Request(
        persona=persona,
        method=draw(weighted(*METHODS[methods])),
        path=draw(_paths(pattern, ids)),
    )
    pairs = st.lists(st.tuples(_names(ids), _values(ids, surrogates=False)), max_size=3)
    request.query = draw(
        weighted(
            (5, ""),
            (3, pairs.map(lambda pairs: urlencode([(n, v[:2000]) for n, v in pairs]))),
            (1, st.sampled_from(RAW_QUERIES)),
        )
    )
    request.content_type, request.body, form = draw(_bodies(ids, upload, focus))
    request.form = form
    request.content_length = draw(weighted((9, None), (1, st.sampled_from(LYING_LENGTHS))))
    if draw(st.booleans()):
        request.headers["HTTP_HX_REQUEST"] = "true"
        if draw(st.booleans()):
            request.headers["HTTP_HX_TARGET"] = draw(st.sampled_from(("answers", "x", "")))
            request.headers["HTTP_HX_CURRENT_URL"] = draw(st.sampled_from(("/", "x", "//e.org")))
    if draw(weighted((4, False), (1, True))):
        request.headers["HTTP_ACCEPT_LANGUAGE"] = draw(st.sampled_from(("xx", "*", "é;q=x")))
        request.headers["HTTP_X_FORWARDED_FOR"] = draw(st.sampled_from(("", "x", "1.2.3.4, ::1")))
    request.csrf = draw(
        weighted((12, "exempt"), (4, "header"), (2, "field"), (1, "none"), (1, "bad"))
    )
    if request.csrf == "field" and form is not None:
        form.fields.insert(0, ("csrfmiddlewaretoken", CSRF_TOKEN))  # first, as a browser does
        request.body = encode(form, request.content_type)
    return request


def canonical_path(pattern: Pattern, ids: Ids) -> str:
    """The pattern's URL for class A's objects (`Ids.canonical`)."""
    known = ids.canonical.get(pattern.route.split("/")[0], {})
    parts = []
    for part in pattern.parts:
        if isinstance(part, Param):
            fallback = {"int": ids.by_param.get(part.after, ids.ints)[0], "slug": ids.slugs[0]}
            part = known.get(part.after) or known.get(part.name) or fallback.get(part.kind, "1")
        parts.append(str(part))
    return "/" + "".join(parts)


def canonical_requests(pattern: Pattern, persona: str, ids: Ids) -> list[Request]:
    """A GET, and a POST of a form right for every view (with its CSRF token), of the
    pattern's URL for class A's objects. (Only one of them from anonymous and a teacher to
    the admin, which sends both away alike.)"""
    path = canonical_path(pattern, ids)
    post = Request(persona, "POST", path, content_type="application/x-www-form-urlencoded")
    post.body, post.csrf = urlencode(ids.canonical_fields).encode("ascii"), "header"
    get = Request(persona, "GET", path)
    if pattern.is_admin and persona != "operator":
        return [get] if persona == "anonymous" else [post]
    return [get, post]


def send(request: Request, ids: Ids):
    client = Client(enforce_csrf_checks=request.csrf != "exempt", raise_request_exception=False)
    if request.persona != "anonymous":
        client.cookies[django_settings.SESSION_COOKIE_NAME] = ids.sessions[request.persona]
    extra = {
        "wsgi.input": io.BytesIO(request.body),  # short reads past the body, as a socket gives
        "CONTENT_LENGTH": request.content_length or str(len(request.body)),
        "QUERY_STRING": request.query,
        "HTTP_REFERER": "https://testserver/",
        **request.headers,
    }
    if request.content_type is not None:
        extra["CONTENT_TYPE"] = request.content_type
    if request.csrf != "exempt":
        good = request.csrf != "bad"
        client.cookies[django_settings.CSRF_COOKIE_NAME] = CSRF_TOKEN if good else "bad"
        if request.csrf in ("header", "bad"):
            extra[django_settings.CSRF_HEADER_NAME] = CSRF_TOKEN if good else "x" * 64
    return client.generic(request.method, request.path, secure=True, **extra)


def _traceback(response) -> str:
    if not getattr(response, "exc_info", None):
        return "(no exception recorded)"
    return "".join(traceback.format_exception(*response.exc_info)[-6:])


class Writes:
    """Notes whether a request wrote to a table `snapshot` reads (not, say, a login's
    session or a throttle's count): when it did not, nothing it may not change has changed,
    and no snapshot is needed (a snapshot costs more than the request)."""

    READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "SET", "SHOW", "PRAGMA")

    def __init__(self):
        self.tables = {model._meta.db_table for model in TRACKED}
        self.wrote = False

    def __call__(self, execute, sql, params, many, context):
        if not self.wrote and not sql.lstrip().upper().startswith(self.READS):
            self.wrote = any(table in sql for table in self.tables)
        return execute(sql, params, many, context)


def check(request: Request, ids: Ids, before: State):
    """Send the request in a savepoint (rolled back after it), check what it did, and
    return the response."""
    writes = Writes()
    with transaction.atomic():
        try:
            with connection.execute_wrapper(writes):
                try:
                    response = send(request, ids)
                except Exception:  # out of Django's handler: the WSGI server answers 500
                    raise AssertionError(
                        f"500 for\n{request}\n{traceback.format_exc(-4)}"
                    ) from None
            assert response.status_code < 500, (
                f"{response.status_code} for\n{request}\n{_traceback(response)}"
            )
            after = snapshot() if writes.wrote else before
        finally:
            transaction.set_rollback(True)
    if request.persona != "operator":  # the site's operator may change anything
        changed = forbidden_changes(ids.users.get(request.persona), before, after)
        assert not changed, f"{response.status_code} for\n{request}\nchanged:\n" + "\n".join(
            changed[:10]
        )
    return response


# Server errors found and not fixed yet ----------------------------------------------------


@dataclass(frozen=True)
class Known:
    """A server error the fuzz found: what it is and where its fix belongs, which requests
    cause it, and one of them to reproduce it."""

    reason: str
    matches: Callable[[Request], bool]
    example: Callable[[Ids], Request]
    vendors: tuple[str, ...] = ("postgresql", "sqlite")  # the databases it happens on


def _not_a_text_encoding(request: Request) -> bool:
    charset = _charset_of(request.content_type or "")
    try:
        return not codecs.lookup(charset)._is_text_encoding
    except LookupError:
        return False


# Requests the test client cannot stand for: it builds Django's own WSGIRequest, not through
# the project's WSGI entry point. A Content-Type whose charset is no text encoding fails while
# that request is made; lens/wsgi.py answers it with a 400 before Django sees it
# (test_a_charset_that_is_no_text_encoding_gets_a_400_from_the_wsgi_entry_point below).
KNOWN_SERVER_ERRORS: list[Known] = [
    Known(
        "A Content-Type whose charset Python knows but is no text encoding: answered by "
        "lens.wsgi before Django makes the request, so not sent through the test client.",
        _not_a_text_encoding,
        lambda ids: Request(
            "anonymous", "GET", "/", query="q=1", content_type="text/plain; charset=base64"
        ),
    ),
]


def is_known(request: Request) -> bool:
    return any(known.matches(request) for known in KNOWN_SERVER_ERRORS)


# The tests --------------------------------------------------------------------------------


def _cases():
    for pattern in PATTERNS:
        personas = ADMIN_PERSONAS if pattern.is_admin else dict.fromkeys(PERSONAS, DEEP)
        for persona, examples in personas.items():
            yield pytest.param(pattern, persona, examples, id=f"{pattern.route}-{persona}")


TURNED_AWAY = (401, 403, 404, 405)
FORM_NAME = re.compile(rb'<(?:input|textarea|select)[^>]*\sname="([^"]+)"')


def turned_away(response) -> bool:
    """Whether the view refused the persona before reading the request: 403, 404, 405, or
    a redirect to a login page."""
    location = response.get("Location", "")
    return response.status_code in TURNED_AWAY or (
        response.status_code == 302 and "login/" in location
    )


@pytest.mark.parametrize(("pattern", "persona", "examples"), list(_cases()))
def test_no_request_gets_a_server_error_or_changes_what_is_not_theirs(
    db, fuzz_world, pattern, persona, examples
):
    before = snapshot()
    canonical = [r for r in canonical_requests(pattern, persona, fuzz_world) if not is_known(r)]
    answers = {r.method: check(r, fuzz_world, before) for r in canonical}
    if not examples:
        return
    if all(turned_away(response) for response in answers.values()):
        return
    # Mostly POSTs where the view reads them, GETs where it refuses them; mostly files where
    # its page has a file input; odd values mostly in the fields of the forms on its pages.
    methods = "GET" if answers.get("POST") is None or turned_away(answers["POST"]) else "POST"
    pages = [r.content for r in answers.values() if r.status_code < 500 and not r.streaming]
    upload = any(b'type="file"' in page for page in pages)
    focus = {n.decode() for page in pages for n in FORM_NAME.findall(page)}
    focus = tuple(sorted(focus - {"csrfmiddlewaretoken"}))

    @seed(zlib.crc32(f"{SEED}:{pattern.route}:{persona}".encode()))
    @settings(
        max_examples=examples * SCALE,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(requests(pattern, persona, fuzz_world, methods, upload, focus))
    def fuzz(request):
        assume(not is_known(request))
        check(request, fuzz_world, before)

    fuzz()


def test_every_table_of_the_project_says_who_may_change_it():
    """A new model must be added to TRACKED with its rule in `owners`, or the fuzz would not
    see a persona change it."""
    project = {"core", "library", "work", "authoring", "insights"}
    models = {m for m in apps.get_models(include_auto_created=True) if m._meta.app_label in project}
    assert {m._meta.label for m in models} == {m._meta.label for m in TRACKED}


def test_the_fuzz_walks_every_url_pattern():
    names = {p.name for p in PATTERNS}
    assert {"work:highlight_add", "insights:review_save", "authoring:author_key_delete"} <= names
    assert {"core:join", "library:lesson_publish", "admin:index"} <= names
    assert {"admin/login/", "admin/(?P<url>.*)$"} <= {p.route for p in PATTERNS}
    assert sum(not p.is_admin for p in PATTERNS) >= 60


@pytest.mark.parametrize("charset", ["base64", "rot13", "zlib", "hex", "uu", "quopri", "bz2"])
def test_a_charset_that_is_no_text_encoding_gets_a_400_from_the_wsgi_entry_point(charset):
    from wsgiref.util import setup_testing_defaults

    from lens.wsgi import application, readable_charset

    environ = {"QUERY_STRING": "q=1", "CONTENT_TYPE": f"text/plain; charset={charset}"}
    setup_testing_defaults(environ)
    statuses: list[str] = []
    body = b"".join(application(environ, lambda status, headers: statuses.append(status)))

    assert statuses == ["400 Bad Request"] and b"not a text encoding" in body, body
    # (a request in a text encoding goes on to Django: not sent here, as Django's handler
    # would close the test's database connection when it finishes)
    assert readable_charset("text/plain; charset=utf-8")
    assert readable_charset("text/plain; charset=latin-1")
    assert readable_charset("text/plain")
