"""GOV.UK Design System markup for Django forms, so every form looks and behaves alike."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.renderers import TemplatesSetting

from core.errors import DomainError, NotFound, NotPermitted

if TYPE_CHECKING:
    # The mixin is only ever combined with a form: mypy checks it as one.
    _FormBase = forms.BaseForm
else:
    _FormBase = object

WIDGET_CLASSES = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.SelectMultiple: "govuk-select",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.ClearableFileInput: "govuk-file-upload",
    forms.FileInput: "govuk-file-upload",
    forms.RadioSelect: "govuk-radios__input",
    forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
}


class FormRenderer(TemplatesSetting):
    """Renders ``{{ form }}`` and ``{{ field.as_field_group }}`` with GOV.UK markup."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"


class GovukFormMixin(_FormBase):
    """Adds GOV.UK classes to widgets and an error class to invalid inputs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = next(
                (name for kind, name in WIDGET_CLASSES.items() if type(widget) is kind),
                "govuk-input",
            )
            existing = widget.attrs.get("class", "")
            widget.attrs["class"] = f"{css} {existing}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                css = widget.attrs.get("class", "")
                base = css.split(" ")[0] if css else "govuk-input"
                if f"{base}--error" not in css:
                    widget.attrs["class"] = f"{css} {base}--error".strip()

    #: A service's field name -> this form's field name, where they differ.
    domain_error_fields: dict[str, str] = {}

    def add_domain_error(self, error: DomainError) -> None:
        """The one way to put a service's refusal on a form: each message on the field it
        names (or the form as a whole). A refusal of access is not a form error: it is
        raised again, for the 403 or 404 page (``core.middleware``)."""
        if isinstance(error, NotFound | NotPermitted):
            raise error
        for name, field_messages in error.errors.items():
            field = self.domain_error_fields.get(name, name)
            target = field if field in self.fields else None
            for message in field_messages:
                shown = list(self.errors.get(target or NON_FIELD_ERRORS, ()))
                if message not in shown:
                    self.add_error(target, message)

    def error_list_for_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs for the error summary at the top of the page."""
        items: list[tuple[str, str]] = []
        for name, errors in self.errors.items():
            anchor = f"#{self[name].id_for_label}" if name in self.fields else "#main-content"
            for error in errors:
                # An ErrorList yields its messages: str() resolves a lazy translation.
                items.append((anchor, str(error)))
        return items


class Form(GovukFormMixin, forms.Form):
    pass


class ModelForm(GovukFormMixin, forms.ModelForm):
    pass
