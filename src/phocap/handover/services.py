"""Handover (issue #5): the person's identity checked against the registry, the device checked against their
reservation, the confirmation recorded — once, even when the form is sent twice; returns and replacements keep
both devices on record. (No-shows, their undoing and closing an event: `handover.attendance`.)

This app writes only its own rows — events, handovers, photos. The reservation's side is the allocation's
(`reservation_hand_over`, `reservation_end`, `reservation_keep`), the phone's the devices app's (`move`), the
person's smartphone status the registry's (`smartphone_mark`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from phocap.accounts import scope
from phocap.allocation import postings
from phocap.allocation import selectors as allocation_selectors
from phocap.allocation import services as allocation
from phocap.allocation.models import Reservation
from phocap.core import audit
from phocap.core.actions import Action
from phocap.core.actors import actor_label as _label
from phocap.core.crypto import blind_index
from phocap.core.errors import Conflict, NotFound, ValidationFailed
from phocap.core.services import service
from phocap.devices import services as devices
from phocap.devices.models import Device
from phocap.handover.attendance import open_locked
from phocap.handover.models import Handover, HandoverEvent, HandoverPhoto
from phocap.programmes.models import Programme, ProgrammeCommune
from phocap.registry import normalize
from phocap.registry.models import Resident
from phocap.registry.services import smartphone_mark

IDENTITY_CHECKED = (Handover.IdCheck.TYPED, Handover.IdCheck.SCANNED)
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 1600


def _may(actor: scope.Actor, commune: ProgrammeCommune) -> bool:
    return scope.can_write_commune(actor, commune)


@service(audits=[Action.HANDOVER_EVENT])
def event_create(
    *,
    actor: scope.Actor,
    programme: Programme,
    commune: ProgrammeCommune,
    held_on: dt.date,
    place: str,
    organisers: str = "",
    starts_at: dt.time | None = None,
) -> HandoverEvent:
    if commune.programme_id != programme.pk or not _may(actor, commune):
        raise NotFound("Không tìm thấy xã/phường (hoặc bạn không có quyền).")
    if not place.strip():
        raise ValidationFailed("Cần ghi địa điểm trao.", field="place")
    refusal = postings.handover_refusal(postings.posting_latest(commune), held_on)
    if refusal:
        raise Conflict(refusal, code="posting_period")
    event = HandoverEvent.objects.create(
        programme=programme,
        commune=commune,
        held_on=held_on,
        starts_at=starts_at,
        place=place.strip()[:200],
        organisers=organisers.strip()[:500],
        created_by=_label(actor),
    )
    audit.record(actor=actor, action=Action.HANDOVER_EVENT, obj=event, programme_code=programme.code)
    return event


def new_key() -> str:
    """For the form: one key per rendering; sending the same form again is recognised."""
    return secrets.token_hex(16)


def scoped_key(actor_label: str, event_id: int, key: str) -> str:
    """What is stored for a repeat-submit key: the key as the actor sent it at this event, hashed with both, so one
    actor's key can never find (or block) another's record, whatever keys clients choose."""
    return hashlib.sha256(f"{actor_label}\x1f{event_id}\x1f{key}".encode()).hexdigest()


def read_photo(data: bytes) -> bytes:
    """A phone camera's picture → a JPEG at most 1600 px on its longer side, without metadata (a phone photo
    carries the GPS position of the village hall and the camera's serial). Anything that is not a picture is
    refused with a message."""
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


def erase_photos(resident: Resident) -> None:
    """A person's data erased: the photos taken at their handovers go with it (the records stay)."""
    HandoverPhoto.objects.filter(handover__resident=resident).delete()


def _held_for(event: HandoverEvent, reservation_id: int) -> Reservation:
    """The person's reservation at this event's commune, locked, still holding their phone."""
    reservation = allocation.reservation_locked(commune=event.commune, reservation_id=reservation_id)
    if reservation is None:
        raise NotFound("Không tìm thấy người này trong danh sách nhận máy của xã.")
    if reservation.status == Reservation.Status.HANDED_OVER:
        raise Conflict(
            f"{reservation.resident.full_name} đã nhận điện thoại rồi; mỗi người chỉ được nhận một máy.",
            code="already_handed_over",
        )
    if reservation.status != Reservation.Status.ACTIVE:
        raise Conflict("Máy giữ cho người này đã được trả về kho.", code="reservation_released")
    return reservation


