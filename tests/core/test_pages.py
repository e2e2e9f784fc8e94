import pytest
from django import forms

from core.errors import DomainError, InvalidTransition, NotFound, NotPermitted
from core.forms import Form


class NoteForm(Form):
    body = forms.CharField()


def test_a_domain_error_about_a_field_goes_to_that_field():
    form = NoteForm(data={"body": "hello"})
    assert form.is_valid()

    form.add_domain_error(DomainError("Too short.", field="body"))

    assert form.errors == {"body": ["Too short."]}
    assert form.error_list_for_summary() == [("#id_body", "Too short.")]


def test_other_domain_errors_go_to_the_top_of_the_summary():
    form = NoteForm(data={"body": "hello"})
    form.is_valid()

    form.add_domain_error(InvalidTransition("It is closed.", field="status"))

    assert form.non_field_errors() == ["It is closed."]
    assert form.error_list_for_summary() == [("#main-content", "It is closed.")]


@pytest.mark.parametrize("error", [NotFound("No such thing."), NotPermitted("Not yours.")])
def test_a_refusal_of_access_is_not_a_form_error_but_raised_for_its_page(error):
    form = NoteForm(data={"body": "hello"})
    form.is_valid()

    with pytest.raises(type(error)):
        form.add_domain_error(error)

    assert form.errors == {}
