from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "phocap.onboarding"
    label = "onboarding"
    verbose_name = "Hướng dẫn sử dụng và theo dõi"

    def ready(self) -> None:
        from phocap.core.audit import LIVE_LABELS
        from phocap.onboarding.selectors import masked_member_names

        LIVE_LABELS["onboarding.teammember"] = masked_member_names