def _identity_check(resident: Resident, id_number: str, scanned: bool) -> str:
    """The number on the person's card against the registry's keyed hash (never decrypted for this)."""
    if not resident.id_hash:
        return Handover.IdCheck.NO_NUMBER
    reading = normalize.read_id_number(id_number)
    if reading.value is None or blind_index(reading.value.number) != resident.id_hash:
        raise ValidationFailed("Số định danh không khớp với danh sách: kiểm tra lại thẻ CCCD.", field="id_number")
    return Handover.IdCheck.SCANNED if scanned else Handover.IdCheck.TYPED


def _device_check(reservation: Reservation, imei: str) -> None:
    if _imei(imei) != reservation.device.imei:
        raise Conflict("Máy này không phải máy đã giữ cho người nhận: kiểm tra lại IMEI (*#06#).", code="wrong_device")


@service(audits=[Action.HANDOVER_RECORD], atomic=False)
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
    sim_number: str = "",
    sim_carrier: str = "",
    verified: str = "",
) -> Handover:
    """Hand the reserved phone to its person. Idempotent on `key`, scoped to the actor and the event: a retried
    submit returns the actor's first record (even when it arrives while the first is still being written); the
    same key from another actor or event is another request. `photo` (optional) is the confirmation picture as
    the phone took it (re-encoded before the transaction); `sim_number`, the SIM's (for the minutes), and
    `sim_carrier` its network when said (numbers are ported: otherwise the network of its prefix). `verified`: how
    this person's identity was checked by the same signed-in officer's attempt a moment ago that failed only on
    the phone (the hall page keeps that in the session, never the number), so a second try needs no retyping."""
    if not key or len(key) > 64:
        raise ValidationFailed("Biểu mẫu không hợp lệ; tải lại trang.", field="key")
    if not _may(actor, event.commune):
        raise NotFound("Không tìm thấy buổi trao.")
    mine = scoped_key(_label(actor), event.pk, key)
    done = Handover.objects.filter(key=mine).first()
    if done is not None:
        return done
    if confirmation not in ("signature", "thumbprint"):
        raise ValidationFailed("Người nhận cần ký hoặc điểm chỉ.", field="confirmation")
    picture = read_photo(photo) if photo else None
    sim = _sim(sim_number, sim_carrier)
    try:
        with transaction.atomic(durable=True):
            open_locked(event)  # not once the event is closed; a close waits for this record
            try:
                reservation = _held_for(event, reservation_id)
            except Conflict:
                first = Handover.objects.filter(key=mine).first()  # a retry that waited for its own first send
                if first is not None:
                    return first
                raise
            refusal = postings.handover_refusal(
                postings.posting_of(reservation.round_id, reservation.commune_id), event.held_on
            )
            if refusal:
                raise Conflict(refusal, code="posting_period")
            resident: Resident = reservation.resident
            checked = verified in IDENTITY_CHECKED and bool(resident.id_hash)
            id_check = verified if checked else _identity_check(resident, id_number, scanned)
            _device_check(reservation, imei)
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
                key=mine,
            )
            if picture is not None:
                HandoverPhoto.objects.create(handover=handover, content=picture, uploaded_by=_label(actor))
            _others_follow(actor, event, reservation, sim)
            _record_audit(actor, handover, photo=picture is not None, sim=sim is not None)
    except IntegrityError:
        again = Handover.objects.filter(key=mine).first()
        if again is not None:
            return again  # the same form, sent twice at once
        raise Conflict(
            "Người này vừa được ghi nhận nhận máy ở một thao tác khác.", code="already_handed_over"
        ) from None
    return handover


