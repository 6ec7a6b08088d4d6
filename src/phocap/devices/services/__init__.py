"""Writes for devices (issue #5): phone models, purchase orders paid from the funds, devices received by IMEI,
checks, moves and transfers. Every move is one append-only `DeviceEvent`, written with the device row locked, and
every service is audited.

`move` is the one way a device changes state or place: the allocation (reserving) and the handover (handing
over, taking back) call it inside their own transactions."""

from phocap.devices.services.checks import RESULTS as CHECK_RESULTS
from phocap.devices.services.checks import devices_check
from phocap.devices.services.common import KEEP, MAX_AGE_YEARS, MOVES
from phocap.devices.services.moves import (
    Moved,
    TransferResult,
    check_outcome,
    device_check,
    device_move,
    device_sim_set,
    locked,
    move,
    move_many,
    transfer_confirm,
    transfer_confirm_many,
    transfer_send,
    transfer_send_many,
)
from phocap.devices.services.purchases import (
    phone_model_create,
    phone_model_price_set,
    purchase_order_create,
    purchase_order_void,
)
from phocap.devices.services.receiving import GiftTerms, ReceiveResult, device_receive, imeis_from_file, read_imei

__all__ = [
    "CHECK_RESULTS",
    "KEEP",
    "MAX_AGE_YEARS",
    "MOVES",
    "GiftTerms",
    "Moved",
    "ReceiveResult",
    "TransferResult",
    "check_outcome",
    "device_check",
    "device_move",
    "device_receive",
    "device_sim_set",
    "devices_check",
    "imeis_from_file",
    "locked",
    "move",
    "move_many",
    "phone_model_create",
    "phone_model_price_set",
    "purchase_order_create",
    "purchase_order_void",
    "read_imei",
    "transfer_confirm",
    "transfer_confirm_many",
    "transfer_send",
    "transfer_send_many",
]
