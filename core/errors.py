"""The one family of domain errors. Services raise them; the API and pages turn them into 4xx."""


class DomainError(Exception):
    """A request that the rules of the domain refuse. Nothing has been changed."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, errors=None):
        super().__init__(message)
        self.message = message
        if errors is None:
            errors = {field or "non_field_errors": [message]}
        self.errors: dict[str, list[str]] = errors


class NotPermitted(DomainError):
    """The user may see the object but may not do this to it."""

    status_code = 403


class NotFound(DomainError):
    """The object does not exist or the user may not see it: the same answer for both."""

    status_code = 404


class InvalidTransition(DomainError):
    """The object's state does not allow this now (closed, already approved, ...)."""

    status_code = 409
