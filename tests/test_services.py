"""Every public service, run once through a small programme, writes exactly the audit rows it declares.

`@service(audits=...)` refuses, in the test settings, any call that writes an undeclared action; this test runs
every registered service and checks that each was called and that every action it declares was seen — so a
declaration cannot hide an action, and cannot promise one that never comes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import io
import pkgutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import phocap
from phocap.core import services as core_services
from phocap.core.actors import SYSTEM
from phocap.core.models import AuditEvent
from phocap.fundraising.sample_statements import Row, render
from phocap.registry.demo import _xlsx as book
from tests.devices.test_devices import imeis

pytestmark = pytest.mark.django_db
GIAO_HIEU = "01870"
DAY = dt.date(2023, 9, 20)


def all_services() -> dict[str, core_services.Declared]:
    """Import every module of phocap (migrations aside), so that every `@service` has registered itself."""
    for info in pkgutil.walk_packages(phocap.__path__, "phocap."):
        if ".migrations" not in info.name and not info.name.endswith((".wsgi", ".asgi")):
            importlib.import_module(info.name)
    return dict(core_services.REGISTRY)


@dataclasses.dataclass
class World:
    """The scenario's cast: the session's Bắc Kạn programme and its demo users."""

    programme: Any
    users: dict[str, Any]
    tmp: Any

    def __getitem__(self, name: str) -> Any:
        return self.users[name]


NEW_ORG = '\n[[organisations]]\nkey = "to-chuc-thu"\nname = "Tổ chức thử"\nkind = "enterprise"\n'


def _changed(text: str) -> str:
    """The same definition file, edited: a name, a commune's figures, a point's name, an organisation's name;
    the first assignment no longer listed."""
    text = text.replace('năm 2023"\n', 'năm 2023 (thử)"\n', 1).replace(
        "adult_population = 6820", "adult_population = 6821"
    )
    text = text.replace("Điểm cầu huyện Na Rì", "Điểm cầu huyện Na Rì (thử)").replace("Tổ chức thử", "Tổ chức thử 2")
    start = text.index("[[assignments]]")
    return text[:start] + text[text.index("\n\n", start) + 2 :]


def _programmes_and_accounts(w: World) -> None:
    from phocap.accounts import services as accounts
    from phocap.geo import services as geo
    from phocap.programmes import definition, selectors, services

    geo.geo_load(actor=SYSTEM, province="06", legacy=True)
    geo.geo_load_start(actor=SYSTEM, province="06", legacy=True)
    original = (Path(phocap.__file__).parent / "programmes" / "definitions" / "bac-kan-2023.toml").read_text("utf-8")
    path = w.tmp / "thu-nghiem-2023.toml"
    text = original.replace('code = "bac-kan-2023"', 'code = "thu-nghiem-2023"') + NEW_ORG
    path.write_text(text, encoding="utf-8")
    programme = services.programme_init(actor=SYSTEM, name_or_path=str(path))  # everything created
    path.write_text(_changed(text), encoding="utf-8")
    services.programme_init(actor=SYSTEM, name_or_path=str(path))  # updated, one assignment ended
    other = original.replace('code = "bac-kan-2023"', 'code = "thu-nghiem-b"') + NEW_ORG.replace("thu", "thu-b")
    (w.tmp / "b.toml").write_text(other, encoding="utf-8")
    services.programme_define(actor=SYSTEM, definition=definition.load(str(w.tmp / "b.toml")))
    (w.tmp / "b.toml").write_text(_changed(other), encoding="utf-8")
    services.programme_define(actor=SYSTEM, definition=definition.load(str(w.tmp / "b.toml")))
    org = services.organisation_create(
        actor=w["quanly"], programme=w.programme, key="doanh-nghiep-thu", name="Doanh nghiệp thử", kind="enterprise"
    )
    services.organisation_update(actor=w["quanly"], programme=w.programme, organisation=org, name="Doanh nghiệp thử 2")
    assignment = services.assignment_create(
        actor=w["quanly"], programme=w.programme, commune_code=GIAO_HIEU, organisation_key=org.key, role="enterprise"
    )
    services.assignment_end(actor=w["quanly"], programme=w.programme, assignment=assignment)
    commune = selectors.commune_get(actor=SYSTEM, programme=programme, code=GIAO_HIEU)
    services.commune_update_figures(actor=SYSTEM, commune=commune, baseline_without_smartphone=779)
    user = accounts.user_create(actor=SYSTEM, username="nguoi-thu", password="một mật khẩu dài 2023")
    membership = accounts.membership_grant(actor=SYSTEM, user=user, role="auditor", programme=w.programme)
    accounts.membership_revoke(actor=SYSTEM, membership=membership)
    token, _ = accounts.api_token_create(actor=SYSTEM, user=user, name="thử")
    accounts.api_token_revoke(actor=SYSTEM, prefix=token.prefix)
    accounts.field_keys_rotate(actor=SYSTEM)
    from phocap.core.jobs import job_start
    from phocap.core.models import BackgroundJob
    from phocap.geo.tasks import geo_load_task

    failed = job_start(actor=w["admin"], task=geo_load_task, kind="geo.load", label="x", province="99")
    BackgroundJob.objects.filter(pk=failed.pk).update(status="failed")
    accounts.job_retry(actor=w["admin"], job_id=failed.pk)
    from django_otp.oath import totp

    device = accounts.second_factor_device(actor=user)
    code = f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"
    assert accounts.second_factor_confirm(actor=user, device=device, code=code)
    accounts.second_factor_reset(actor=SYSTEM, username=user.username)
    accounts.password_changed(actor=user)
    from phocap.accounts import team

    manager, giao_hieu = w["quanly"], w.programme.communes.get(unit__code=GIAO_HIEU)
    place = team.Place(giao_hieu, None, "Thôn Nà Coóc")
    member, _ = team.team_user_create(
        actor=manager, programme=w.programme, full_name="Hoàng Thị Vân", role="digital_team_member", place=place
    )
    sheet = book([["Họ và tên", "Số điện thoại", "Thôn/bản"], ["Lý Văn Tổ", "0912345678", "Thôn Khuổi Bốc"]])
    role = "digital_team_member"
    team.team_import(actor=manager, programme=w.programme, data=sheet, filename="to.xlsx", role=role, commune=giao_hieu)
    granted = team.team_grant(actor=manager, programme=w.programme, user=member, role="commune_officer", place=place)
    team.team_revoke(actor=manager, programme=w.programme, membership_id=granted.pk)
    team.team_password_reset(actor=manager, programme=w.programme, user=member)
    team.team_deactivate(actor=manager, programme=w.programme, user=member)


def _fundraising(w: World) -> None:
    from phocap.fundraising import books, review, selectors, services, statements
    from phocap.fundraising.services import cash
    from phocap.programmes import selectors as programmes

    officer, p = w["mttq"], w.programme
    company = services.donor_create(
        actor=officer, programme=p, kind="enterprise", name="Công ty Thử", tax_code="0100109106"
    )
    services.donor_find_or_create(actor=officer, programme=p, kind="individual", name="Bà Thử")
    services.donor_set_consent(actor=officer, donor=company, publish_name=False)
    code = services.walk_in_code_create(actor=SYSTEM, programme=w.users["second"])
    assert code.reference
    pledge = services.pledge_create(
        actor=officer, programme=p, donor=services.DonorInput(kind="enterprise", name="Công ty Hứa"), amount=7_000_000
    )
    cancelled = services.pledge_create(actor=officer, programme=p, donor=company, amount=1_000_000)
    services.pledge_cancel(actor=officer, pledge=cancelled, reason="đổi ý")
    point = programmes.collection_point_get(actor=officer, programme=p, key="tinh")
    gift = services.donation_record(
        actor=officer,
        programme=p,
        channel="cash",
        amount=3_000_000,
        received_on=DAY,
        collection_point=point,
        cash_receipt_number="PT-T-1",
        donor=services.DonorInput(kind="enterprise", name="Công ty Tiền Mặt", tax_code="0100109106001"),
    )
    services.donation_reverse(actor=officer, donation=gift, reason="ghi nhầm")
    plain = services.donation_record(
        actor=officer, programme=p, channel="in_kind", amount=2_000_000, phones=1, received_on=DAY
    )
    services.receipt_issue(actor=officer, donation=plain)
    services.donation_record(
        actor=officer,
        programme=p,
        channel="in_kind",
        amount=2_000_000,
        phones=1,
        received_on=DAY,
        donor=services.DonorInput(kind="individual", name="Bà Có Thư", contact_email="thu@example.org"),
    )
    batch = services.receipts_issue_period(actor=officer, programme=p)
    assert len(services.receipts_email(actor=officer, programme=p, receipts=batch).sent) == 1
    services.receipts_pdf(actor=officer, programme=p, receipts=batch)
    rows = [
        Row(DAY, "T1", 1_000_000, f"UNG HO {pledge.reference}"),
        Row(DAY, "T2", 500_000, "CHUYEN TIEN KHONG MA 1"),
        Row(DAY, "T3", 600_000, "CHUYEN TIEN KHONG MA 2"),
        Row(DAY, "T4", 700_000, "CHUYEN TIEN KHONG MA 3"),
        Row(DAY, "T5", 800_000, "CHUYEN TIEN KHONG MA 4"),
    ]
    statements.statement_import(
        actor=officer, programme=p, data=render("mb", p.bank_account_number, rows[:1], fmt="csv"), filename="a.csv"
    )
    rows.append(Row(DAY, "T6", 900_000, f"UNG HO LAN HAI {pledge.reference}"))
    statements.statement_submit(
        actor=officer, programme=p, data=render("mb", p.bank_account_number, rows, fmt="csv"), filename="b.csv"
    )
    waiting = {line.description: line for line in selectors.review_queue(actor=officer, programme=p)}
    resolve = review.statement_line_resolve
    resolve(actor=officer, line=waiting["CHUYEN TIEN KHONG MA 1"], action="pledge", pledge=pledge)
    resolve(
        actor=officer,
        line=waiting["CHUYEN TIEN KHONG MA 2"],
        action="gift",
        donor=review.gift_donor(officer, p, donor_name="Nguyễn Văn Chuyển"),
    )
    services.donation_record(
        actor=officer,
        programme=p,
        channel="cash",
        amount=1_000_000,
        received_on=DAY,
        collection_point=point,
        cash_receipt_number="PT-T-2",
    )
    cash.cash_deposit(actor=officer, programme=p, point=point, amount=700_000, deposited_on=DAY, reference="GNT-1")
    mistaken = cash.cash_deposit(actor=officer, programme=p, point=point, amount=100_000, deposited_on=DAY)
    cash.cash_deposit_cancel(actor=officer, deposit=mistaken, reason="ghi nhầm điểm cầu")
    resolve(actor=officer, line=waiting["CHUYEN TIEN KHONG MA 3"], action="deposit", collection_point=point)
    resolve(actor=officer, line=waiting["CHUYEN TIEN KHONG MA 4"], action="ignore", note="không phải của đợt")
    books.books_export(actor=officer, programme=p, fmt="csv")


def _registry(w: World) -> list[Any]:
    from phocap.programmes import selectors as programmes
    from phocap.registry import consents, dedup, exports, importing, normalize, selectors, services

    p, officer = w.programme, w["xa-giaohieu"]
    commune = programmes.commune_get(actor=officer, programme=p, code=GIAO_HIEU)
    header = ["STT", "Họ và tên", "Năm sinh", "Giới tính", "Số CCCD", "Thôn/Bản", "Mã hộ", "Diện hộ", "Điện thoại"]
    rows = [
        [i, f"Lường Văn {name}", 1960 + i, "Nam", f"00606{i}12345{i}", "Thôn 1 (ví dụ)", f"T{i}", "", ""]
        for i, name in enumerate(["An", "Bình", "Cường", "Dũng", "Hải", "Khánh"], 1)
    ]
    importing.column_mapping_save(actor=officer, programme=p, commune=commune, mapping={"Điện thoại": "phone"})
    read = importing.import_residents(
        actor=officer,
        programme=p,
        data=book([header, *rows]),
        filename="t.xlsx",
        commune_code=GIAO_HIEU,
        smartphone_status="lacks",
    )
    assert read.created == 6, read.as_dict()
    rows[0][7] = "Hộ nghèo"  # the household gains its poverty status
    rows[1][8] = "0912345678"  # the person gains a phone number
    again = importing.import_residents(
        actor=officer, programme=p, data=book([header, *rows]), filename="t2.xlsx", commune_code=GIAO_HIEU
    )
    assert again.updated == 1, again.as_dict()
    from phocap.registry.importing import kept

    rows[2][7], rows[2][8] = "Hộ cận nghèo", "0912345679"  # the kept, two-step import updates a household and a person
    token = kept.import_keep(
        actor=officer, programme=p, data=book([header, *rows]), filename="t3.xlsx", commune_code=GIAO_HIEU
    )
    kept.import_kept(actor=officer, programme=p, token=token, commune_code=GIAO_HIEU, dry_run=True)
    kept.problems_workbook(actor=officer, programme=p, token=token, commune_code=GIAO_HIEU)
    kept.import_kept(actor=officer, programme=p, token=token, commune_code=GIAO_HIEU)
    rows[3][7], rows[3][8] = "Hộ nghèo", "0912345670"  # and the one-step import of the API and the CLI
    rows.append([7, "Lường Văn Minh", 1967, "Nam", "006067123457", "Thôn 1 (ví dụ)", "T7", "", ""])
    kept.import_submit(
        actor=officer, programme=p, data=book([header, *rows]), filename="t4.xlsx", commune_code=GIAO_HIEU
    )
    people = list(selectors.resident_list(actor=officer, programme=p).filter(full_name__startswith="Lường Văn"))
    done = consents.consent_bulk(
        actor=officer, programme=p, given_on=DAY, method="paper", ids=[person.pk for person in people]
    )
    assert done["recorded"] == len(people)
    twins = []
    for name, year in (("Lường Văn Thừa", 1950), ("Lường Thị Nữa", 1955)):
        for _ in range(2):
            twins.append(
                services.resident_register(
                    actor=officer, commune=commune, full_name=name, birth=normalize.BirthDate(None, year)
                )
            )
    services.resident_correct(actor=officer, resident=twins[1], values={"notes": "có thể trùng"})
    consent = services.consent_record(
        actor=officer, resident=twins[0], kind="other", purpose="Khảo sát", given_on=DAY, method="verbal"
    )
    services.consent_withdraw(actor=officer, consent=consent)
    consents.consent_bulk(actor=officer, programme=p, given_on=DAY, method="paper", ids=[twins[2].pk])
    consents.consent_withdraw_bulk(actor=officer, programme=p, on=DAY, ids=[twins[2].pk])
    services.resident_data(actor=officer, resident=twins[0])
    exports.export_residents(actor=w["quanly"], programme=p, commune_code=GIAO_HIEU, fmt="csv")
    dedup.dedup_run(actor=w["quanly"], programme=p)
    dedup.dedup_start(actor=w["quanly"], programme=p)
    pairs = list(dedup.pair_queue(actor=officer, programme=p)[:2])
    assert len(pairs) == 2, "the scenario needs two possible duplicates"
    dedup.pair_decide(actor=officer, programme=p, pair_id=pairs[0].pk, decision="same")
    dedup.pair_reopen(actor=officer, programme=p, pair_id=pairs[0].pk)
    dedup.pair_decide(actor=officer, programme=p, pair_id=pairs[1].pk, decision="different")
    services.resident_erase(actor=officer, resident=twins[3], reason="yêu cầu của người dân")
    return people


def _devices(w: World) -> None:
    from phocap.devices import selectors, services
    from phocap.fundraising import selectors as fundraising
    from phocap.programmes import selectors as programmes

    p, manager = w.programme, w["quanly"]
    commune = programmes.commune_get(actor=manager, programme=p, code=GIAO_HIEU)
    model = services.phone_model_create(actor=manager, programme=p, name="Nokia Thử 1")
    model = services.phone_model_price_set(actor=manager, programme=p, phone_model=model, price=1_200_000)
    order = services.purchase_order_create(
        actor=manager, programme=p, phone_model="Nokia Thử 2", quantity=6, unit_price=1_000_000, supplier_name="x"
    )
    mistaken = services.purchase_order_create(
        actor=manager, programme=p, phone_model="Nokia Thử 2", quantity=1, unit_price=1_000_000, supplier_name="x"
    )
    services.purchase_order_void(actor=manager, order=mistaken, reason="nhập nhầm")
    numbers = imeis(6, 47_000_000_000_000)
    received = services.device_receive(
        actor=manager, programme=p, phone_model=order.phone_model, imeis=numbers, purchase_order=order, ready=True
    ).received
    services.device_sim_set(actor=manager, device=received[0], number="0812345678", carrier="VinaPhone")
    donor = fundraising.donor_by_name(actor=manager, programme=p, name="Công ty TNHH Thiết bị số Bắc Kạn — ví dụ")
    (gift,) = services.device_receive(
        actor=manager, programme=p, phone_model=model, imeis=imeis(1, 48_000_000_000_000), donor=donor
    ).received
    giver = fundraising.donor_by_name(actor=manager, programme=p, name="Công ty Hứa")  # an enterprise: a receipt
    (in_kind,) = services.device_receive(
        actor=manager,
        programme=p,
        phone_model=model,
        imeis=imeis(1, 48_500_000_000_000),
        donor=giver,
        gift=services.GiftTerms(DAY, 1_500_000),
    ).gifts
    assert (in_kind.phones, in_kind.amount) == (1, 1_500_000)
    services.device_move(actor=manager, device=gift, to_state="checked")
    assert services.devices_check(actor=manager, programme=p, imeis=[gift.imei], result="needs_repair")["checked"] == 1
    services.device_check(
        actor=manager, device=gift, factory_reset=True, activation_lock_free=True, battery_ok=True, screen_ok=True
    )
    services.transfer_send(actor=manager, device=received[5], to=commune)
    services.transfer_confirm(actor=w["xa-giaohieu"], device=received[5])
    services.transfer_send_many(actor=manager, programme=p, imeis=[numbers[4]], to=commune)
    pending = list(selectors.in_transit_to(actor=w["xa-giaohieu"], programme=p))
    services.transfer_confirm_many(actor=w["xa-giaohieu"], devices=pending)


def _allocation_and_handover(w: World, people: list[Any]) -> Any:
    from phocap.allocation import selectors as allocation
    from phocap.allocation import services as rounds
    from phocap.handover import attendance, selectors, services
    from phocap.programmes import selectors as programmes

    p, manager, officer = w.programme, w["quanly"], w["xa-giaohieu"]
    rounds.policy_update(actor=manager, programme=p, order=[1, 2, 3, 4, 5, 6], one_per_household=True)
    early = rounds.round_propose(actor=manager, programme=p, seed="sớm")
    rounds.round_cancel(actor=manager, round_=early, reason="sửa danh sách")
    round_ = rounds.round_propose(actor=manager, programme=p, seed="thử")
    rounds.exclude_resident(actor=officer, round_=round_, resident_id=people[-1].pk, reason="đã chuyển đi")
    rounds.round_approve(actor=w["admin"], round_=round_)
    _postings(w, round_)
    commune = programmes.commune_get(actor=officer, programme=p, code=GIAO_HIEU)
    mine = {r.resident_id: r for r in allocation.expected(commune)}
    held = [mine[person.pk] for person in people if person.pk in mine]
    assert len(held) >= 3, "the scenario's people have phones kept for them"
    event = services.event_create(actor=officer, programme=p, commune=commune, held_on=DAY, place="Nhà văn hóa")
    assert services.labels_pdf(actor=officer, event=event).startswith(b"%PDF")
    photo = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(photo, format="PNG")

    def give(reservation: Any, key: str, picture: bytes | None = None) -> Any:
        return services.handover_record(
            actor=officer,
            event=event,
            reservation_id=reservation.pk,
            id_number=reservation.resident.id_number,
            scanned=False,
            imei=reservation.device.imei,
            sim_activated=True,
            confirmation="signature",
            key=key,
            photo=picture,
        )

    first = give(held[0], "k-1", photo.getvalue())
    services.photo_view(actor=officer, handover=first)
    services.handover_return(actor=officer, handover=first, reason="có máy rồi", device_ok=True, on=DAY)
    second = give(held[1], "k-2")
    spare = next(d for d in selectors_ready(w, commune) if d.pk != held[1].device_id)
    second = services.handover_replace(actor=officer, handover=second, imei=spare.imei, reason="màn hình hỏng")
    attendance.absent_record(actor=officer, event=event, reservation=held[2], reason="vắng mặt")
    attendance.absent_undo(actor=officer, event=event, reservation=held[2])
    attendance.absent_record(actor=officer, event=event, reservation=held[2], reason="vắng mặt")
    attendance.event_close(actor=officer, event=event)
    assert selectors.handover_get(actor=officer, programme=p, handover_id=second.pk)
    _a_later_programme_knows_the_phone(w, second.resident)
    return second


def _a_later_programme_knows_the_phone(w: World, holder: Any) -> None:
    """One phone per person across programmes: the holder turns up in another programme's list."""
    from phocap.allocation import selectors as allocation
    from phocap.allocation import services as rounds
    from phocap.registry import consents, importing

    later = w["second"]
    row = [1, holder.full_name, holder.birth_year, holder.id_number]
    report = importing.import_residents(
        actor=SYSTEM,
        programme=later,
        data=book([["STT", "Họ và tên", "Năm sinh", "Số CCCD"], row]),
        filename="sau.xlsx",
        commune_code=GIAO_HIEU,
        smartphone_status="lacks",
    )
    assert [n.code for n in report.notes if n.column == "id"] == ["phone_from_other_programme"]
    again = later.residents.get()
    consents.consent_bulk(actor=SYSTEM, programme=later, given_on=DAY, method="paper", ids=[again.pk])
    assert not allocation.eligible_residents(later).filter(pk=again.pk).exists()
    rounds.prior_phone_exception(actor=SYSTEM, programme=later, resident_id=again.pk, reason="máy mất, đã báo")
    assert allocation.eligible_residents(later).filter(pk=again.pk).exists()


