from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"

    def ready(self) -> None:
        from catalogue.signals import product_no_longer_orderable
        from procurement.receivers import tell_forces_product_no_longer_orderable

        product_no_longer_orderable.connect(
            tell_forces_product_no_longer_orderable,
            dispatch_uid="procurement.product_no_longer_orderable",
        )
