"""The ledger's invariants, in the database and under any sequence of operations."""

import datetime as dt
import uuid

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phocap.core.actors import SYSTEM
from phocap.core.errors import Conflict, ValidationFailed
from phocap.fundraising import ledger, selectors, services
from phocap.fundraising.models import Donation, JournalEntry, JournalLine, LedgerAccount, StatementLine
from phocap.fundraising.review import statement_line_resolve
from phocap.fundraising.services.cash import cash_deposit
from tests.conftest import rolled_back

pytestmark = pytest.mark.django_db
DAY = dt.date(2023, 9, 1)


def accounts(programme):
    return ledger.account(programme, "bank"), ledger.account(programme, "unrestricted")


def test_the_database_refuses_an_unbalanced_entry(programme):
    bank, fund = accounts(programme)
    entry_id = uuid.uuid4()
    with transaction.atomic():
        JournalLine.objects.bulk_create(
            [
                JournalLine(entry_id=entry_id, account=bank, amount=100),
                JournalLine(entry_id=entry_id, account=fund, amount=-99),
            ]
        )
        with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
            JournalEntry.objects.create(
                id=entry_id, programme=programme, kind="other", occurred_on=DAY, actor_label="x"
            )
        transaction.set_rollback(True)
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        JournalEntry.objects.create(programme=programme, kind="other", occurred_on=DAY, actor_label="x")


def test_no_line_can_be_added_to_a_posted_entry_and_nothing_can_be_changed(programme):
    bank, fund = accounts(programme)
    entry = ledger.post(
        programme=programme, kind="other", occurred_on=DAY, memo="t", lines=[(bank, 500), (fund, -500)], actor_label="t"
    )
    with pytest.raises(DatabaseError, match="already posted"), transaction.atomic():
        JournalLine.objects.create(entry=entry, account=bank, amount=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        JournalLine.objects.filter(entry=entry).update(amount=1000)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(memo="sửa")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        JournalLine.objects.filter(entry=entry)._raw_delete(connection.alias)  # below Django's own PROTECT
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk)._raw_delete(connection.alias)


def test_a_line_without_its_entry_fails_the_foreign_key_check(programme):
    bank, _ = accounts(programme)
    with transaction.atomic():
        JournalLine.objects.create(entry_id=uuid.uuid4(), account=bank, amount=7)
        with pytest.raises(IntegrityError):
            connection.check_constraints(table_names=["fundraising_journalline"])
        transaction.set_rollback(True)


def test_python_refuses_unbalanced_postings_before_the_database_sees_them(programme):
    bank, fund = accounts(programme)
    with pytest.raises(ValidationFailed, match="không cân"):
        ledger.post(
            programme=programme, kind="other", occurred_on=DAY, memo="", lines=[(bank, 5), (fund, -4)], actor_label="t"
        )


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("cash"), st.integers(1, 10**9), st.booleans()),
        st.tuples(st.just("in_kind"), st.integers(1, 10**8), st.booleans()),
        st.tuples(st.just("reverse"), st.integers(0, 50), st.just(False)),
        st.tuples(st.just("deposit"), st.integers(1, 10**9), st.just(False)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPERATIONS)
def test_balances_are_the_sum_of_lines_and_nothing_is_counted_twice(programme, ops):
    with rolled_back():
        point = programme.collection_points.get(key="tinh")
        commune = programme.communes.get(unit__code="01870")
        before = ledger.balances(programme)
        before_received = selectors.summary(programme)["received"]
        expected: dict[int, int] = {}
        live: list[Donation] = []
        reversed_total = 0

        def move(account: LedgerAccount, amount: int) -> None:
            expected[account.pk] = expected.get(account.pk, 0) + amount

        cash = ledger.account(programme, "cash", point=point)
        transit = ledger.account(programme, "cash_in_transit")
        for n, (kind, amount, earmarked) in enumerate(ops):
            fund = ledger.fund_account(programme, commune if earmarked else None)
            if kind == "cash":
                live.append(
                    services.donation_record(
                        actor=SYSTEM,
                        programme=programme,
                        channel="cash",
                        amount=amount,
                        received_on=DAY,
                        collection_point=point,
                        cash_receipt_number=f"PT-{n}",
                        earmark=commune if earmarked else None,
                    )
                )
                move(cash, amount)
                move(fund, -amount)
            elif kind == "in_kind":
                live.append(
                    services.donation_record(
                        actor=SYSTEM,
                        programme=programme,
                        channel="in_kind",
                        amount=amount,
                        phones=1,
                        received_on=DAY,
                        earmark=commune if earmarked else None,
                    )
                )
                move(ledger.account(programme, "in_kind"), amount)
                move(fund, -amount)
            elif kind == "reverse" and live:
                donation = live[amount % len(live)]
                if donation.channel == "cash" and ledger.balances(programme).get(cash.pk, 0) < donation.amount:
                    with pytest.raises(Conflict, match="đã nộp về ngân hàng"):  # its cash is in the bank now
                        services.donation_reverse(actor=SYSTEM, donation=donation, reason="nhập nhầm")
                    continue
                live.remove(donation)
                services.donation_reverse(actor=SYSTEM, donation=donation, reason="nhập nhầm")
                for line in donation.entry.lines.all():
                    move(line.account, -line.amount)
                reversed_total += donation.amount
                with pytest.raises(Conflict):
                    services.donation_reverse(actor=SYSTEM, donation=donation, reason="lần hai")
            elif kind == "deposit":
                held = ledger.balances(programme).get(cash.pk, 0)
                if amount > held:  # never more than the point holds
                    with pytest.raises(Conflict, match="đang giữ"):
                        cash_deposit(actor=SYSTEM, programme=programme, point=point, amount=amount, deposited_on=DAY)
                    continue
                cash_deposit(actor=SYSTEM, programme=programme, point=point, amount=amount, deposited_on=DAY)
                move(transit, amount)
                move(cash, -amount)
            assert ledger.balances(programme).get(cash.pk, 0) >= 0
        after = ledger.balances(programme)
        for account_id in set(after) | set(before):
            assert after.get(account_id, 0) - before.get(account_id, 0) == expected.get(account_id, 0)
        assert sum(after.values()) == 0  # double entry: everything debited is credited somewhere
        received = selectors.summary(programme)["received"] - before_received
        assert received == sum(d.amount for d in live)  # each live gift once, reversed ones not at all