def _record_audit(actor: scope.Actor, handover: Handover, *, photo: bool, sim: bool) -> None:
    audit.record(
        actor=actor,
        action=Action.HANDOVER_RECORD,
        obj=handover,
        programme_code=handover.event.programme.code,
        extra={
            "event": handover.event_id,
            "id_check": handover.id_check,
            "device": handover.device.imei,
            "photo": photo,
            "sim_number": sim,
        },
    )


def _sim(text: str, carrier: str = "") -> normalize.Phone | None:
    if carrier and carrier not in normalize.CARRIERS:
        raise ValidationFailed(
            f"Nhà mạng không rõ: {carrier[:20]!r} (một trong {', '.join(normalize.CARRIERS)}).", field="sim_carrier"
        )
    if not text.strip():
        if carrier:
            raise ValidationFailed("Ghi số thuê bao cùng nhà mạng.", field="sim_number")
        return None
    reading = normalize.read_phone(text)
    if reading.value is None:
        raise ValidationFailed(
            f"Số thuê bao không đọc được: {text.strip()[:20]!r} (10 chữ số, ví dụ 0912345678).", field="sim_number"
        )
    return normalize.Phone(reading.value.number, carrier or reading.value.carrier)


def _others_follow(
    actor: scope.Actor, event: HandoverEvent, reservation: Reservation, sim: normalize.Phone | None = None
) -> None:
    """What the other apps record of a handover: the reservation handed over, the phone in the person's hands
    (with the SIM's number, if given), the person having a smartphone."""
    allocation.reservation_hand_over(reservation)
    device = devices.locked(reservation.device_id)
    if sim is not None:
        device.sim_number, device.sim_carrier = sim.number, (sim.carrier or device.sim_carrier)[:20]
        device.save(update_fields=["sim_number", "sim_carrier"])
    devices.move(device, Device.State.HANDED_OVER, note=f"Trao tại {event.place}", actor=actor)
    smartphone_mark(resident_id=reservation.resident_id, status=Resident.Smartphone.HAS, on=event.held_on)


def _current(actor: scope.Actor, handover: Handover) -> Handover:
    locked = Handover.objects.select_for_update().select_related("event__commune", "reservation").get(pk=handover.pk)
    if not _may(actor, locked.event.commune):
        raise NotFound("Không tìm thấy.")
    if locked.status != Handover.Status.CURRENT:
        raise Conflict("Lần trao này đã được trả lại hoặc đổi máy.", code="not_current")
    return locked


@service(audits=[Action.HANDOVER_RETURN])
def handover_return(
    *, actor: scope.Actor, handover: Handover, reason: str, device_ok: bool, on: dt.date | None = None
) -> Handover:
    """The person gives the phone back; the phone is checked again (or needs repair)."""
    locked = _current(actor, handover)
    locked.status, locked.note = Handover.Status.RETURNED, f"Trả lại: {reason.strip()}"[:300]
    locked.ended_on = on or timezone.localdate()
    locked.save(update_fields=["status", "note", "ended_on"])
    allocation.reservation_end(locked.reservation_id, f"Trả lại máy: {reason.strip()}")
    device = devices.locked(locked.device_id)
    devices.move(device, Device.State.RETURNED, note=reason.strip(), actor=actor)
    after = Device.State.READY if device_ok else Device.State.NEEDS_REPAIR
    devices.move(device, after, note="Kiểm tra khi nhận lại", actor=actor)
    smartphone_mark(resident_id=locked.resident_id, status=Resident.Smartphone.LACKS)
    audit.record(actor=actor, action=Action.HANDOVER_RETURN, obj=locked, programme_code=locked.programme.code)
    return locked


