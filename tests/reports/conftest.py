"""The fixtures the reports' tests share: an approved round, a handover event at Giáo Hiệu, everyone expected
there handed a phone, and some onboarding progress recorded."""

from tests.allocation.test_rounds import registry  # noqa: F401
from tests.handover.test_handover import approved, event  # noqa: F401
from tests.onboarding.test_onboarding import handed  # noqa: F401
from tests.reports.test_reports import progress  # noqa: F401
