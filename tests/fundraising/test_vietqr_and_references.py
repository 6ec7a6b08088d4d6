import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vietnam_qr_pay import QRPay

from phocap.core.vnwords import amount_in_words
from phocap.fundraising import references, vietqr

VECTOR = (
    "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN"
    "62170813ung ho lu lut6304C15C"
)


def test_payload_matches_the_published_vector_byte_for_byte():
    assert vietqr.payload(bin_code="970415", account="0011001932418", amount=120000, purpose="ung ho lu lut") == VECTOR


@given(
    amount=st.one_of(st.none(), st.integers(min_value=1, max_value=10**12)),
    account=st.from_regex(r"[0-9]{6,19}", fullmatch=True),
    purpose=st.text(max_size=60),
)
def test_an_independent_decoder_reads_our_payloads_and_their_crc(amount, account, purpose):
    payload = vietqr.payload(bin_code="970436", account=account, amount=amount, purpose=purpose)
    decoded = QRPay(payload)
    assert decoded.is_valid, payload
    assert decoded.provider.guid == "A000000727"
    assert decoded.consumer.bank_bin == "970436"
    assert decoded.consumer.bank_number == account
    assert decoded.amount == (str(amount) if amount else None)
    assert decoded.init_method == ("12" if amount else "11")
    text = vietqr.purpose_text(purpose)
    assert len(text) <= 25
    assert text.isascii()
    assert (decoded.additional_data.purpose or "") == text


def test_purpose_is_stripped_of_diacritics_and_cut_to_25():
    assert vietqr.purpose_text("Ủng hộ điện thoại — Đức Vân K7QM4XP!!") == "Ung ho dien thoai Duc Van"
    assert vietqr.purpose_text("UNG HO K7QM4XP") == "UNG HO K7QM4XP"


def test_qr_images_are_made_locally():
    assert vietqr.png(VECTOR).startswith(b"\x89PNG")
    svg = vietqr.svg(VECTOR)
    assert svg.startswith("<svg")
    assert "http" not in svg.split(">", 1)[1]  # no external resource


def test_references_use_an_unambiguous_alphabet_and_validate():
    for _ in range(200):
        code = references.new_reference()
        assert len(code) == 7
        assert not set(code) & set("01OI")
        assert references.is_valid(code)


def test_every_single_symbol_typo_is_caught():
    code = references.new_reference()
    for position, replacement in itertools.product(range(7), references.ALPHABET):
        typo = code[:position] + replacement + code[position + 1 :]
        assert references.is_valid(typo) == (typo == code)


@pytest.mark.parametrize(
    "text",
    [
        "MBVCB.3928475610.{ref}.CT tu 0011004567890 NGUYEN VAN A toi 113000000001",
        "104562.110823.101522.NGUYEN VAN A chuyen tien {a} {b}",
        "Chuyen tien den tu NAPAS Noi dung: {lower_dotted} ung ho",
        "CT nhanh 247 den: UNG HO {ref}",
        "MoMo 0912xxxxxx UNG HO{ref}",
        "ung ho {lower}",
    ],
)
def test_a_reference_is_found_whatever_the_bank_put_around_it(text):
    ref = references.new_reference()
    filled = text.format(
        ref=ref, a=ref[:3], b=ref[3:], lower=ref.lower(), lower_dotted=f"{ref[:2].lower()}.{ref[2:].lower()}"
    )
    assert references.find(filled, {ref, references.new_reference()}) == [ref]


def test_texts_without_a_code_match_no_known_reference():
    rng = random.Random(7)
    known = {references.new_reference() for _ in range(2000)}
    words = ["UNG", "HO", "CHUYEN", "TIEN", "NGUYEN", "VAN", "THI", "BAC", "KAN", "MBVCB", "NAPAS", "DIEN", "THOAI"]
    for _ in range(2000):
        text = " ".join(rng.choice(words) for _ in range(8)) + f" {rng.randrange(10**12)}"
        assert references.find(text, known) == []


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (700_000_000, "Bảy trăm triệu đồng"),
        (34_700_000, "Ba mươi bốn triệu bảy trăm nghìn đồng"),
        (2_000_000, "Hai triệu đồng"),
        (1_005_000, "Một triệu không trăm lẻ năm nghìn đồng"),
        (2_024, "Hai nghìn không trăm hai mươi bốn đồng"),
        (21, "Hai mươi mốt đồng"),
        (15, "Mười lăm đồng"),
        (105, "Một trăm lẻ năm đồng"),
        (115, "Một trăm mười lăm đồng"),
        (1_250_000_000_000, "Một nghìn hai trăm năm mươi tỷ đồng"),
        (1_000_005_000, "Một tỷ không trăm lẻ năm nghìn đồng"),
    ],
)
def test_amounts_in_vietnamese_words(amount, words):
    assert amount_in_words(amount) == words
