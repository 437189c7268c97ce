"""The operator's admin for LMS integration. django-lti's own admin has the registrations
(issuer, client ID, endpoints, key set URL) with their deployments; here, which school each
belongs to, Lens's signing keys, and what launches made (accounts, courses, linked lessons and
the grades sent)."""

from django.contrib import admin
from lti_tool.models import Key

from . import services
from .models import Course, GradeSend, LinkedLesson, LmsAccount, Platform


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("registration", "school", "created_at")
    list_select_related = ("registration", "school")
    search_fields = ("registration__name", "registration__issuer", "school__name")
    autocomplete_fields = ("school",)

    def save_model(self, request, obj, form, change):
        services.keys_ensure()  # the key set URL must have a key to show
        super().save_model(request, obj, form, change)


class KeyAdmin(admin.ModelAdmin):
    """Lens's signing keys: the newest published key signs. `manage.py lti_rotate_keys`
    makes a new one and retires old ones; the private key is never shown."""

    list_display = ("__str__", "is_active", "datetime_created")
    fields = ("public_key", "is_active", "datetime_created")
    readonly_fields = ("public_key", "datetime_created")

    def has_add_permission(self, request):
        return False


admin.site.register(Key, KeyAdmin)


@admin.register(LmsAccount)
class LmsAccountAdmin(admin.ModelAdmin):
    list_display = ("subject", "user", "platform", "last_launch_at")
    list_select_related = ("user", "platform__registration", "platform__school")
    search_fields = ("subject", "user__username", "user__display_name")
    raw_id_fields = ("user",)


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "classroom", "platform", "roster_synced_at", "roster_message")
    list_select_related = ("classroom", "platform__registration", "platform__school")
    search_fields = ("title", "context_id", "classroom__name")
    raw_id_fields = ("classroom", "deployment")


@admin.register(LinkedLesson)
class LinkedLessonAdmin(admin.ModelAdmin):
    list_display = ("assignment", "course", "grade_source", "last_run_at", "last_run_message")
    list_select_related = ("assignment__lesson", "assignment__classroom", "course")
    raw_id_fields = ("course", "assignment")


@admin.register(GradeSend)
class GradeSendAdmin(admin.ModelAdmin):
    list_display = ("student", "link", "score_given", "score_maximum", "status", "tried_at")
    list_filter = ("status",)
    list_select_related = (
        "student",
        "link__assignment__lesson",
        "link__assignment__classroom",
        "link__course",
    )
    raw_id_fields = ("link", "student")
