from django import forms

from core.forms import Form
from core.limits import MAX_NOTE_LENGTH, MAX_QUANTITY_PER_FORCE

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class ParticipationForm(Form):
    quantity = forms.IntegerField(
        label="Quantity",
        min_value=1,
        max_value=MAX_QUANTITY_PER_FORCE,
        help_text="How many units your force needs.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-10"}),
        error_messages={
            "required": "Enter the quantity your force needs.",
            "invalid": "Enter the quantity as a whole number, like 25.",
            "min_value": "The quantity must be at least 1.",
            "max_value": f"The quantity must be {MAX_QUANTITY_PER_FORCE:,} or fewer.",
        },
    )
    delivery_address = forms.CharField(
        label="Delivery address",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only your force and the ICT company (and the supplier, on award) see this.",
        error_messages={"required": "Enter the delivery address."},
    )
    cost_centre = forms.CharField(
        label="Cost centre",
        max_length=50,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
        error_messages={"required": "Enter the cost centre."},
    )
    needed_by = forms.DateField(
        label="Needed by",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}),
        error_messages={"invalid": "Enter the date as day, month and year."},
    )
    internal_note = forms.CharField(
        label="Internal note",
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Seen only by your force's own users and the ICT company.",
    )


class RequisitionStartForm(ParticipationForm):
    title = forms.CharField(
        label="Title",
        required=False,
        max_length=200,
        help_text="Leave blank to use the product's name.",
    )
    closes_at = forms.DateTimeField(
        label="Closing date and time",
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "govuk-input--width-20"},
            format=DATETIME_FORMAT,
        ),
        help_text="Other forces can join until then. UK time.",
        error_messages={
            "required": "Enter the closing date and time.",
            "invalid": "Enter the closing date and time, like 2026-12-31 17:00.",
        },
    )
    note = forms.CharField(
        label="Note to other forces",
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why you are buying, and anything forces should know before joining.",
    )

    field_order = [
        "title",
        "closes_at",
        "note",
        "quantity",
        "delivery_address",
        "cost_centre",
        "needed_by",
        "internal_note",
    ]


class ProductSearchForm(Form):
    q = forms.CharField(label="Search the catalogue", required=False, max_length=200)


class QuantityForm(Form):
    quantity = forms.IntegerField(
        label="How many units would your force need?",
        required=False,
        min_value=1,
        max_value=MAX_QUANTITY_PER_FORCE,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-5"}),
        error_messages={"invalid": "Enter the quantity as a whole number, like 25."},
    )


class DecisionForm(Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve this share"), ("reject", "Reject this share")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve or reject the share."},
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded with your decision. Say why if you reject.",
    )


class CancelForm(Form):
    reason = forms.CharField(
        label="Reason for cancelling",
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Every force taking part is told this reason.",
        error_messages={"required": "Enter the reason for cancelling."},
    )


class SignOffForm(Form):
    # Required for a split purchase; the service decides (policies.sign_off), not the form.
    reasons = forms.CharField(
        label="Reasons for signing off",
        help_text="Required for a split purchase: why these purchases are separate, or why "
        "buying them together was not possible.",
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReleaseForm(Form):
    reason = forms.CharField(
        label="Reason for releasing the force",
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded in the audit trail; the other shares are re-priced.",
        error_messages={"required": "Enter the reason for releasing the force."},
    )
