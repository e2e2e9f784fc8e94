"""Helpers for page views: a service's refusal shown in the GOV.UK error summary."""

from django import forms

from core.errors import DomainError


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Put a service's ``DomainError`` on the form: messages about one of the form's fields
    go to that field, the rest to the top of the error summary."""
    for field, messages in error.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            if target is not None and target not in form.errors:
                form.add_error(target, message)
            elif message not in form.non_field_errors():
                form.add_error(None, message)
