"""The operator's admin for users, schools, invitations, classes and enrolments.

The operator creates a school and its first admin here: add the school, add the teacher (or
open their account), and set their school, "school admin", status "Approved" and "e-mail
address confirmed". Or, from the command line, `manage.py create_school`, which prints an
invitation link for the admin to choose their own login and password."""

from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Classroom, Enrollment, Invitation, School, User
from .views import failed_login

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _StudentCount(TypedDict):
    student_count: int


class _TeacherCount(TypedDict):
    teacher_count: int


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login form, logging and counting a refused login like the site's login page
    does (the admin has its own login view)."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if self.request is not None:
                failed_login(self.request, self.data.get("username", ""))
            raise


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "email",
        "role",
        "status",
        "school",
        "is_school_admin",
        "is_staff",
        "is_active",
    )
    list_filter = ("role", "status", "is_school_admin", "is_staff", "is_superuser", "is_active")
    list_select_related = ("school",)
    search_fields = ("username", "display_name", "email", "first_name", "last_name")
    autocomplete_fields = ("school",)
    actions = ["approve_teachers"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Lens", {"fields": ("display_name", "role")}),
        (
            _("Teacher"),
            {"fields": ("status", "school", "is_school_admin", "email_verified")},
        ),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        # permissions, important dates (the stubs type `fieldsets` Optional, as on any
        # ModelAdmin; Django's UserAdmin always sets a tuple)
        *DjangoUserAdmin.fieldsets[2:],  # type: ignore[index]
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "display_name",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    @admin.action(description=_("Approve the selected teachers"))
    def approve_teachers(self, request, queryset) -> None:
        count = queryset.filter(role=User.Role.TEACHER).update(status=User.Status.APPROVED)
        self.message_user(
            request,
            ngettext("%(count)d teacher approved.", "%(count)d teachers approved.", count)
            % {"count": count},
        )


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("name", "teacher_count", "created_at")
    search_fields = ("name",)
    readonly_fields = ("created_at",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(teacher_count=Count("teachers", filter=Q(teachers__role=User.Role.TEACHER)))
        )

    @admin.display(description=_("teachers"), ordering="teacher_count")
    def teacher_count(self, school: "WithAnnotations[School, _TeacherCount]") -> int:
        return school.teacher_count


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are made by school admins (their school's page) and `create_school`: the
    link's token is shown once, in the e-mail or on the console, and only its hash is kept.
    Here they are listed, and deleted to withdraw one."""

    list_display = (
        "email",
        "school",
        "as_admin",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
    )
    list_select_related = ("school", "invited_by")
    list_filter = ("as_admin",)
    search_fields = ("email", "school__name")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class EnrollmentInline(admin.TabularInline):
    """Enrolled students are listed and can be removed; a new row enrols someone."""

    model = Enrollment
    extra = 0
    fields = ("student", "joined_at")
    readonly_fields = ("joined_at",)
    autocomplete_fields = ("student",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # an enrolment is a student in a class: remove it, or add another

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("student")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "student":
            kwargs["queryset"] = User.objects.filter(role=User.Role.STUDENT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ("name", "teacher", "join_code", "student_count", "created_at")
    list_select_related = ("teacher",)
    search_fields = ("name", "join_code", "teacher__username", "teacher__display_name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("teacher",)
    readonly_fields = ("join_code", "created_at", "updated_at")
    inlines = [EnrollmentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(student_count=Count("enrollments"))

    @admin.display(description=_("students"), ordering="student_count")
    def student_count(self, classroom: "WithAnnotations[Classroom, _StudentCount]") -> int:
        return classroom.student_count

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "teacher":
            kwargs["queryset"] = User.objects.filter(role=User.Role.TEACHER)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
