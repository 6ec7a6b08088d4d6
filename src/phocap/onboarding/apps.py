from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "phocap.onboarding"
    label = "onboarding"
    verbose_name = "Hướng dẫn sử dụng và theo dõi"
