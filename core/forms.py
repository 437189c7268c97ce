from django import forms
from django.contrib.auth import password_validation

from .models import Classroom, User, normalize_join_code


class JoinCodeField(forms.CharField):
    def to_python(self, value):
        return normalize_join_code(super().to_python(value) or "")


class JoinForm(forms.Form):
    """A signed-in student joins another class with its code."""

    code = JoinCodeField(
        label="Class code",
        max_length=12,
        help_text="Six letters and numbers, from your teacher.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_code(self):
        code = self.cleaned_data["code"]
        self.classroom = Classroom.objects.filter(join_code=code).select_related("teacher").first()
        if self.classroom is None:
            raise forms.ValidationError(
                "No class has this code. Check it with your teacher: codes have no O, 0, I or 1."
            )
        return code


class NewStudentForm(JoinForm):
    """An anonymous student joins a class and gets an account: no e-mail needed."""

    display_name = forms.CharField(
        label="Your name",
        max_length=60,
        help_text="As your teacher knows you, e.g. “Amira K.”",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        help_text="At least 8 characters.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_display_name(self):
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError("Enter your name.")
        return name

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords are not the same.")
        elif p1:
            try:
                password_validation.validate_password(
                    p1, User(display_name=cleaned.get("display_name", ""))
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class TeacherSignupForm(forms.ModelForm):
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "email"]
        labels = {"display_name": "Name shown to students", "email": "E-mail"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["display_name"].required = True

    def clean_password1(self):
        password = self.cleaned_data["password1"]
        user = User(
            username=self.data.get("username", ""), display_name=self.data.get("display_name", "")
        )
        password_validation.validate_password(password, user)
        return password


class ClassroomForm(forms.ModelForm):
    class Meta:
        model = Classroom
        fields = ["name"]
        labels = {"name": "Class name"}
        help_texts = {"name": "For example “10B Media Studies”."}
