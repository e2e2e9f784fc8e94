from accounts.models import Role
from accounts.permissions import organisations_of, roles_in
from accounts.presentation.navigation import navigation_items
from accounts.selectors import acting_organisation as acting_organisation_for


def acting_organisation(request) -> dict:
    """Who is signed in, for which organisation and in which roles: shown in every header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    organisation = acting_organisation_for(request)
    roles = roles_in(user, organisation) if organisation else []
    return {
        "acting_organisation": organisation,
        "acting_roles": roles,
        "acting_role_labels": [Role(role).label for role in roles],
        "user_organisations": organisations_of(user),
        "navigation_items": navigation_items(request.path),
    }
