"""The onboarding tests' shared fixtures: an approved round, a handover event at Giáo Hiệu, and everyone expected
there handed a phone in the team member's village."""

from tests.allocation.test_rounds import registry  # noqa: F401
from tests.handover.test_handover import approved, event  # noqa: F401
from tests.onboarding.test_onboarding import handed  # noqa: F401
