from django.apps import AppConfig


class HandoverConfig(AppConfig):
    name = "phocap.handover"
    label = "handover"
    verbose_name = "Trao tặng"

    def ready(self) -> None:
        from phocap.handover.services import erase_photos
        from phocap.registry.services import erasers

        if erase_photos not in erasers:  # a handover's photo shows the person: erased with their data
            erasers.append(erase_photos)
