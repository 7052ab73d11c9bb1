import pytest

from tests.services import require_services


@pytest.fixture(autouse=True)
def _services():
    require_services()
