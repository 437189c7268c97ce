"""The operator's admin for users, classes and enrolments."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count

from .models import Classroom, Enrollment, User
from .views import log_failed_login


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login form, logging a refused login like the site's login page does (the
    admin has its own login view)."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if self.request is not None:
                log_failed_login(self.request, self.data.get("username", ""))
            raise


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "email", "role", "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "display_name", "email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Lens", {"fields": ("display_name", "role")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        *DjangoUserAdmin.fieldsets[2:],  # permissions, important dates
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

    @admin.display(description="students", ordering="student_count")
    def student_count(self, classroom: Classroom) -> int:
        return classroom.student_count

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "teacher":
            kwargs["queryset"] = User.objects.filter(role=User.Role.TEACHER)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
