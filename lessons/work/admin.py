"""The operator's admin for assignments and students' work.

Students' work (submissions, highlights, answers, reviews, revision moves and what a move could
not place) is shown and never added, changed or deleted here: it is the students' and their
teachers' record. Because the admin refuses to delete it, it also refuses to delete anything
whose deletion would take work with it (a student, a class, an assignment with submissions):
a student's data is deleted by their teacher or their school's admin, in Lens, which records
it in the audit log. The audit log is shown here read-only too."""

from django.contrib import admin
from django.template.defaultfilters import truncatechars

from .models import (
    Answer,
    Assignment,
    AuditEvent,
    Highlight,
    Review,
    RevisionMove,
    Submission,
    UnplacedWork,
)

# What a submission's name (`student on lesson for class`) reads, in one join.
SUBMISSION_NAME = (
    "submission__student",
    "submission__assignment__lesson",
    "submission__assignment__classroom",
)


class ReadOnly:
    """Shown, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Dates and the feedback rule can be corrected; the class and the lesson revision are
    fixed (moving a class to a new revision re-places its work: the dashboard does that)."""

    list_display = (
        "lesson",
        "classroom",
        "teacher",
        "opens_at",
        "due_at",
        "feedback_release",
        "created_at",
    )
    list_filter = ("feedback_release",)
    list_select_related = ("lesson", "classroom__teacher")
    search_fields = ("lesson__title", "lesson__slug", "classroom__name", "classroom__join_code")
    date_hierarchy = "created_at"
    readonly_fields = ("classroom", "lesson", "created_at", "updated_at")

    def has_add_permission(self, request) -> bool:
        return False  # teachers assign lessons from their class page

    @admin.display(ordering="classroom__teacher__display_name")
    def teacher(self, assignment: Assignment):
        return assignment.classroom.teacher


class HighlightInline(ReadOnly, admin.TabularInline):
    model = Highlight
    fields = ("segment", "technique", "quote", "start", "end", "note")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("segment__lesson", "technique")


class AnswerInline(ReadOnly, admin.TabularInline):
    model = Answer
    fields = ("prompt", "text", "techniques", "updated_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("prompt").prefetch_related("techniques")


@admin.register(Submission)
class SubmissionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("student", "assignment", "position", "reached", "submitted_at", "updated_at")
    list_filter = (("submitted_at", admin.EmptyFieldListFilter),)
    list_select_related = ("student", "assignment__lesson", "assignment__classroom")
    search_fields = (
        "student__username",
        "student__display_name",
        "assignment__lesson__title",
        "assignment__classroom__name",
    )
    date_hierarchy = "started_at"
    inlines = [HighlightInline, AnswerInline]


@admin.register(Highlight)
class HighlightAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("short_quote", "technique", "student", "segment", "created_at")
    list_select_related = ("submission__student", "technique", "segment__lesson")
    search_fields = ("quote", "note", "submission__student__username", "technique__code")
    date_hierarchy = "created_at"

    @admin.display(description="quote")
    def short_quote(self, highlight: Highlight) -> str:
        return truncatechars(highlight.quote, 60)

    @admin.display(ordering="submission__student__display_name")
    def student(self, highlight: Highlight):
        return highlight.submission.student


@admin.register(Answer)
class AnswerAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("student", "short_prompt", "short_text", "updated_at")
    list_select_related = ("submission__student", "prompt")
    search_fields = ("text", "submission__student__username", "prompt__text")
    date_hierarchy = "updated_at"

    @admin.display(ordering="submission__student__display_name")
    def student(self, answer: Answer):
        return answer.submission.student

    @admin.display(description="prompt")
    def short_prompt(self, answer: Answer) -> str:
        return truncatechars(answer.prompt.text, 60)

    @admin.display(description="answer")
    def short_text(self, answer: Answer) -> str:
        return truncatechars(answer.text, 60)


@admin.register(Review)
class ReviewAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("submission", "target", "score", "reviewer", "reviewed_at")
    list_filter = (("reviewed_at", admin.EmptyFieldListFilter),)
    list_select_related = (*SUBMISSION_NAME, "prompt", "key_span__technique", "reviewer")
    search_fields = ("comment", "submission__student__username", "reviewer__username")

    @admin.display(description="on")
    def target(self, review: Review) -> str:
        if review.prompt is not None:
            return truncatechars(review.prompt.text, 60)
        if review.key_span is not None:
            return truncatechars(str(review.key_span), 60)
        return "the whole submission"


class UnplacedWorkInline(ReadOnly, admin.TabularInline):
    model = UnplacedWork
    fields = ("submission", "kind", "reason", "segment_position", "quote", "text")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*SUBMISSION_NAME)


@admin.register(RevisionMove)
class RevisionMoveAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("assignment", "from_revision", "to_revision", "moved_by", "moved_at", "placed")
    list_select_related = (
        "assignment__lesson",
        "assignment__classroom",
        "from_lesson",
        "to_lesson",
        "moved_by",
    )
    search_fields = ("assignment__lesson__title", "assignment__classroom__name")
    date_hierarchy = "moved_at"
    inlines = [UnplacedWorkInline]

    @admin.display(ordering="from_lesson__revision")
    def from_revision(self, move: RevisionMove) -> int:
        return move.from_lesson.revision

    @admin.display(ordering="to_lesson__revision")
    def to_revision(self, move: RevisionMove) -> int:
        return move.to_lesson.revision


@admin.register(UnplacedWork)
class UnplacedWorkAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("kind", "student", "reason", "segment_position", "short_quote", "created_at")
    list_filter = ("kind",)
    list_select_related = ("submission__student",)
    search_fields = ("reason", "quote", "text", "submission__student__username")
    date_hierarchy = "created_at"

    @admin.display(ordering="submission__student__display_name")
    def student(self, unplaced: UnplacedWork):
        return unplaced.submission.student

    @admin.display(description="quote")
    def short_quote(self, unplaced: UnplacedWork) -> str:
        return truncatechars(unplaced.quote, 60)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnly, admin.ModelAdmin):
    """Who viewed, exported, changed or deleted students' work: the record is never edited."""

    list_display = ("at", "actor_name", "action", "student_label", "classroom", "detail")
    list_filter = ("action",)
    list_select_related = ("student", "classroom")
    search_fields = ("actor_name", "detail", "student__username", "student__display_name")
    date_hierarchy = "at"

    @admin.display(description="student", ordering="student__display_name")
    def student_label(self, event: AuditEvent) -> str:
        if event.student is not None:
            return str(event.student)
        if event.student_ref is not None:
            return f"deleted student no. {event.student_ref}"
        return "the whole class"
