"""Handover (issue #5): the person's identity checked against the registry, the device checked against their
reservation, the confirmation recorded — once, even when the form is sent twice; no-shows release the phone to
the next in line; returns and replacements keep both devices on record."""

from __future__ import annotations

import datetime as dt
import io
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from phocap.accounts import scope
from phocap.allocation.models import Placement, Reservation
from phocap.core import audit
from phocap.core.actors import actor_label as _label
from phocap.core.crypto import blind_index
from phocap.core.errors import Conflict, NotFound, ValidationFailed
from phocap.devices.models import Device
from phocap.devices.services import read_imei, record_move
from phocap.handover.models import Handover, HandoverEvent, HandoverPhoto
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry import normalize
from phocap.registry.models import Resident


def _may(actor: scope.Actor, commune: ProgrammeCommune) -> bool:
    return scope.can_write_commune(actor, commune)


def event_create(
    *,
    actor: scope.Actor,
    programme: Programme,
    commune: ProgrammeCommune,
    held_on: dt.date,
    place: str,
    organisers: str = "",
) -> HandoverEvent:
    if commune.programme_id != programme.pk or not _may(actor, commune):
        raise NotFound("Không tìm thấy xã/phường (hoặc bạn không có quyền).")
    if not place.strip():
        raise ValidationFailed("Cần ghi địa điểm trao.", field="place")
    with transaction.atomic():
        event = HandoverEvent.objects.create(
            programme=programme,
            commune=commune,
            held_on=held_on,
            place=place.strip()[:200],
            organisers=organisers.strip()[:500],
            created_by=_label(actor),
        )
        audit.record(actor=actor, action="handover.event", obj=event, programme_code=programme.code)
    return event


def expected(event: HandoverEvent) -> Any:
    """The people of the event's commune with a phone reserved for them, not yet handed over."""
    return (
        Reservation.objects.filter(commune=event.commune, status=Reservation.Status.ACTIVE)
        .select_related("resident", "device__phone_model")
        .order_by("resident__village", "resident__full_name")
    )


def new_key() -> str:
    """For the form: one key per rendering; sending the same form again is recognised."""
    return secrets.token_hex(16)


PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 1600


