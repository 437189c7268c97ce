"""Insights keeps each submission's figures (`models.SubmissionFigures`) up to date through the
signals of the apps below it, which import nothing of insights (docs/architecture.md). Each
receiver runs inside the transaction of the write that sent the signal, after its locks: the
figures change with the work, or neither does. Connected in `apps.InsightsConfig.ready`."""

from functools import partial

from django.db import transaction

from lessons.library.signals import draft_changed
from lessons.work.signals import class_moved, highlights_changed

from . import services, tasks


def on_highlights_changed(sender, *, submission_ids, where=None, **kwargs) -> None:
    """A student's highlight was added, edited or deleted (or a repair set some aside): their
    figures, computed again in the same transaction; for one highlight, only around it."""
    if where is not None and len(submission_ids) == 1:
        segment_id, start, end = where
        services.figures_update(
            submission_id=submission_ids[0], segment_id=segment_id, start=start, end=end
        )
    else:
        services.figures_store(submission_ids=submission_ids)


def on_class_moved(sender, *, assignment_id, **kwargs) -> None:
    """A class moved to a new revision, in the move's transaction (in the worker, with the
    class locked): every student's figures against the new key."""
    services.figures_store(assignment_ids=[assignment_id])


def on_draft_changed(sender, *, lesson_id, **kwargs) -> None:
    """A draft's key is changing. Only drafts change, and a class is given a published
    revision, so normally no class is on it; if one is, its figures are forgotten now (the
    pages compute them from the work meanwhile) and stored again by the worker once the
    change is committed: one class's worth of figures is too much for an author's request."""
    for assignment_id in services.figures_forget(lesson_id=lesson_id):
        transaction.on_commit(partial(tasks.figures_rebuild.enqueue, assignment_id), robust=True)


def connect() -> None:
    highlights_changed.connect(on_highlights_changed, dispatch_uid="insights-figures-highlights")
    class_moved.connect(on_class_moved, dispatch_uid="insights-figures-moved")
    draft_changed.connect(on_draft_changed, dispatch_uid="insights-figures-draft")
