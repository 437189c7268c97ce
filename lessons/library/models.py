import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .textmap import TextMap

CONTEXT_LENGTH = 32  # characters of prefix and suffix kept with every quote


def catalogue_text(text: str) -> str:
    """`text`, a taxonomy's wording as stored, in the active language: the catalogue's
    translation of the words `migrations/0002_taxonomies.py` loaded (it marks them for
    `makemessages`), or `text` itself when the catalogue does not have it (words an operator
    edited in the admin show as written). Every page that shows a technique or a taxonomy
    reads it through here, at the time it is shown."""
    return gettext(text) if text else text  # gettext("") is the catalogue's header


class Taxonomy(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    source = models.TextField()
    description = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "taxonomies"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("library:taxonomy", args=[self.slug])

    # What pages show: the stored words in the reader's language (`catalogue_text`). The
    # source is a bibliography and stays as written.
    @property
    def display_name(self) -> str:
        return catalogue_text(self.name)

    @property
    def display_description(self) -> str:
        return catalogue_text(self.description)


class Technique(models.Model):
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.CASCADE, related_name="techniques")
    code = models.CharField(max_length=60, help_text="The ID used by the research corpora.")
    name = models.CharField(max_length=80)
    category = models.CharField(max_length=60, blank=True)
    definition = models.TextField()
    example = models.TextField()
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["taxonomy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["taxonomy", "code"], name="technique_code_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def anchor(self) -> str:
        return f"technique-{self.pk}"

    # What pages show: the stored words in the reader's language (`catalogue_text`). The
    # code is the research corpora's ID and stays as written.
    @property
    def display_name(self) -> str:
        return catalogue_text(self.name)

    @property
    def display_category(self) -> str:
        return catalogue_text(self.category)

    @property
    def display_definition(self) -> str:
        return catalogue_text(self.definition)

    @property
    def display_example(self) -> str:
        return catalogue_text(self.example)


class LessonQuerySet(models.QuerySet):
    def published(self):
        """Lessons teachers can assign: published, and not replaced by a later revision."""
        return self.filter(is_published=True, replaced_at__isnull=True)


class Lesson(models.Model):
    """One revision of a lesson. A published revision is never changed: editing it makes a
    draft of the next revision (same slug, same `root`), and publishing that draft marks this
    one replaced. Assignments stay on the revision they were given until a teacher moves them."""

    slug = models.SlugField()
    revision = models.PositiveSmallIntegerField(default=1)
    root = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="later_revisions",
        help_text="The first revision of this lesson (empty on the first revision itself).",
    )
    replaced_at = models.DateTimeField(
        null=True, blank=True, help_text="When a later revision was published."
    )
    title = models.CharField(max_length=200)
    author = models.CharField(max_length=200, help_text="Who wrote the source text.")
    date = models.DateField(null=True, blank=True, help_text="When the source text appeared.")
    place = models.CharField(max_length=120, blank=True)
    audience = models.CharField(max_length=300, help_text="For whom the text was written.")
    source = models.CharField(max_length=300, blank=True, help_text="Where it was published.")
    language = models.CharField(max_length=10, default="en")
    level = models.CharField(max_length=60, blank=True)
    provenance = models.TextField(help_text="Where the text comes from and how it is presented.")
    introduction = models.TextField(help_text="Markdown shown to students before the text.")
    introduction_html = models.TextField(editable=False)
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.PROTECT, related_name="lessons")
    is_published = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lessons_authored",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "revision"], name="lesson_slug_revision"),
            models.UniqueConstraint(
                fields=["slug"], condition=Q(root__isnull=True), name="lesson_slug_unique_root"
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="lesson_revision_pos"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def lineage_id(self) -> int:
        """The id shared by every revision of this lesson (the first revision's)."""
        return self.root_id or self.pk

    @property
    def is_replaced(self) -> bool:
        return self.replaced_at is not None


class Segment(models.Model):
    """One passage of a lesson's text. `text` is the plain text students highlight in:
    exactly the text content of `body_html`, so offsets mean the same on both sides."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="segments")
    uid = models.UUIDField(
        default=uuid.uuid4, editable=False, help_text="The same passage in every revision."
    )
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=120, blank=True)
    body = models.TextField(help_text="Markdown source.")
    body_html = models.TextField(editable=False)
    text = models.TextField(editable=False)
    origin = models.JSONField(
        null=True,
        blank=True,
        editable=False,
        help_text=(
            "Where each character of `text` came from: a TextMap (lessons/library/textmap.py) "
            "into the passages of the revision this draft was copied from. Null when no "
            "correspondence is known (a first revision, an imported lesson); [] when every "
            "character is new."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["lesson", "position"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "position"], name="segment_position_unique"),
            models.CheckConstraint(condition=Q(position__gte=1), name="segment_position_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.lesson} §{self.position}"

    @property
    def text_map(self) -> TextMap | None:
        """`origin` read as a TextMap (None when no correspondence is known)."""
        return TextMap.from_json(self.origin)


class Prompt(models.Model):
    class Kind(models.TextChoices):
        HIGHLIGHT = "highlight", _("Highlight the techniques")
        TEXT = "text", _("Written answer")
        CHOOSE = "choose", _("Choose the techniques")

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="prompts")
    uid = models.UUIDField(
        default=uuid.uuid4, editable=False, help_text="The same prompt in every revision."
    )
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["segment", "position"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "position"], name="prompt_position_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=["highlight", "text", "choose"]), name="prompt_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_answerable(self) -> bool:
        """Highlight prompts are answered by highlights, not by an Answer row."""
        return self.kind != self.Kind.HIGHLIGHT


class TextSpan(models.Model):
    """Characters [start, end) of a segment's plain text, in Unicode code points."""

    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()

    class Meta:
        abstract = True


class KeySpan(TextSpan):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="key_spans")
    uid = models.UUIDField(
        default=uuid.uuid4, editable=False, help_text="The same key span in every revision."
    )
    technique = models.ForeignKey(Technique, on_delete=models.PROTECT, related_name="+")
    explanation = models.TextField()
    position = models.PositiveSmallIntegerField(help_text="Order within the segment's key.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["segment", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="keyspan_nonempty"),
        ]

    def __str__(self) -> str:
        return f"{self.technique.code}: {self.quote}"
