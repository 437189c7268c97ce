from collections.abc import Iterator

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from .models import Classroom, School, User, normalize_join_code


class JoinCodeField(forms.CharField):
    """A class code as typed: any case, with or without hyphens or spaces."""

    def to_python(self, value):
        return normalize_join_code(super().to_python(value) or "")


class JoinForm(forms.Form):
    """A signed-in student joins another class with its code."""

    code = JoinCodeField(
        label=_("Class code"),
        max_length=40,  # as typed, with its hyphens or spaces
        help_text=_("Ten letters and numbers from your teacher, with or without the hyphens."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_code(self):
        code = self.cleaned_data["code"]
        self.classroom = Classroom.objects.filter(join_code=code).select_related("teacher").first()
        if self.classroom is None:
            raise forms.ValidationError(
                _("No class has this code. Check it with your teacher: codes have no O, 0, I or 1.")
            )
        return code


class NewStudentForm(JoinForm):
    """An anonymous student joins a class and gets an account: no e-mail needed."""

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=60,
        help_text=_("As your teacher knows you, e.g. “Amira K.”"),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        help_text=_("At least 8 characters."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_display_name(self):
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif p1:
            try:
                password_validation.validate_password(
                    p1, User(display_name=cleaned.get("display_name", ""))
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class TeacherSignupForm(forms.ModelForm):
    """A teacher signs up: the account waits for the admin of the school they name (if their
    school is not listed, for the operator), and signs in once the e-mail address is
    confirmed."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "email", "school"]
        labels = {
            "display_name": _("Name shown to students"),
            "email": _("E-mail"),
            "school": _("School"),
        }
        help_texts = {
            "email": _("We send a link to this address: open it to confirm it, then log in."),
            "school": _(
                "Its admin approves your account. Until then you can write lessons, "
                "but you do not see other authors' answer keys and cannot assign lessons."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["display_name"].required = True
        school = self.fields["school"]
        assert isinstance(school, forms.ModelChoiceField)
        school.queryset = School.objects.order_by("name")
        school.empty_label = _("My school is not listed")
        if not school.queryset.exists():
            del self.fields["school"]

    def clean_password1(self):
        password = self.cleaned_data["password1"]
        user = User(
            username=self.data.get("username", ""), display_name=self.data.get("display_name", "")
        )
        password_validation.validate_password(password, user)
        return password


class LoginForm(AuthenticationForm):
    """The login form. A teacher who has not confirmed their e-mail address yet gets a message
    saying so (only after the right password: it tells nothing to anyone else)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "unverified": _(
            "Confirm your e-mail address first: open the link we sent you when you "
            "signed up. We have just sent it again."
        ),
    }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if user.is_teacher and not user.email_verified:
            self.unverified_user = user
            raise forms.ValidationError(self.error_messages["unverified"], code="unverified")


class InviteForm(forms.Form):
    """A school admin invites a teacher by e-mail."""

    email = forms.EmailField(
        label=_("Teacher's e-mail address"),
        max_length=254,  # Invitation.email's column
        help_text=_(
            "We send them a link that works once, for seven days: on it they choose a "
            "username and a password, and they are a teacher of your school."
        ),
    )
    as_admin = forms.BooleanField(
        label=_("Make them an admin of the school too"), required=False, initial=False
    )


class InvitationAcceptForm(forms.ModelForm):
    """The invited teacher chooses a login, a name and a password."""

    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = User
        fields = ["username", "display_name"]
        labels = {"display_name": _("Name shown to students")}

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["display_name"].required = True

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif p1:
            user = User(
                username=cleaned.get("username", ""),
                display_name=cleaned.get("display_name", ""),
                email=self.email,
            )
            try:
                password_validation.validate_password(p1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ClassroomForm(forms.ModelForm):
    class Meta:
        model = Classroom
        fields = ["name"]
        labels = {"name": _("Class name")}
        help_texts = {"name": _("For example “10B Media Studies”.")}


class TeacherPasswordResetForm(PasswordResetForm):
    """Asks for the e-mail address of a teacher's account. Students have no e-mail address in
    Lens and keep the password their teacher gives them: a request that names a student's
    account (were one ever to have an address) sends nothing, and the page says the same as
    for any address, so it tells nobody which addresses have an account."""

    def get_users(self, email: str) -> Iterator[User]:
        return (user for user in super().get_users(email) if user.is_teacher)


class LanguageForm(forms.Form):
    """The switcher on every page: the language of Lens's pages, and where to go back to."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=2000)
