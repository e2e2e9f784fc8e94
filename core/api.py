"""API plumbing shared by every app: pagination and the error format (the JSON parser is
``core.parsers``).

Errors always have the shape ``{"detail": str, "errors": {field: [messages]}}``, malformed
requests included: JSON nested too deeply (400), a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``
(413), too many form fields (400). A NUL character in a path or query string is refused
before any view (``core.middleware.RefuseNulCharacters``).
"""

import logging

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


def flatten_errors(data, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error structure into ``{"field.sub[0]": [messages]}``."""
    errors: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            errors.update(flatten_errors(value, name))
    elif isinstance(data, list):
        if all(not isinstance(item, dict | list) for item in data):
            messages = [str(item) for item in data]
            if messages:
                errors.setdefault(prefix or "non_field_errors", []).extend(messages)
        else:
            for index, item in enumerate(data):
                errors.update(flatten_errors(item, f"{prefix}[{index}]"))
    elif data is not None:
        errors.setdefault(prefix or "non_field_errors", []).append(str(data))
    return errors


def describe_errors(errors: dict[str, list[str]]) -> str:
    fields = [name for name in errors if name != "non_field_errors"]
    if not fields:
        messages = errors.get("non_field_errors") or ["Invalid input."]
        return " ".join(messages)
    return "Invalid input in: " + ", ".join(fields) + "."


def error_response(message: str, status_code: int) -> Response:
    return Response({"detail": message, "errors": {}}, status=status_code)


def exception_handler(exc, context):
    if isinstance(exc, SuspiciousOperation):
        # Raised by Django while reading the body; without this, an HTML 400 page.
        logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
        if isinstance(exc, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return error_response(
                f"The request body is too large: at most {limit:,} bytes.",
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        return error_response("The request could not be understood.", status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "errors": exc.errors}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail=detail)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(response.data)
        response.data = {"detail": describe_errors(errors), "errors": errors}
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        message = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = {"detail": str(message), "errors": {}}
    return response


MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    """A database id: a whole number from 1 to the largest the database holds, so that an
    absurd value is a clear 400 rather than an overflow inside the database driver."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """Filter on a related object's id (``?product=12``)."""

    field_class = IdField