def selectors_ready(w: World, commune: Any) -> list[Any]:
    from phocap.devices import selectors

    return list(selectors.device_list(actor=w["quanly"], programme=w.programme).filter(state="ready", location=commune))


def _onboarding_and_reports(w: World, holder: Any) -> None:
    from phocap.onboarding import services
    from phocap.programmes import selectors as programmes
    from phocap.reports import documents

    p, officer = w.programme, w["xa-giaohieu"]
    commune = programmes.commune_get(actor=officer, programme=p, code=GIAO_HIEU)
    team = services.team_create(actor=officer, commune=commune, village="Thôn Thử")
    services.team_member_add(actor=officer, team=team, name="Hà Văn Tổ", is_leader=True)
    later = DAY + dt.timedelta(days=7)
    services.steps_record(
        actor=officer, programme=p, resident_ids=[holder.resident_id], steps=["vneid_installed"], done_on=later
    )
    services.step_undo(actor=officer, programme=p, resident_id=holder.resident_id, step="vneid_installed")
    services.session_create(
        actor=officer,
        commune=commune,
        held_on=later,
        topic="VNeID",
        organiser_kind="team",
        team=team,
        attendee_ids=[holder.resident_id],
    )
    services.followup_record(
        actor=officer,
        programme=p,
        resident_id=holder.resident_id,
        days=7,
        visited_on=later,
        outcome="using",
        steps=["eid_level2"],
    )
    sample = services.sample_draw(actor=w["quanly"], programme=p, confidence=Decimal(95), margin=Decimal(20))
    item = sample.items.first()
    services.verification_record(actor=w["quanly"], item=item, method="call", result="received")
    documents.export(actor=w["quanly"], programme=p, kind="nguoi-nhan", fmt="xlsx", on=later)
    from phocap.reports.models import TallyTotal
    from phocap.reports.services import tallies_check

    TallyTotal.objects.filter(programme_id=p.pk).update(n=0)  # a tally put wrong behind the triggers' back
    assert tallies_check(actor=w["admin"], programme=p, on=later, repair=True).repaired
    assert tallies_check(actor=w["quanly"], programme=p, on=later).agree


