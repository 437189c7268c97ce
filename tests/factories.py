"""Small factory functions for tests: no JSON fixtures."""

import itertools
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path

from django.db import models
from django.utils.text import slugify

from core import services as core_services
from core.models import Classroom, Enrollment, School, User
from lessons.insights.models import SubmissionFigures
from lessons.library import services as library_services
from lessons.library.anchoring import locate
from lessons.library.lessonfile import parse_lesson
from lessons.library.models import Lesson, Prompt
from lessons.work import services as work_services
from lessons.work.models import (
    Answer,
    Assignment,
    Highlight,
    Review,
    Submission,
    UnplacedWork,
)

SEED_LESSON = (
    Path(__file__).resolve().parent.parent / "lessons/library/seed/solidarity-resolution-2017.md"
)
_counter = itertools.count(1)

# The front matter of the small lessons tests write (`.format(title=..., slug=...)`).
FRONT_MATTER = """---
title: {title}
slug: {slug}
author: The Ministry of Truthiness (fictional)
date: 2024-05-01
place: Freedonia
audience: Citizens of Freedonia
language: en
taxonomy: semeval-2020
provenance: Written for Lens tests.
---

"""

SMALL_LESSON = (
    FRONT_MATTER
    + """## Introduction

A short *fictional* text for practice.

## Segment: First

Our glorious leader 😀 says the **traitors** will fail. The traitors always fail.

### Prompts

- highlight: Highlight the techniques.
- text: Who are "the traitors"?
- choose: Which techniques are used here?

### Key

- Loaded_Language | "glorious leader" | Praise words that ask for admiration.
- Name_Calling,Labeling | "traitors" | A label instead of an argument.
- Name_Calling,Labeling | "traitors" #2 | The label again.

## Segment: Second

Everyone 𝒜gree𝓈 with us. Join them!

### Prompts

- highlight: Highlight the techniques.
- text: Does "everyone" agree?

### Key

- Bandwagon,Reductio_ad_hitlerum | "Everyone 𝒜gree𝓈 with us" | Claims everyone agrees.
"""
)


def make_teacher(
    name: str = "Teacher",
    *,
    school: School | None = None,
    approved: bool = True,
    is_school_admin: bool = False,
) -> User:
    """A teacher whose e-mail address is confirmed: approved (as if invited by a school's
    admin) unless `approved=False` (signed up, waiting for `school`'s admin)."""
    n = next(_counter)
    return core_services.teacher_register(
        username=f"teacher{n}",
        display_name=name,
        email=f"teacher{n}@example.org",
        password="a-long-teacher-password",
        school=school,
        status=User.Status.APPROVED if approved else User.Status.PENDING,
        is_school_admin=is_school_admin,
        email_verified=True,
    )


def make_school(name: str | None = None) -> School:
    return core_services.school_create(name=name or f"School {next(_counter)}")


def make_student(name: str = "Student", classroom: Classroom | None = None) -> User:
    student = core_services.student_register(display_name=name, password="a-long-password")
    if classroom is not None:
        core_services.student_enroll(classroom=classroom, student=student)
    return student


def make_classroom(teacher: User, name: str = "Class") -> Classroom:
    return core_services.classroom_create(teacher=teacher, name=name)


def make_lesson(source: str | None = None) -> Lesson:
    n = next(_counter)
    source = source or SMALL_LESSON.format(title=f"Practice {n}", slug=f"practice-{n}")
    return library_services.lesson_import(data=parse_lesson(source))


def seed_lesson() -> Lesson:
    existing = Lesson.objects.filter(slug="solidarity-resolution-2017").first()
    if existing:
        return existing
    return library_services.lesson_import(data=parse_lesson(SEED_LESSON.read_text("utf-8")))


def make_assignment(classroom: Classroom, lesson: Lesson | None = None, **kwargs) -> Assignment:
    assignment, _ = work_services.assignment_create(
        classroom=classroom, lesson=lesson or make_lesson(), **kwargs
    )
    return assignment


def make_highlight(
    assignment: Assignment,
    student: User,
    quote: str,
    technique_code: str = "Loaded_Language",
    *,
    position: int = 1,
    occurrence: int | None = None,
    note: str = "",
) -> Highlight:
    """A student's highlight, placed by its quote as a typed quote would be."""
    submission = work_services.submission_for(assignment=assignment, student=student)
    segment = assignment.lesson.segments.get(position=position)
    return work_services.highlight_create(
        submission=submission,
        segment=segment,
        technique=assignment.lesson.taxonomy.techniques.get(code=technique_code),
        anchor=locate(segment.text, quote, occurrence=occurrence),
        note=note,
    )


