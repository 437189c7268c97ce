"""What insights keeps: each submission's figures against the answer key, so that the class
dashboard and the exports add them up instead of scoring the whole class on every request.

A `SubmissionFigures` row is written in the same transaction as every write that changes the
submission's highlights (`lessons.insights.receivers`, on the signals of `lessons.work`), and
for a whole class when it moves to a new revision. A row that is missing, was computed
against another revision, or by an older `FIGURES_VERSION` of the computation is stale: the
pages compute those students' figures from their highlights instead (a GET writes nothing),
and `manage.py rebuild_figures` or the worker (`tasks.figures_rebuild`) stores them again."""

from django.db import models

# The version of `lessons.insights.figures.figures_of`: change it when the figures it computes
# change, and every row stored before is stale until it is rebuilt. 2: the figures are made of
# parts (`parts`), kept up to date write by write.
FIGURES_VERSION = 2


class SubmissionFigures(models.Model):
    """One submission's figures, as `lessons.insights.figures.figures_of` computes them from
    its highlights and the answer key of `lesson` (the revision its class was on)."""

    submission = models.OneToOneField(
        "work.Submission", on_delete=models.CASCADE, primary_key=True, related_name="figures"
    )
    lesson = models.ForeignKey(
        "library.Lesson",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The revision whose answer key the figures were computed against.",
    )
    version = models.PositiveSmallIntegerField(default=FIGURES_VERSION)
    highlight_count = models.PositiveIntegerField(default=0)
    # `scoring.Scores` of the student's highlights against the key (as `scoring.score`)...
    precision = models.FloatField(default=0)
    recall = models.FloatField(default=0)
    f1 = models.FloatField(default=0)
    student_count = models.PositiveIntegerField(default=0, help_text="|S|, after merging.")
    key_count = models.PositiveIntegerField(default=0, help_text="|T|, after merging.")
    # ... and counting only where the techniques are (as `scoring.score_spans_only`).
    spans_precision = models.FloatField(default=0)
    spans_recall = models.FloatField(default=0)
    spans_f1 = models.FloatField(default=0)
    spans_student_count = models.PositiveIntegerField(default=0)
    spans_key_count = models.PositiveIntegerField(default=0)
    detail = models.JSONField(
        default=dict,
        help_text="found, other: ids of the key spans found, and highlighted with another "
        "technique only; confusion: [key technique id, chosen technique id, count] (0: none); "
        "coverage: passage id -> start, end, ... of what they highlighted, merged; "
        "per_passage: passage id -> highlights there (`lessons.insights.figures.Figures`).",
    )
    parts = models.JSONField(
        default=list,
        help_text="The figures stretch by stretch of text (`lessons.insights.figures.parts_of`): "
        "a write computes anew the parts around its words and adds them up with the others. "
        "Read by writes only, never by pages.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "submission figures"

    def __str__(self) -> str:
        return f"Figures of submission {self.submission_id}"
