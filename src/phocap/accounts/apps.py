from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "phocap.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và phân quyền"

    def ready(self) -> None:
        from phocap.accounts.signin import connect

        connect()  # sign-ins, failures and lockouts go to the audit trail
