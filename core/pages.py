"""Helpers for page views: show a service's DomainError in the GOV.UK error summary."""

from django import forms

from core.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Attach the error's messages to the form's fields (or to the form as a whole), so the
    page shows them in the error summary and next to the fields they are about."""
    for field, messages in error.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
