from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "phocap.notifications"
    label = "notifications"
    verbose_name = "Tin nhắn"