def test_reversing_a_matched_transfer_puts_its_statement_line_back_for_review(programme):
    donation = Donation.objects.filter(programme=programme, channel="bank_transfer", pledge__isnull=False).first()
    line = donation.statement_line
    services.donation_reverse(actor=SYSTEM, donation=donation, reason="nhầm cam kết")
    line.refresh_from_db()
    assert line.status == StatementLine.Status.REVIEW
    rows = {r.pledge.pk: r for r in selectors.pledge_rows(actor=SYSTEM, programme=programme)}
    assert rows[donation.pledge.pk].received == 0
    assert rows[donation.pledge.pk].status in ("expected", "expired")
    statement_line_resolve(actor=SYSTEM, line=line, action="pledge", pledge=donation.pledge)
    rows = {r.pledge.pk: r for r in selectors.pledge_rows(actor=SYSTEM, programme=programme)}
    assert rows[donation.pledge.pk].status == "fulfilled"


def test_the_database_refuses_a_posted_line_without_its_entry_and_receipt_number_zero(programme):
    from phocap.fundraising.models import Receipt, StatementImport

    statement = StatementImport.objects.create(
        programme=programme, filename="x", file_sha256="0", profile="mb", imported_by="t"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementLine.objects.create(
            programme=programme,
            statement=statement,
            fingerprint="f",
            booked_on=DAY,
            amount=-1,
            description="phí",
            status="posted",
        )
    donation = Donation.objects.filter(programme=programme, receipt__isnull=True).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.create(programme=programme, number=0, donation=donation, issued_by="t")


def _work_to_post_one(programme, bank, fund) -> int:
    """SQLite virtual-machine steps spent posting one more bank entry (counted by a progress handler: what the
    guards read, whatever the machine's speed)."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    raw = connection.connection
    raw.set_progress_handler(count, 100)
    try:
        ledger.post(
            programme=programme, kind="other", occurred_on=DAY, memo="", lines=[(bank, 1), (fund, -1)], actor_label="x"
        )
    finally:
        raw.set_progress_handler(None, 0)
    return steps[0]


@pytest.mark.sqlite
def test_posting_an_entry_does_not_read_the_bank_accounts_every_line(programme):
    """The cash guard sums an account's lines only for a cash account: posting to the bank costs the same with 20
    or 2,000 lines on it (it once read them all for every entry: a statement of 100,000 lines never finished)."""
    bank, fund = accounts(programme)
    entries = [
        ledger.build(
            programme=programme, kind="other", occurred_on=DAY, memo="", lines=[(bank, 1), (fund, -1)], actor_label="x"
        )
        for _ in range(20)
    ]
    ledger.post_many(entries)
    few = _work_to_post_one(programme, bank, fund)
    ledger.post_many(
        [
            ledger.build(
                programme=programme,
                kind="other",
                occurred_on=DAY,
                memo="",
                lines=[(bank, 1), (fund, -1)],
                actor_label="x",
            )
            for _ in range(2000)
        ]
    )
    many = _work_to_post_one(programme, bank, fund)
    assert many < few * 1.5, (few, many)


@pytest.mark.postgres
def test_on_postgresql_the_ledger_guards_check_each_statement_once():
    """A row trigger planned while the tables were empty scanned every line for every entry of a bulk insert (four
    minutes for 40,000 entries): the guards run once per statement, over its rows (a transition table)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, (tgtype & 1) = 1 FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
            "('fundraising_journalentry'::regclass, 'fundraising_journalline'::regclass) AND (tgtype & 4) = 4"
        )
        on_insert = dict(cursor.fetchall())
    assert on_insert == {
        "fundraising_journalentry_balanced": False,
        "fundraising_journalline_before_entry": False,
        "fundraising_cash_never_negative": False,
    }
