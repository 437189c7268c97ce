"""Large imports, done in the worker (`core.jobs`): a zip of lesson files, or an annotated
corpus article, larger than BACKGROUND_IMPORT_BYTES (smaller ones are imported at once, in
the request). The upload waits in the job's row (`Job.payload`) until the worker reads it.
The lessons and the job's outcome are saved in one transaction (the services' `then`): a
worker killed halfway saves nothing, and a retry imports the upload again from the start."""

from django.core.files.base import ContentFile
from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop, ngettext

from core import jobs
from lessons.library.models import KeySpan, Lesson

from . import services

BACK = gettext_noop("Back to importing")


def _finish(progress: jobs.Progress, lessons: list[Lesson], message: str) -> None:
    url = (
        reverse("authoring:author_lesson", args=[lessons[0].pk])
        if len(lessons) == 1
        else reverse("authoring:author_home")
    )
    label = gettext("Open the draft") if len(lessons) == 1 else gettext("See your drafts")
    progress.finish(message, url=url, label=label)


def _refused(progress: jobs.Progress, problems: list[str], url: str) -> None:
    progress.refuse(gettext("Nothing was imported."), problems, url=url, label=gettext(BACK))


def _import(progress: jobs.Progress) -> None:
    job = progress.job
    upload = ContentFile(bytes(job.payload), name=job.params["name"])

    def then(lessons: list[Lesson]) -> None:
        titles = ", ".join(f"“{lesson.title}”" for lesson in lessons)
        message = ngettext(
            "Imported as your draft: %(titles)s.",
            "Imported as your drafts: %(titles)s.",
            len(lessons),
        )
        _finish(progress, lessons, message % {"titles": titles})

    try:
        services.lessons_import_upload(upload=upload, by=job.owner, report=progress.step, then=then)
    except services.ImportProblems as refusal:
        _refused(progress, refusal.problems, reverse("authoring:author_import"))


def _import_corpus(progress: jobs.Progress) -> None:
    job = progress.job
    params, payload = job.params, bytes(job.payload)
    split = params["article_bytes"]
    article = ContentFile(payload[:split], name=params["article_name"])
    labels = ContentFile(payload[split:], name=params["labels_name"])

    def then(lessons: list[Lesson]) -> None:
        [lesson] = lessons
        _finish(progress, lessons, corpus_draft_made(lesson))

    try:
        services.corpus_article_import(
            article=article,
            labels=labels,
            by=job.owner,
            title=params["title"],
            author=params["author"],
            audience=params["audience"],
            report=progress.step,
            then=then,
        )
    except services.ImportProblems as refusal:
        _refused(progress, refusal.problems, reverse("authoring:author_import_corpus"))


@task
def import_lessons(job_id: str, attempt: int) -> None:
    """A large zip of lesson files (`Job.Kind.IMPORT`)."""
    jobs.run(job_id, attempt, _import)


@task
def import_corpus_article(job_id: str, attempt: int) -> None:
    """A large corpus article and its labels (`Job.Kind.CORPUS`)."""
    jobs.run(job_id, attempt, _import_corpus)


def corpus_draft_made(lesson: Lesson) -> str:
    """What the author is told when a corpus article has become their draft (in the request or
    in the worker)."""
    count = KeySpan.objects.filter(segment__lesson=lesson).count()
    return ngettext(
        "“%(title)s” is your draft, with %(count)s key span from the labels. Write an "
        "explanation for it before you publish it.",
        "“%(title)s” is your draft, with %(count)s key spans from the labels. Write an "
        "explanation for each before you publish it.",
        count,
    ) % {"title": lesson.title, "count": count}