def make_answer(
    assignment: Assignment,
    student: User,
    prompt: Prompt,
    text: str = "",
    technique_codes: tuple[str, ...] = (),
) -> Answer:
    submission = work_services.submission_for(assignment=assignment, student=student)
    if prompt.kind == Prompt.Kind.CHOOSE:
        techniques = assignment.lesson.taxonomy.techniques.filter(code__in=technique_codes)
        work_services.answers_save(submission=submission, texts={}, choices={prompt: techniques})
    else:
        work_services.answers_save(submission=submission, texts={prompt: text}, choices={})
    return Answer.objects.get(submission=submission, prompt=prompt)


def prompt_of(assignment: Assignment, position: int, kind: str) -> Prompt:
    return Prompt.objects.get(
        segment__lesson=assignment.lesson, segment__position=position, kind=kind
    )


def hand_in(assignment: Assignment, student: User, *, position: int | None = None):
    """The student opens the lesson up to `position` (default: the last passage) and hands in."""
    submission = work_services.submission_for(assignment=assignment, student=student)
    last = position or assignment.lesson.segments.count()
    work_services.submission_move(submission=submission, position=last)
    work_services.submission_submit(submission=submission)
    return submission


def open_at(assignment: Assignment, student: User, position: int):
    """The student has opened the lesson and is at `position`."""
    submission = work_services.submission_for(assignment=assignment, student=student)
    work_services.submission_move(submission=submission, position=position)
    return submission


# Large classes, fast ---------------------------------------------------------------------

# Everything a student's work is made of: rows that belong to one of their submissions (with
# the figures the services store from it: lessons.insights.models.SubmissionFigures).
WORK_MODELS: tuple[type[models.Model], ...] = (
    Highlight,
    Answer,
    Review,
    UnplacedWork,
    SubmissionFigures,
)


def _copy(obj: models.Model, **changes) -> models.Model:
    """An unsaved copy of a row: every column but the primary key, with `changes`."""
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    values.pop(obj._meta.pk.attname)
    values.update(changes)
    return type(obj)(**values)


def copy_work(student: User, students: Iterable[User], assignments: Iterable[Assignment]) -> None:
    """Give each of `students` a copy of `student`'s work on `assignments` (submissions,
    highlights, answers and the techniques they chose, reviews, work not carried over): the
    rows the services wrote for `student`, in a few bulk inserts whatever the number of
    students."""
    students = list(students)
    submissions = list(Submission.objects.filter(student=student, assignment__in=list(assignments)))
    copies = Submission.objects.bulk_create(
        _copy(submission, student_id=other.pk) for other in students for submission in submissions
    )
    copies_of = {s.pk: copies[i :: len(submissions)] for i, s in enumerate(submissions)}
    for model in WORK_MODELS:
        rows = list(model.objects.filter(submission__in=submissions).order_by("pk"))
        made = model.objects.bulk_create(
            _copy(row, submission_id=c.pk) for row in rows for c in copies_of[row.submission_id]
        )
        made_of = {
            row.pk: made[i * len(students) : (i + 1) * len(students)] for i, row in enumerate(rows)
        }
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            through.objects.bulk_create(
                through(**{f"{source}_id": new.pk, f"{target}_id": getattr(link, f"{target}_id")})
                for link in through.objects.filter(**{f"{source}__in": rows})
                for new in made_of[getattr(link, f"{source}_id")]
            )


def copy_student(student: User, classroom: Classroom, names: Iterable[str]) -> list[User]:
    """New students of `classroom`, one per name, each with a copy of `student`'s work in
    the class (copy_work)."""
    users = User.objects.bulk_create(
        _copy(
            student,
            username=f"{slugify(name)[:20].strip('-') or 'student'}-{next(_counter):05d}",
            display_name=name,
            last_login=None,
        )
        for name in names
    )
    Enrollment.objects.bulk_create(Enrollment(classroom=classroom, student=u) for u in users)
    copy_work(student, users, classroom.assignments.all())
    return users


def grow_class(
    classroom: Classroom,
    size: int,
    work: Callable[[User, int], object],
    *,
    kind: Callable[[int], Hashable] = lambda n: None,
    name: str = "Student {n}",
) -> None:
    """Enrol students in `classroom` until it has `size`, student n (counting on from the
    class's size) named `name.format(n=n)`. The first student of each `kind(n)` does
    `work(student, n)` through the services; every other student of that kind gets a copy
    of that student's work (copy_student). So `work` must depend on n only through
    `kind(n)`."""
    first: dict[Hashable, User] = {}
    later: dict[Hashable, list[str]] = {}
    for n in range(classroom.enrollments.count(), size):
        if (k := kind(n)) in first:
            later.setdefault(k, []).append(name.format(n=n))
        else:
            first[k] = make_student(name.format(n=n), classroom)
            work(first[k], n)
    for k, names in later.items():
        copy_student(first[k], classroom, names)
