"""The operator's admin for taxonomies, techniques and lessons.

Lessons are shown, not edited: their HTML is rendered from their Markdown on import, and a
published revision never changes (lessons are written under Write or imported from files).
An unassigned lesson can be deleted; an assigned one is protected by its assignments."""

from django.contrib import admin

from .models import Lesson, Segment, Taxonomy, Technique


@admin.register(Taxonomy)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "source")
    search_fields = ("name", "slug")

    def get_readonly_fields(self, request, obj=None):
        return ("slug",) if obj else ()  # lesson files name their taxonomy by slug


@admin.register(Technique)
class TechniqueAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "category", "taxonomy", "position")
    list_filter = ("taxonomy",)
    list_select_related = ("taxonomy",)
    search_fields = ("name", "code", "category", "definition")

    def get_readonly_fields(self, request, obj=None):
        return ("taxonomy", "code") if obj else ()  # answer keys name techniques by code


class SegmentInline(admin.StackedInline):
    model = Segment
    extra = 0
    fields = ("position", "title", "body", "uid")
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "slug",
        "revision",
        "is_published",
        "replaced_at",
        "taxonomy",
        "created_by",
        "updated_at",
    )
    list_filter = (
        "is_published",
        ("replaced_at", admin.EmptyFieldListFilter),
        "taxonomy",
        "language",
    )
    list_select_related = ("taxonomy", "created_by")
    search_fields = ("title", "slug", "author", "source")
    date_hierarchy = "created_at"
    inlines = [SegmentInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
