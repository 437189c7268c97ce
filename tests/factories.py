"""Small factory functions for tests: no JSON fixtures."""

import itertools
from pathlib import Path

from core import services as core_services
from core.models import Classroom, User
from lessons.library import services as library_services
from lessons.library.anchoring import locate
from lessons.library.lessonfile import parse_lesson
from lessons.library.models import Lesson, Prompt
from lessons.work import services as work_services
from lessons.work.models import Answer, Assignment, Highlight

SEED_LESSON = (
    Path(__file__).resolve().parent.parent / "lessons/library/seed/solidarity-resolution-2017.md"
)
_counter = itertools.count(1)

SMALL_LESSON = """---
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

## Introduction

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


def make_teacher(name: str = "Teacher") -> User:
    n = next(_counter)
    return core_services.teacher_register(
        username=f"teacher{n}",
        display_name=name,
        email=f"teacher{n}@example.org",
        password="a-long-teacher-password",
    )


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