def read_photo(data: bytes) -> bytes:
    """A phone camera's picture → a JPEG at most 1600 px on its longer side, without metadata (a phone photo
    carries the GPS position of the village hall and the camera's serial). Anything that is not a picture is
    refused with a message."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > PHOTO_MAX_BYTES:
        raise ValidationFailed("Ảnh quá lớn (tối đa 10 MB).", field="photo")
    try:
        with Image.open(io.BytesIO(data)) as taken:
            upright = ImageOps.exif_transpose(taken).convert("RGB")  # the way the phone was held, then no EXIF
            upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            out = io.BytesIO()
            upright.save(out, format="JPEG", quality=80, optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationFailed("Tệp không phải ảnh (JPEG, PNG, WebP…).", field="photo") from None
    return out.getvalue()


def handover_record(
    *,
    actor: scope.Actor,
    event: HandoverEvent,
    reservation_id: int,
    id_number: str,
    scanned: bool,
    imei: str,
    sim_activated: bool,
    confirmation: str,
    key: str,
    note: str = "",
    photo: bytes | None = None,
) -> Handover:
    """Hand the reserved phone to its person. Idempotent on `key`: a retried submit returns the first record.
    `photo` (optional) is the confirmation picture as the phone took it."""
    if not key or len(key) > 64:
        raise ValidationFailed("Biểu mẫu không hợp lệ; tải lại trang.", field="key")
    done = Handover.objects.filter(key=key).first()
    if done is not None:
        return done
    if not _may(actor, event.commune):
        raise NotFound("Không tìm thấy buổi trao.")
    if confirmation not in ("signature", "thumbprint"):
        raise ValidationFailed("Người nhận cần ký hoặc điểm chỉ.", field="confirmation")
    picture = read_photo(photo) if photo else None
    try:
        with transaction.atomic():
            reservation = (
                Reservation.objects.select_for_update()
                .filter(pk=reservation_id, commune=event.commune)
                .select_related("resident", "device")
                .first()
            )
            if reservation is None:
                raise NotFound("Không tìm thấy người này trong danh sách nhận máy của xã.")
            if reservation.status == Reservation.Status.HANDED_OVER:
                raise Conflict(
                    f"{reservation.resident.full_name} đã nhận điện thoại rồi; mỗi người chỉ được nhận một máy.",
                    code="already_handed_over",
                )
            if reservation.status != Reservation.Status.ACTIVE:
                raise Conflict("Máy giữ cho người này đã được trả về kho.", code="reservation_released")
            resident: Resident = reservation.resident
            if resident.id_hash:
                reading = normalize.read_id_number(id_number)
                if reading.value is None or blind_index(reading.value.number) != resident.id_hash:
                    raise ValidationFailed(
                        "Số định danh không khớp với danh sách: kiểm tra lại thẻ CCCD.", field="id_number"
                    )
                id_check = Handover.IdCheck.SCANNED if scanned else Handover.IdCheck.TYPED
            else:
                id_check = Handover.IdCheck.NO_NUMBER
            number, reason = read_imei(imei)
            if number is None:
                raise ValidationFailed(f"IMEI: {reason}", field="imei")
            if number != reservation.device.imei:
                raise Conflict(
                    "Máy này không phải máy đã giữ cho người nhận: kiểm tra lại IMEI (*#06#).", code="wrong_device"
                )
            handover = Handover.objects.create(
                programme=event.programme,
                event=event,
                reservation=reservation,
                resident=resident,
                device=reservation.device,
                id_check=id_check,
                sim_activated=sim_activated,
                confirmation=confirmation,
                delivered_by=_label(actor),
                note=note.strip()[:300],
                key=key,
            )
            if picture is not None:
                HandoverPhoto.objects.create(handover=handover, content=picture, uploaded_by=_label(actor))
            reservation.status = Reservation.Status.HANDED_OVER
            reservation.save(update_fields=["status"])
            device = Device.objects.select_for_update().get(pk=reservation.device_id)
            record_move(device, Device.State.HANDED_OVER, note=f"Trao tại {event.place}", actor=actor)
            Resident.objects.filter(pk=resident.pk).update(
                smartphone_status=Resident.Smartphone.HAS,
                smartphone_surveyed_on=event.held_on,
                updated_at=timezone.now(),
            )
            audit.record(
                actor=actor,
                action="handover.record",
                obj=handover,
                programme_code=event.programme.code,
                extra={"event": event.pk, "id_check": id_check, "device": device.imei, "photo": picture is not None},
            )
    except IntegrityError:
        again = Handover.objects.filter(key=key).first()
        if again is not None:
            return again  # the same form, sent twice at once
        raise Conflict(
            "Người này vừa được ghi nhận nhận máy ở một thao tác khác.", code="already_handed_over"
        ) from None
    return handover


def reservation_release(*, actor: scope.Actor, reservation: Reservation, reason: str) -> Reservation | None:
    """A no-show (or a person who declined): the phone goes back to ready and is offered to the next person in
    line in the same round and commune, whose reservation is returned (None when nobody is left)."""
    if not reason.strip():
        raise ValidationFailed("Cần ghi lý do (vắng mặt, từ chối…).", field="reason")
    with transaction.atomic():
        locked = Reservation.objects.select_for_update().select_related("commune__unit").get(pk=reservation.pk)
        if not _may(actor, locked.commune):
            raise NotFound("Không tìm thấy.")
        if locked.status != Reservation.Status.ACTIVE:
            raise Conflict("Chỉ trả về được máy đang giữ.", code="not_active")
        locked.status, locked.released_at, locked.release_reason = "released", timezone.now(), reason.strip()[:300]
        locked.save(update_fields=["status", "released_at", "release_reason"])
        device = Device.objects.select_for_update().get(pk=locked.device_id)
        record_move(device, Device.State.READY, note=f"Người nhận không đến: {reason.strip()}", actor=actor)
        audit.record(
            actor=actor,
            action="reservation.release",
            obj=locked,
            programme_code=locked.round.programme.code,
            extra={"reason": reason.strip()[:300]},
        )
        holding = Reservation.objects.filter(programme=locked.programme, status__in=["active", "handed_over"]).values(
            "resident_id"
        )
        nxt = (
            Placement.objects.select_for_update()
            .filter(round=locked.round, commune=locked.commune, selected=False)
            .exclude(resident_id__in=holding)
            .exclude(resident_id=locked.resident_id)
            .order_by("rank")
            .first()
        )
        if nxt is None:
            return None
        nxt.selected = True
        nxt.reason = f"{nxt.reason.split('; chưa được chọn')[0]}; được mời thay người vắng mặt"[:300]
        nxt.save(update_fields=["selected", "reason"])
        offered = Reservation.objects.create(
            programme=locked.programme,
            round=locked.round,
            resident_id=nxt.resident_id,
            commune=locked.commune,
            device=device,
        )
        record_move(device, Device.State.RESERVED, note="Giữ cho người tiếp theo trong danh sách", actor=actor)
        return offered


def handover_return(
    *, actor: scope.Actor, handover: Handover, reason: str, device_ok: bool, on: dt.date | None = None
) -> Handover:
    """The person gives the phone back; the phone is checked again (or needs repair)."""
    with transaction.atomic():
        locked = Handover.objects.select_for_update().select_related("event__commune").get(pk=handover.pk)
        if not _may(actor, locked.event.commune):
            raise NotFound("Không tìm thấy.")
        if locked.status != Handover.Status.CURRENT:
            raise Conflict("Lần trao này đã được trả lại hoặc đổi máy.", code="not_current")
        locked.status, locked.note = Handover.Status.RETURNED, f"Trả lại: {reason.strip()}"[:300]
        locked.ended_on = on or timezone.localdate()
        locked.save(update_fields=["status", "note", "ended_on"])
        Reservation.objects.filter(pk=locked.reservation_id).update(
            status="released", released_at=timezone.now(), release_reason=f"Trả lại máy: {reason.strip()}"[:300]
        )
        device = Device.objects.select_for_update().get(pk=locked.device_id)
        record_move(device, Device.State.RETURNED, note=reason.strip(), actor=actor)
        record_move(
            device,
            Device.State.READY if device_ok else Device.State.NEEDS_REPAIR,
            note="Kiểm tra khi nhận lại",
            actor=actor,
        )
        Resident.objects.filter(pk=locked.resident_id).update(smartphone_status=Resident.Smartphone.LACKS)
        audit.record(actor=actor, action="handover.return", obj=locked, programme_code=locked.programme.code)
    return locked


def handover_replace(*, actor: scope.Actor, handover: Handover, imei: str, reason: str) -> Handover:
    """A faulty phone swapped for a ready one in the commune: both devices stay on record."""
    number, why = read_imei(imei)
    if number is None:
        raise ValidationFailed(f"IMEI: {why}", field="imei")
    with transaction.atomic():
        old = Handover.objects.select_for_update().select_related("event__commune", "reservation").get(pk=handover.pk)
        if not _may(actor, old.event.commune):
            raise NotFound("Không tìm thấy.")
        if old.status != Handover.Status.CURRENT:
            raise Conflict("Lần trao này đã được trả lại hoặc đổi máy.", code="not_current")
        new_device = Device.objects.select_for_update().filter(imei=number, programme=old.programme).first()
        if (
            new_device is None
            or new_device.state != Device.State.READY
            or new_device.location_id != old.event.commune_id
        ):
            raise Conflict("Máy thay phải là máy sẵn sàng trao tại xã.", code="replacement_not_ready")
        old.status, old.ended_on = Handover.Status.REPLACED, timezone.localdate()
        old.save(update_fields=["status", "ended_on"])
        Reservation.objects.filter(pk=old.reservation_id).update(
            status="released", released_at=timezone.now(), release_reason=f"Đổi máy: {reason.strip()}"[:300]
        )
        broken = Device.objects.select_for_update().get(pk=old.device_id)
        record_move(broken, Device.State.RETURNED, note=f"Đổi máy: {reason.strip()}", actor=actor)
        record_move(broken, Device.State.NEEDS_REPAIR, note="Máy lỗi được đổi", actor=actor)
        reservation = Reservation.objects.create(
            programme=old.programme,
            round=old.reservation.round,
            resident_id=old.resident_id,
            commune=old.event.commune,
            device=new_device,
        )
        record_move(new_device, Device.State.RESERVED, note="Máy thay", actor=actor)
        new = Handover.objects.create(
            programme=old.programme,
            event=old.event,
            reservation=reservation,
            resident_id=old.resident_id,
            device=new_device,
            id_check=old.id_check,
            sim_activated=old.sim_activated,
            confirmation=old.confirmation,
            delivered_by=_label(actor),
            replaces=old,
            note=f"Đổi máy: {reason.strip()}"[:300],
            key=new_key(),
        )
        reservation.status = Reservation.Status.HANDED_OVER
        reservation.save(update_fields=["status"])
        record_move(new_device, Device.State.HANDED_OVER, note="Trao máy thay", actor=actor)
        audit.record(
            actor=actor,
            action="handover.replace",
            obj=new,
            programme_code=old.programme.code,
            extra={"old_device": broken.imei, "new_device": new_device.imei},
        )
    return new


def photo_view(*, actor: scope.Actor, handover: Handover) -> HandoverPhoto:
    """The confirmation photo of a handover the actor may see; the viewing itself is audited (a face is
    personal data)."""
    photo = HandoverPhoto.objects.filter(handover=handover).first()
    if photo is None:
        raise NotFound("Lần trao này không có ảnh.")
    audit.record(actor=actor, action="handover.photo_view", obj=handover, programme_code=handover.programme.code)
    return photo
