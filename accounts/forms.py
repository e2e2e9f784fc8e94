from typing import cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from core.forms import Form, GovukFormMixin


class SignInForm(GovukFormMixin, AuthenticationForm):
    """Email and password. The field is named ``username`` by Django; users see "Email address"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "email", "spellcheck": "false", "type": "email"}
        )
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class ChooseOrganisationForm(Form):
    organisation = forms.TypedChoiceField(
        label="Organisation you are acting for", coerce=int, widget=forms.RadioSelect
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        organisation_field = cast(forms.ChoiceField, self.fields["organisation"])
        organisation_field.choices = [(o.pk, o.name) for o in organisations]
