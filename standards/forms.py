"""Forms for the network code's pages. They parse input; the services decide."""

import datetime
import re
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings

from core.forms import Form
from core.limits import MAX_COMMENT_LENGTH
from standards.models import Domain, ProposalAction, Standard, VoteChoice


def organisation_field(organisations, label: str, help_text: str = "") -> forms.ChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[(o.pk, o.name) for o in organisations],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=help_text,
    )


class ProposalForm(Form):
    action = forms.ChoiceField(
        label="What do you propose?",
        choices=ProposalAction.choices,
        widget=forms.RadioSelect,
    )
    standard = forms.ModelChoiceField(
        label="Standard to revise or abolish",
        queryset=Standard.objects.in_force().order_by("reference"),
        to_field_name="reference",
        required=False,
        empty_label="Choose a standard",
        help_text="Leave empty when establishing a new standard.",
    )
    proposed_reference = forms.CharField(
        label="New standard's reference",
        required=False,
        max_length=20,
        help_text="For a new standard only, for example NC-BWV-001.",
    )
    proposed_title = forms.CharField(
        label="New standard's title",
        required=False,
        max_length=200,
        help_text="For a new standard only.",
    )
    proposed_domain = forms.ChoiceField(
        label="New standard's domain",
        choices=[("", "Choose a domain"), *Domain.choices],
        required=False,
        help_text="For a new standard only.",
    )
    title = forms.CharField(label="Title of the proposal", max_length=200)
    text = forms.CharField(
        label="Proposed text of the standard",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=(
            "In Markdown: ## for headings, **bold**, - for lists. For a revision, the whole "
            "new text (it is compared with the current version). Leave empty to abolish."
        ),
    )
    rationale = forms.CharField(
        label="Why is this needed?",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Delegates read this before they vote.",
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = list(organisations)
        if len(self.organisations) > 1:
            self.fields["organisation"] = organisation_field(
                self.organisations, "Propose on behalf of"
            )
            self.fields["organisation"].widget.attrs["class"] = "govuk-radios__input"

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        chosen = data.pop("organisation", None)
        data["organisation"] = next((o for o in self.organisations if o.pk == chosen), None)
        return data


TIME_PATTERN = re.compile(r"^(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)$")


class WindowForm(Form):
    """When a consultation or vote closes: a GOV.UK date input and a time of day."""

    day = forms.IntegerField(label="Day", min_value=1, max_value=31)
    month = forms.IntegerField(label="Month", min_value=1, max_value=12)
    year = forms.IntegerField(label="Year", min_value=2000, max_value=2100)
    time = forms.CharField(
        label="Time",
        initial="17:00",
        max_length=5,
        help_text="24-hour clock, UK time, for example 17:00.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("day", "month"):
            self.fields[name].widget.attrs.update(
                {"class": "govuk-input govuk-date-input__input govuk-input--width-2"}
            )
        self.fields["year"].widget.attrs.update(
            {"class": "govuk-input govuk-date-input__input govuk-input--width-4"}
        )
        self.fields["time"].widget.attrs.update({"class": "govuk-input govuk-input--width-5"})
        for field in self.fields.values():
            field.widget.attrs["inputmode"] = "numeric"
        self.fields["time"].widget.attrs["inputmode"] = "text"

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        day, month, year = cleaned.get("day"), cleaned.get("month"), cleaned.get("year")
        match = TIME_PATTERN.match((cleaned.get("time") or "").strip())
        if not match:
            self.add_error("time", "Enter a time like 17:00.")
        if day is None or month is None or year is None or not match:
            if "day" not in self.errors and None in (day, month, year):
                self.add_error("day", "Enter a real date, for example 27 3 2027.")
            return cleaned
        try:
            date = datetime.date(year, month, day)
        except ValueError:
            self.add_error("day", "Enter a real date, for example 27 3 2027.")
            return cleaned
        moment = datetime.datetime.combine(
            date,
            datetime.time(int(match["hour"]), int(match["minute"])),
            tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE),
        )
        cleaned["closes_at"] = moment
        return cleaned


class CloseForm(Form):
    reason = forms.CharField(
        label="Reason for closing the vote now",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required if voting has not yet reached its closing time.",
    )


class CommentForm(Form):
    body = forms.CharField(
        label="Your comment",
        max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Comments are published with your name and force.",
    )

    def __init__(self, *args, forces=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.forces = list(forces)
        if len(self.forces) > 1:
            self.fields["organisation"] = organisation_field(self.forces, "Comment for")
            self.fields["organisation"].widget.attrs["class"] = "govuk-radios__input"

    def organisation(self):
        chosen = self.cleaned_data.get("organisation")
        return next((f for f in self.forces if f.pk == chosen), None)


class BallotForm(Form):
    choice = forms.ChoiceField(
        label="Your force's vote", choices=VoteChoice.choices, widget=forms.RadioSelect
    )
    force = forms.IntegerField(widget=forms.HiddenInput)