def _postings(w: World, round_: Any) -> None:
    """The lists posted for objections (5 working days from Friday 8/9/2023: the hall on 20/9 comes after)."""
    from phocap.allocation import postings

    mine, *others = sorted(round_.postings.all(), key=lambda p: p.commune.unit.code != GIAO_HIEU)
    postings.posting_record(actor=w["xa-giaohieu"], posting=mine, posted_on=dt.date(2023, 9, 8))
    assert postings.posting_pdf(actor=w["xa-giaohieu"], posting=mine).startswith(b"%PDF")
    postings.posting_early_start(actor=w["quanly"], posting=others[0] if others else mine, reason="Bão sắp đến")


def _people_served(w: World, settings: Any) -> None:
    from phocap.complaints import services as complaints
    from phocap.notifications import services as notify
    from phocap.notifications.models import Message
    from phocap.programmes import selectors as programmes
    from tests.complaints.provider import Provider

    p, officer = w.programme, w["xa-giaohieu"]
    commune = programmes.commune_get(actor=officer, programme=p, code=GIAO_HIEU)
    filed = complaints.complaint_file(programme=p, commune=commune, category="not_received", text="Chưa nhận máy")
    complaints.complaint_update(actor=officer, complaint=filed, status="acknowledged", note="Đã nhận, đang xem")
    complaints.complaint_record(
        actor=officer,
        programme=p,
        commune=commune,
        category="broken",
        text="Máy không lên nguồn",
        via="phone",
        phone="0912345678",
    )
    heard = complaints.complaint_record(
        actor=officer,
        programme=p,
        commune=commune,
        category="other",
        text="Hỏi lịch trao",
        via="meeting",
        phone="0987654321",
    )
    complaints.complaint_update(actor=officer, complaint=heard, status="acknowledged", note="Sẽ báo lịch")
    provider = Provider("sms", answers=[{"CodeResult": "146", "ErrorMessage": "Sai template"}])
    settings.PHOCAP_NOTIFY_BACKEND = "live"
    settings.PHOCAP_SMS = {**settings.PHOCAP_SMS, "url": provider.url}
    try:
        notify.notify_send_due(actor=w["quanly"], programme=p)
        failed = Message.objects.filter(status="failed").first()
        assert failed is not None, "the provider refused the first message for good"
        notify.message_retry(actor=w["quanly"], message=failed)
        notify.notify_send_due(actor=w["quanly"], programme=p)
        sent = Message.objects.filter(status="sent").first()
        assert notify.sms_delivery_report(
            provider_id=sent.provider_id, phone=sent.recipient, status="5", success=1, failed=0
        )
    finally:
        provider.close()
    notify.contact_opt_out(actor=officer, programme=p, recipient="0912345678", reason="không muốn nhận tin")