@service(audits=[Action.HANDOVER_LOST])
def handover_lost(*, actor: scope.Actor, handover: Handover, reason: str, on: dt.date | None = None) -> Handover:
    """The phone is gone from the person's hands — lost, stolen, sold or given away (found at a follow-up): the
    handover ends, the phone is recorded lost, the person counts as without a smartphone again. Whether they get
    another is the next round's (one phone per person: a manager's exception)."""
    why = reason.strip()
    if not why:
        raise ValidationFailed("Cần ghi lý do (mất, bị trộm, đã bán, cho người khác …).", field="reason")
    locked = _current(actor, handover)
    locked.status, locked.note = Handover.Status.LOST, why[:300]
    locked.ended_on = on or timezone.localdate()
    locked.save(update_fields=["status", "note", "ended_on"])
    allocation.reservation_end(locked.reservation_id, f"Máy mất/đã bán: {why}")
    devices.move(devices.locked(locked.device_id), Device.State.LOST, note=why, actor=actor)
    smartphone_mark(resident_id=locked.resident_id, status=Resident.Smartphone.LACKS)
    audit.record(
        actor=actor,
        action=Action.HANDOVER_LOST,
        obj=locked,
        programme_code=locked.programme.code,
        extra={"reason": why[:300]},
    )
    return locked


def _imei(text: str) -> str:
    number, why = devices.read_imei(text)
    if number is None:
        raise ValidationFailed(f"IMEI: {why}", field="imei")
    return number


def _replacement(old: Handover, number: str) -> Device:
    found = Device.objects.filter(imei=number, programme=old.programme).first()
    new_device = devices.locked(found.pk) if found is not None else None
    if new_device is None or new_device.state != Device.State.READY or new_device.location_id != old.event.commune_id:
        raise Conflict("Máy thay phải là máy sẵn sàng trao tại xã.", code="replacement_not_ready")
    return new_device


@service(audits=[Action.HANDOVER_REPLACE])
def handover_replace(*, actor: scope.Actor, handover: Handover, imei: str, reason: str) -> Handover:
    """A faulty phone swapped for a ready one in the commune: both devices stay on record."""
    number = _imei(imei)
    old = _current(actor, handover)
    new_device = _replacement(old, number)
    why = reason.strip()
    old.status, old.ended_on = Handover.Status.REPLACED, timezone.localdate()
    old.save(update_fields=["status", "ended_on"])
    allocation.reservation_end(old.reservation_id, f"Đổi máy: {why}")
    broken = devices.locked(old.device_id)
    devices.move(broken, Device.State.RETURNED, note=f"Đổi máy: {why}", actor=actor)
    devices.move(broken, Device.State.NEEDS_REPAIR, note="Máy lỗi được đổi", actor=actor)
    reservation = allocation.reservation_keep(reservation=old.reservation, device=new_device)
    devices.move(new_device, Device.State.RESERVED, note="Máy thay", actor=actor)
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
        note=f"Đổi máy: {why}"[:300],
        key=new_key(),
    )
    allocation.reservation_hand_over(reservation)
    devices.move(new_device, Device.State.HANDED_OVER, note="Trao máy thay", actor=actor)
    audit.record(
        actor=actor,
        action=Action.HANDOVER_REPLACE,
        obj=new,
        programme_code=old.programme.code,
        extra={"old_device": broken.imei, "new_device": new_device.imei},
    )
    return new


@service(audits=[Action.HANDOVER_PHOTO_VIEW])
def photo_view(*, actor: scope.Actor, handover: Handover) -> HandoverPhoto:
    """The confirmation photo of a handover the actor may see; the viewing itself is audited (a face is
    personal data)."""
    photo = HandoverPhoto.objects.filter(handover=handover).first()
    if photo is None:
        raise NotFound("Lần trao này không có ảnh.")
    audit.record(actor=actor, action=Action.HANDOVER_PHOTO_VIEW, obj=handover, programme_code=handover.programme.code)
    return photo


@service(audits=[Action.HANDOVER_LABELS], atomic=False)
def labels_pdf(*, actor: scope.Actor, event: HandoverEvent) -> bytes:
    """The event's box labels (names and villages on them: audited, with how many)."""
    if not _may(actor, event.commune):
        raise NotFound("Không tìm thấy buổi trao.")
    from phocap.handover.labels import render_labels

    kept = list(allocation_selectors.expected(event.commune).select_related("programme"))
    data = render_labels(event, kept)
    audit.record(
        actor=actor,
        action=Action.HANDOVER_LABELS,
        obj=event,
        programme_code=event.programme.code,
        extra={"labels": len(kept)},
    )
    return data
