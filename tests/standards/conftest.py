import pytest

from accounts.models import Role
from tests.factories import StandardVersionFactory, member
from tests.standards.helpers import default_rule


@pytest.fixture
def rule(db):
    return default_rule()


@pytest.fixture
def version(db):
    """NC-TST-xxx version 1, adopted."""
    return StandardVersionFactory(body="## Requirement\n\nDevices **must** encrypt data.")


@pytest.fixture
def standard(version):
    return version.standard


@pytest.fixture
def other_delegate(other_force):
    return member(Role.DELEGATE, other_force, email="delegate@otherton.police.example")