def test_every_service_writes_exactly_the_audit_rows_it_declares(
    programme, user, tmp_path, django_capture_on_commit_callbacks, settings
):
    from phocap.programmes.models import Programme

    registry = all_services()
    assert len(registry) > 60
    core_services.CALLS.clear()
    names = ("quanly", "admin", "mttq", "xa-giaohieu")
    world = World(programme, {n: user(n) for n in names}, tmp_path)
    with django_capture_on_commit_callbacks(execute=True):  # the background jobs started run, as a worker would
        _programmes_and_accounts(world)
    world.users["second"] = Programme.objects.get(code="thu-nghiem-2023")
    _fundraising(world)
    with django_capture_on_commit_callbacks(execute=True):
        people = _registry(world)
    _devices(world)
    holder = _allocation_and_handover(world, people)
    _onboarding_and_reports(world, holder)
    _people_served(world, settings)
    from phocap.handover import services as handovers

    handovers.handover_lost(actor=world["xa-giaohieu"], handover=holder, reason="bị mất")  # the phone's last step

    called: dict[str, set[str]] = {}
    for name, actions in core_services.CALLS:
        called.setdefault(name, set()).update(actions)
    never = sorted(set(registry) - set(called))
    assert never == [], "services the scenario never ran"
    unseen = {name: sorted(d.audits - called[name]) for name, d in registry.items() if d.audits - called[name]}
    assert unseen == {}, "declared actions never written"
    silent = sorted(name for name, d in registry.items() if d.audits and not called[name])
    assert silent == []
    assert AuditEvent.objects.filter(action="statement_line.deposit").exists()


def test_an_undeclared_audit_row_is_refused(programme):
    """The check the scenario relies on can fail: a service writing an action it does not declare."""
    from phocap.core import audit
    from phocap.core.actions import Action

    @core_services.service(audits=[Action.PLEDGE_CANCEL])
    def liar(*, actor: Any) -> None:
        audit.record(actor=actor, action=Action.PLEDGE_CREATE, obj=programme)

    with pytest.raises(core_services.UndeclaredAudit):
        liar(actor=SYSTEM)
    del core_services.REGISTRY[f"{__name__}.test_an_undeclared_audit_row_is_refused.<locals>.liar"]
