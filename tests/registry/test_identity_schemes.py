"""Unit tests per scheme, with exact expected values from the rules in identity.md."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from volunteerkit import FixedClock
from volunteerkit.errors import InvalidInputError, NaiveDatetimeError
from volunteerkit.registry import identity
from volunteerkit.registry.identity import (
    Sex,
    cn_foreign_pr,
    cn_hk_macau_mainland_permit,
    cn_hmt_residence_permit,
    cn_mobile,
    cn_passport_number,
    cn_ric,
    cn_taiwan_mainland_permit,
    cn_uscc,
    hk_hkid,
    icao_td3_mrz,
    mo_bir,
    tw_national_id,
    tw_uin,
)

SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
)
CHN_MRZ = (
    "P<CHNZHANG<<SAN<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nEA12345676CHN9001011M3001019<<<<<<<<<<<<<<04"
)


def clock_at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> FixedClock:
    """Return a clock fixed at the given UTC instant."""
    return FixedClock(datetime(year, month, day, hour, minute, tzinfo=UTC))


# --- cn_ric ------------------------------------------------------------------------------------


def test_ric_gb11643_worked_example() -> None:
    """The standard's example 11010519491231002X is valid and decodes to its fields."""
    doc = cn_ric.parse("11010519491231002X")
    assert doc.number == "11010519491231002X"
    assert doc.birth_date == date(1949, 12, 31)
    assert doc.sex is Sex.FEMALE
    assert doc.region == "110105"
    assert doc.nationality == "CHN"
    assert doc.edition is None
    assert doc.warnings == ()


def test_ric_helpers() -> None:
    """The helpers calc_check_digit, birth_date, sex and region return exact values."""
    assert cn_ric.calc_check_digit("11010519491231002") == "X"
    assert cn_ric.calc_check_digit("11010519491231002X") == "X"
    assert cn_ric.birth_date("360426199101010071") == date(1991, 1, 1)
    assert cn_ric.sex("360426199101010071") is Sex.MALE
    assert cn_ric.region("360426199101010071") == "360426"


@pytest.mark.parametrize(
    "body", ["1101051949123100", "1101051949123100２", "1101051949123100a", 17]
)
def test_ric_calc_check_digit_refuses_non_digits(body: object) -> None:
    """The check-digit helper needs 17 ASCII digits; anything else is InvalidFormat."""
    with pytest.raises(identity.InvalidFormat):
        cn_ric.calc_check_digit(body)  # type: ignore[arg-type]


def test_ric_15_digit_numbers_are_upgraded() -> None:
    """A 15-digit number gets 19 inserted and a MOD 11-2 check appended (identity.md §1)."""
    assert cn_ric.to_18("610104620927690") == "610104196209276908"
    assert cn_ric.validate("110105491231002") == "11010519491231002X"
    assert cn_ric.compact("610104 620927 690") == "610104620927690"
    assert cn_ric.to_18("610104196209276908") == "610104196209276908"


def test_ric_15_digit_parse_is_marked_legacy() -> None:
    """Parsing a 15-digit number gives edition 1989 and the legacy-format warning."""
    doc = identity.parse("cn_ric", "610104620927690")
    assert doc.number == "610104196209276908"
    assert doc.edition == "1989"
    assert doc.birth_date == date(1962, 9, 27)
    assert doc.sex is Sex.FEMALE
    assert doc.warning_codes == ("identity.warning.legacy_format",)


def test_ric_15_digit_checks_region_and_date() -> None:
    """The legacy form still checks its address code and its (19)YYMMDD date."""
    with pytest.raises(identity.InvalidComponent) as info:
        cn_ric.validate("990104620927690")
    assert info.value.code == "identity.component.region"
    with pytest.raises(identity.InvalidComponent) as info:
        cn_ric.validate("610104000229690")  # 1900-02-29
    assert info.value.code == "identity.component.birth_date"
    with pytest.raises(identity.InvalidFormat):
        cn_ric.validate("61010462092769X")


def test_ric_abolished_region_code_stays_valid() -> None:
    """362324 (丰城县, abolished) is in the historical union, so the number is valid."""
    assert cn_ric.is_valid("362324198001010014")


def test_ric_code_in_no_dataset_is_refused() -> None:
    """The widely copied 34052419800101001X has a correct check but 340524 exists nowhere."""
    with pytest.raises(identity.InvalidComponent) as info:
        cn_ric.validate("34052419800101001X")
    assert info.value.code == "identity.component.region"


@pytest.mark.parametrize(
    "number", ["810000199408230021", "830000199201300022", "820000198511200020"]
)
def test_ric_refuses_residence_permit_prefixes(number: str) -> None:
    """81/82/83 address codes belong to cn_hmt_residence_permit, not cn_ric."""
    with pytest.raises(identity.InvalidComponent) as info:
        cn_ric.validate(number)
    assert info.value.code == "identity.component.region"
    assert "cn_hmt_residence_permit" in info.value.message
    assert cn_hmt_residence_permit.is_valid(number)


def test_ric_refuses_taiwan_province_code() -> None:
    """71 (Taiwan) is not used in mainland citizen numbers, even with a correct check."""
    with pytest.raises(identity.InvalidComponent) as info:
        cn_ric.validate("710000199001010015")
    assert info.value.code == "identity.component.region"
    assert "71" in info.value.message


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("110101000101010011", False),  # year 0001: stdnum accepts it
        ("110101179912310010", False),  # before 1800
        ("110101180001010015", True),
        ("110101200002290018", True),
        ("110101190002290038", False),
    ],
)
def test_ric_birth_date_bounds(number: str, valid: bool) -> None:
    """Birth dates must be real Gregorian dates from 1800-01-01 on."""
    assert cn_ric.is_valid(number) is valid


def test_ric_future_birth_date_needs_a_clock() -> None:
    """Without a clock there is no future-date check; with one, a later birth date is refused."""
    assert cn_ric.validate("110101209901010017") == "110101209901010017"
    with pytest.raises(identity.InvalidComponent) as info:
        cn_ric.validate("110101209901010017", clock=clock_at(2026, 11, 28))
    assert info.value.code == "identity.component.future_birth_date"


def test_ric_today_is_the_date_in_china_standard_time() -> None:
    """A birth date of 2026-11-28 becomes acceptable at 2026-11-27T16:00Z (00:00 UTC+8)."""
    born_today = "110101202611280017"
    assert not cn_ric.is_valid(born_today, clock=clock_at(2026, 11, 27, 15, 59))
    assert cn_ric.is_valid(born_today, clock=clock_at(2026, 11, 27, 16, 0))
    assert not cn_ric.is_valid("110101202611290012", clock=clock_at(2026, 11, 28, 12))


def test_ric_clock_in_another_zone_gives_the_same_day() -> None:
    """The clock's instant matters, not its zone: 2026-11-27 23:00-08:00 is 11-28 in CST."""
    pacific = FixedClock(datetime(2026, 11, 27, 9, 0, tzinfo=timezone(timedelta(hours=-8))))
    assert cn_ric.is_valid("110101202611280017", clock=pacific)


def test_naive_clock_is_a_programming_error() -> None:
    """A clock answering a naive datetime raises NaiveDatetimeError, even from is_valid."""

    class NaiveClock:
        def now(self) -> datetime:
            return datetime(2026, 11, 28)  # deliberately naive

    with pytest.raises(NaiveDatetimeError):
        cn_ric.is_valid("11010519491231002X", clock=NaiveClock())


@pytest.mark.parametrize(
    "raw",
    [
        "44011320141005001Ｘ",  # full-width X: stdnum gives InvalidChecksum
        "360426-19910101-0071",
        "360426\t199101010071\n",
        "３６０４２６１９９１０１０１００７１",
        "360426\u3000199101010071",
        "360426\u200b199101010071",
        "360426\u2014199101010071",
    ],
)
def test_ric_normalization_accepts_common_typings(raw: str) -> None:
    """Full-width characters, spaces, tabs, dashes and zero-width spaces are normalized away."""
    assert cn_ric.is_valid(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "٣٦٠٤٢٦١٩٩١٠١٠١٠٠٧١",  # Arabic-Indic digits: int() would accept them
        "३६०४२६१९९१०१०१००७१",  # Devanagari digits
        "36042619910101007ẞ",
        "360426199101010071\x00",
        "360426/199101010071",
        "360426.199101010071",
    ],
)
def test_ric_non_ascii_digits_and_stray_characters_are_refused(raw: str) -> None:
    """Only ASCII digits count after NFKC; slashes, dots and NUL are not separators."""
    with pytest.raises(identity.InvalidFormat):
        cn_ric.validate(raw)


def test_ric_policy_sensitive_region_is_a_warning() -> None:
    """500154 was first listed in 2016: a 1998 birth is valid, with a warning (identity.md §1)."""
    assert identity.is_valid("cn_ric", "500154199804106120", clock=clock_at(2026, 11, 28))
    doc = identity.parse("cn_ric", "500154199804106120")
    assert doc.warning_codes == ("identity.warning.region_after_birth",)
    assert doc.warnings[0].message_zh


def test_ric_region_warning_not_given_without_lifetime_evidence() -> None:
    """Codes listed in the earliest MCA revision, and births after the listing, warn nothing."""
    assert identity.parse("cn_ric", "11010519491231002X").warnings == ()
    assert identity.parse("cn_ric", "500154201704106123").warnings == ()


# --- cn_hmt_residence_permit -------------------------------------------------------------------


def test_hmt_permit_fields() -> None:
    """The permit decodes to its area, birth date and sex."""
    doc = cn_hmt_residence_permit.parse("830000199201300022")
    assert doc.region == "830000"
    assert doc.details == {"area": "TW"}
    assert doc.birth_date == date(1992, 1, 30)
    assert doc.sex is Sex.FEMALE
    assert doc.nationality is None
    assert cn_hmt_residence_permit.area("810000199408230021") == "HK"
    assert cn_hmt_residence_permit.area("820000198511200020") == "MO"


def test_hmt_permit_refuses_ordinary_citizen_numbers_and_15_digits() -> None:
    """Any address code other than exactly 810000/820000/830000 is refused; no 15-digit form."""
    with pytest.raises(identity.InvalidComponent):
        cn_hmt_residence_permit.validate("11010519491231002X")
    with pytest.raises(identity.InvalidLength):
        cn_hmt_residence_permit.validate("810000940823002")


# --- cn_foreign_pr -----------------------------------------------------------------------------


def test_foreign_pr_2017_fields() -> None:
    """KAZ110090123105: Kazakhstan, Beijing (1100), 1990-12-31, sequence 0 (female)."""
    doc = cn_foreign_pr.parse("KAZ110090123105")
    assert doc.edition == "2017"
    assert doc.nationality == "KAZ"
    assert doc.region == "110000"
    assert doc.birth_date == date(1990, 12, 31)
    assert doc.sex is Sex.FEMALE
    assert doc.warnings == ()
    usa = cn_foreign_pr.parse("USA310185061511")
    assert (usa.region, usa.birth_date, usa.sex) == ("310100", date(1985, 6, 15), Sex.MALE)


def test_foreign_pr_2017_check_digit_is_a_warning_unless_enforced() -> None:
    """A wrong 7-3-1 check digit warns by default and fails with enforce_check_digit=True."""
    assert cn_foreign_pr.is_valid("KAZ110090123107")
    doc = identity.parse("cn_foreign_pr", "KAZ110090123107")
    assert doc.warning_codes == ("identity.warning.unconfirmed_check_digit",)
    assert not cn_foreign_pr.is_valid("KAZ110090123107", enforce_check_digit=True)
    with pytest.raises(identity.InvalidChecksum):
        cn_foreign_pr.validate("KAZ110090123107", enforce_check_digit=True)
    assert cn_foreign_pr.calc_check_digit("KAZ11009012310") == "5"


def test_foreign_pr_2017_century_inference() -> None:
    """YY is 20YY up to the last 2017-edition issue date (2023-11-30) and today, else 19YY."""
    assert cn_foreign_pr.birth_date("KAZ110005010100") == date(2005, 1, 1)
    assert cn_foreign_pr.birth_date("KAZ110030010104") == date(1930, 1, 1)
    assert cn_foreign_pr.birth_date("KAZ110005010100", clock=clock_at(2004, 6, 1)) == date(
        1905, 1, 1
    )


def test_foreign_pr_2017_unknown_codes_warn() -> None:
    """A nationality outside ISO 3166-1 or an authority matching no GB/T 2260 code only warns."""
    doc = cn_foreign_pr.parse("XXX110090123103")
    assert doc.nationality is None
    assert doc.warning_codes == ("identity.warning.nationality",)
    doc = cn_foreign_pr.parse("KAZ999990123107")
    assert doc.region is None
    assert "identity.warning.region" in doc.warning_codes


def test_foreign_pr_2023_fields() -> None:
    """911398199012310021: province 11, nationality 398 (KAZ), 1990-12-31; no sex defined."""
    doc = cn_foreign_pr.parse("911398199012310021")
    assert doc.edition == "2023"
    assert doc.nationality == "KAZ"
    assert doc.region == "110000"
    assert doc.birth_date == date(1990, 12, 31)
    assert doc.sex is None
    assert cn_foreign_pr.nationality("931840198506150031") == "USA"
    assert cn_foreign_pr.edition("931840198506150031") == "2023"
    assert cn_foreign_pr.edition("kaz110090123105") == "2017"


def test_foreign_pr_2023_unknown_codes_warn() -> None:
    """Nationality 999 and province 99 are warnings, not errors (layout from implementations)."""
    assert cn_foreign_pr.parse("911999199012310020").warning_codes == (
        "identity.warning.nationality",
    )
    assert cn_foreign_pr.parse("999999199012310022").warning_codes == (
        "identity.warning.nationality",
        "identity.warning.region",
    )


def test_foreign_pr_2023_future_birth_date() -> None:
    """The 2023 edition refuses a birth date after the clock's date, like the RIC."""
    body = "91139820990101002"
    number = body + cn_ric.calc_check_digit(body)
    assert cn_foreign_pr.is_valid(number)
    assert not cn_foreign_pr.is_valid(number, clock=clock_at(2026, 11, 28))


# --- travel permits, passports -----------------------------------------------------------------


def test_hk_macau_permit_fields() -> None:
    """H/M, lifetime number and issue count are reported; no check digit is a warning."""
    doc = cn_hk_macau_mainland_permit.parse("H1234567890")
    assert doc.region == "810000"
    assert doc.details == {"issuer": "HK", "lifetime_number": "H12345678", "issue_count": "90"}
    assert doc.warning_codes == ("identity.warning.no_check_digit",)
    assert cn_hk_macau_mainland_permit.parse("M12345678").details == {
        "issuer": "MO",
        "lifetime_number": "M12345678",
    }
    assert cn_hk_macau_mainland_permit.lifetime_number("h 1234 5678 90") == "H12345678"
    with pytest.raises(identity.InvalidLength):
        cn_hk_macau_mainland_permit.validate("H123456789")


def test_taiwan_permit_format_only() -> None:
    """8 digits, format only, with the no-check-digit warning; 10-digit legacy refused."""
    assert cn_taiwan_mainland_permit.parse("23456789").warning_codes == (
        "identity.warning.no_check_digit",
    )
    assert not cn_taiwan_mainland_permit.is_valid("2345678901")


def test_passport_number_series() -> None:
    """E2012, E2017 and G series; I and O are not used after E; warnings say low confidence."""
    assert cn_passport_number.series("E12345678") == "E2012"
    assert cn_passport_number.series("EA1234567") == "E2017"
    assert cn_passport_number.series("G12345678") == "G"
    assert not cn_passport_number.is_valid("EI1234567")
    assert not cn_passport_number.is_valid("K12345678")
    doc = cn_passport_number.parse("ea1234567")
    assert doc.number == "EA1234567"
    assert doc.nationality == "CHN"
    assert doc.warning_codes == (
        "identity.warning.no_check_digit",
        "identity.warning.low_confidence",
    )


# --- hk_hkid, mo_bir ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("A123456(3)", "A123456(3)"),
        ("A1234563", "A123456(3)"),
        ("a123456 (3)", "A123456(3)"),
        ("A123456（3）", "A123456(3)"),
        ("AB987654(3)", "AB987654(3)"),
        ("A000002(A)", "A000002(A)"),
        ("a000002a", "A000002(A)"),
    ],
)
def test_hkid_canonical_form_is_the_printed_one(raw: str, canonical: str) -> None:
    """HKID validates to L{1,2}DDDDDD(C), whatever parentheses and case were typed."""
    assert hk_hkid.validate(raw) == canonical
    assert hk_hkid.format(raw) == canonical


def test_hkid_helpers() -> None:
    """Helpers: compact drops the parentheses; calc_check_digit pads one letter with 36."""
    assert hk_hkid.compact("A123456(3)") == "A1234563"
    assert hk_hkid.calc_check_digit("A123456") == "3"
    assert hk_hkid.calc_check_digit("AB987654") == "3"
    assert hk_hkid.calc_check_digit("A000002") == "A"
    with pytest.raises(identity.InvalidFormat):
        hk_hkid.calc_check_digit("A12345")


@pytest.mark.parametrize("raw", ["A12(3456)3", "(A)1234563", "A123456((3))", "A123456(3"])
def test_hkid_parentheses_only_around_the_check(raw: str) -> None:
    """Parentheses anywhere but around the final character are refused."""
    assert not hk_hkid.is_valid(raw)


def test_macao_bir_printed_form_and_warnings() -> None:
    """BIR validates to NNNNNNN(N); parse warns no check digit and low confidence."""
    assert mo_bir.validate("52154328") == "5215432(8)"
    assert mo_bir.compact("5215432(8)") == "52154328"
    assert mo_bir.parse("5215432(8)").warning_codes == (
        "identity.warning.no_check_digit",
        "identity.warning.low_confidence",
    )


# --- Taiwan ------------------------------------------------------------------------------------


def test_tw_national_id() -> None:
    """Letter codes with I=34, O=35 ...; sex from the second digit; 8/9 belong to tw_uin."""
    assert tw_national_id.calc_check_digit("A12345678") == "9"
    assert tw_national_id.sex("A123456789") is Sex.MALE
    female = "B2" + "0000000"
    number = female + tw_national_id.calc_check_digit(female)
    assert tw_national_id.parse(number).sex is Sex.FEMALE
    with pytest.raises(identity.InvalidFormat) as info:
        tw_national_id.validate("A800000014")
    assert info.value.code == "identity.format.scheme"


def test_tw_letter_table_irregular_letters() -> None:
    """I=34, O=35, W=32, X=30, Y=31, Z=33 give these check digits (sum mod 10)."""
    expected = {"I": "3", "O": "4", "W": "1", "X": "9", "Y": "0", "Z": "2"}
    for letter, check in expected.items():
        body = letter + "10000000"
        code = {"I": 34, "O": 35, "W": 32, "X": 30, "Y": 31, "Z": 33}[letter]
        total = code // 10 + 9 * (code % 10) + 8 * 1
        assert str(-total % 10) == check
        assert tw_national_id.calc_check_digit(body) == check


def test_tw_uin_forms() -> None:
    """2021 form (8/9, with sex) and old ARC form (letter A-D, legacy warning, no sex)."""
    new = tw_uin.parse("A800000014")
    assert (new.edition, new.sex, new.warnings) == ("2021", Sex.MALE, ())
    assert tw_uin.calc_check_digit("AA0000000") == "9"
    old = tw_uin.parse("AA00000009")
    assert old.edition == "arc"
    assert old.sex is None
    assert old.warning_codes == ("identity.warning.legacy_format",)
    assert tw_uin.is_valid("FC12345674")
    assert not tw_uin.is_valid("FE12345674")
    assert not tw_uin.is_valid("A123456789")


# --- icao_td3_mrz ------------------------------------------------------------------------------


def test_mrz_specimen_fields() -> None:
    """The ICAO specimen decodes to its document number, dates, sex and nationality."""
    doc = icao_td3_mrz.parse(SPECIMEN)
    assert doc.number == SPECIMEN
    assert doc.birth_date == date(1974, 8, 12)
    assert doc.expiry_date == date(2012, 4, 15)
    assert doc.sex is Sex.FEMALE
    assert doc.nationality is None  # UTO is ICAO's fictional state
    assert doc.details == {
        "document_code": "P",
        "issuing_state": "UTO",
        "document_number": "L898902C3",
    }
    assert doc.warnings == ()
    assert icao_td3_mrz.document_number(SPECIMEN) == "L898902C3"
    assert icao_td3_mrz.calc_check_digit("520727") == "3"
    assert icao_td3_mrz.calc_check_digit("L898902C3") == "6"


def test_mrz_expired_warning_needs_a_clock() -> None:
    """An expired passport's MRZ stays valid; with a clock parse warns that it expired."""
    assert icao_td3_mrz.is_valid(SPECIMEN, clock=clock_at(2026, 11, 28))
    doc = icao_td3_mrz.parse(SPECIMEN, clock=clock_at(2026, 11, 28))
    assert doc.warning_codes == ("identity.warning.expired",)


def test_mrz_chinese_synthetic() -> None:
    """The synthetic CHN MRZ: CHN nationality, male, born 1990-01-01, expires 2030-01-01."""
    doc = icao_td3_mrz.parse(CHN_MRZ)
    assert (doc.nationality, doc.sex) == ("CHN", Sex.MALE)
    assert (doc.birth_date, doc.expiry_date) == (date(1990, 1, 1), date(2030, 1, 1))
    assert icao_td3_mrz.sex(CHN_MRZ) is Sex.MALE
    assert icao_td3_mrz.nationality(CHN_MRZ) == "CHN"
    assert icao_td3_mrz.expiry_date(CHN_MRZ) == date(2030, 1, 1)


def test_mrz_empty_optional_data_check_may_be_filler() -> None:
    """With positions 29-42 all '<', position 43 may be '<' as well as '0'."""
    filler = CHN_MRZ[:-2] + "<4"
    assert icao_td3_mrz.is_valid(filler)
    with_data = SPECIMEN[:-2] + "<0"
    with pytest.raises(identity.InvalidChecksum) as info:
        icao_td3_mrz.validate(with_data)
    assert info.value.code == "identity.checksum.optional_data"


def test_mrz_line_structure() -> None:
    """CRLF and surrounding spaces are tidied; lower case, one line or three lines are not."""
    assert icao_td3_mrz.validate("  " + SPECIMEN.replace("\n", " \r\n") + "\n") == SPECIMEN
    with pytest.raises(identity.InvalidFormat) as info:
        icao_td3_mrz.validate(SPECIMEN.lower())
    assert info.value.code == "identity.format.charset"
    with pytest.raises(identity.InvalidFormat):
        icao_td3_mrz.validate(SPECIMEN.replace("\n", ""))
    with pytest.raises(identity.InvalidFormat):
        icao_td3_mrz.validate(SPECIMEN + "\n" + SPECIMEN.split("\n")[1])


def test_mrz_composite_and_date_checks() -> None:
    """A wrong composite digit and an impossible expiry date are refused with their codes."""
    with pytest.raises(identity.InvalidChecksum) as info:
        icao_td3_mrz.validate(SPECIMEN[:-1] + "1")
    assert info.value.code == "identity.checksum.composite"
    expiry = "121331"  # 2012-13-31, with its own (correct) check digit
    assert icao_td3_mrz.calc_check_digit(expiry) == "5"
    body = "L898902C36UTO7408122F" + expiry + "5" + "ZE184226B<<<<<1"
    composite = icao_td3_mrz.calc_check_digit(body[0:10] + body[13:20] + body[21:43])
    bad = SPECIMEN.split("\n")[0] + "\n" + body + composite
    with pytest.raises(identity.InvalidComponent) as info:
        icao_td3_mrz.validate(bad)
    assert info.value.code == "identity.component.expiry_date"


# --- cn_uscc -----------------------------------------------------------------------------------


def _uscc(prefix: str, region: str, org8: str) -> str:
    body = prefix + region + org8 + cn_uscc.calc_organization_check_digit(org8)
    return body + cn_uscc.calc_check_digit(body)


@pytest.mark.parametrize("prefix", ["A1", "A9", "N1", "N2", "N3", "N9", "Y1", "51", "52", "53"])
def test_uscc_letter_departments_accepted(prefix: str) -> None:
    """Departments A, N and Y (refused by python-stdnum) and 51/52/53 are accepted."""
    assert cn_uscc.is_valid(_uscc(prefix, "110000", "MA01234X"))


@pytest.mark.parametrize("prefix", ["58", "94", "Y2", "A2", "B1", "01", "24"])
def test_uscc_undefined_department_type_pairs_refused(prefix: str) -> None:
    """Pairs missing from the department/type table are component errors."""
    with pytest.raises(identity.InvalidComponent) as info:
        cn_uscc.validate(_uscc(prefix, "110000", "MA01234X"))
    assert info.value.code == "identity.component.department"


def test_uscc_organization_code_check() -> None:
    """A correct mod-31 character does not hide a wrong GB 11714 check in position 17."""
    body = "91110000600037342"
    number = body + cn_uscc.calc_check_digit(body)
    with pytest.raises(identity.InvalidChecksum) as info:
        cn_uscc.validate(number)
    assert info.value.code == "identity.checksum.organization_code"
    assert cn_uscc.calc_organization_check_digit("60003734") == "1"
    assert cn_uscc.calc_organization_check_digit("71526726") == "X"
    assert cn_uscc.calc_organization_check_digit("Z0000000") == "5"


def test_uscc_region_positions_must_be_digits() -> None:
    """Positions 3-8 are an administrative division code: letters there are a format error."""
    body = "911100A0600037341"
    with pytest.raises(identity.InvalidFormat) as info:
        cn_uscc.validate(body + cn_uscc.calc_check_digit(body))
    assert info.value.code == "identity.format.region"


def test_uscc_parse_fields() -> None:
    """Parsing reports department, type, names, authority, organisation code and region."""
    doc = cn_uscc.parse("51100000AB12C34D2Y")
    assert doc.region is None  # 100000 = national level, not a GB/T 2260 code
    assert doc.details == {
        "department": "5",
        "organization_type": "1",
        "department_name": "民政",
        "organization_type_name": "社会团体",
        "registration_authority": "100000",
        "organization_code": "AB12C34D-2",
    }
    assert cn_uscc.parse("91110000600037341L").region == "110000"
    assert cn_uscc.department("91110000600037341L") == "工商"
    assert cn_uscc.organization_type("91110000600037341L") == "企业"
    assert cn_uscc.organization_type(_uscc("A1", "110000", "MA01234X")) is None


# --- cn_mobile ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13123456789",
        "+8613123456789",
        "+86 131 2345 6789",
        "0086-131-2345-6789",
        "１３１２３４５６７８９",
        "131\u200b2345\u200b6789",
    ],
)
def test_mobile_accepted_typings(raw: str) -> None:
    """All of these are 13123456789 (national form, as in the vectors)."""
    assert cn_mobile.validate(raw) == "13123456789"


@pytest.mark.parametrize(
    ("raw", "cls"),
    [
        ("13123456789ab", identity.InvalidFormat),  # phonenumbers would drop the letters
        ("13123456789 ext. 12", identity.InvalidFormat),
        ("(131)23456789", identity.InvalidFormat),
        ("8613123456789", identity.InvalidLength),  # bare 86 is not a country-code prefix here
        ("+8513123456789", identity.InvalidFormat),
        ("23123456789", identity.InvalidFormat),
        ("19412345678", identity.InvalidComponent),  # 194: naive 1[3-9]... accepts it
        ("14912345678", identity.InvalidComponent),  # 149: UNKNOWN for libphonenumber
    ],
)
def test_mobile_refusals(raw: str, cls: type[identity.InvalidIdentity]) -> None:
    """Letters and stray characters are refused before parsing; unallocated blocks after."""
    with pytest.raises(cls):
        cn_mobile.validate(raw)


def test_mobile_extra_blocks() -> None:
    """Option extra_blocks admits blocks libphonenumber lacks; bad prefixes are refused."""
    assert cn_mobile.validate("14912345678", extra_blocks=("149",)) == "14912345678"
    assert cn_mobile.is_valid("14912345678", extra_blocks="149")
    assert not cn_mobile.is_valid("15412345678", extra_blocks=("149",))
    with pytest.raises(InvalidInputError) as info:
        cn_mobile.is_valid("14912345678", extra_blocks=("14a",))
    assert info.value.code == "identity.option.extra_blocks"


def test_mobile_display_and_e164() -> None:
    """Display groups 3-4-4; to_e164 and parse give +86 and the 11 digits."""
    assert cn_mobile.format("+8613123456789") == "131 2345 6789"
    assert cn_mobile.to_e164("131 2345 6789") == "+8613123456789"
    assert cn_mobile.parse("13123456789").details == {"e164": "+8613123456789"}


# --- package level -----------------------------------------------------------------------------


def test_schemes_tuple() -> None:
    """SCHEMES lists the 13 scheme ids, most specific first, and is immutable."""
    assert identity.SCHEMES == (
        "icao_td3_mrz",
        "cn_hmt_residence_permit",
        "cn_ric",
        "cn_foreign_pr",
        "cn_uscc",
        "hk_hkid",
        "tw_national_id",
        "tw_uin",
        "cn_mobile",
        "cn_hk_macau_mainland_permit",
        "cn_passport_number",
        "cn_taiwan_mainland_permit",
        "mo_bir",
    )
    assert isinstance(identity.SCHEMES, tuple)


@pytest.mark.parametrize("scheme", ["cn_rc", "CN_RIC", "", None, ["cn_ric"], 1])
def test_unknown_scheme(scheme: object) -> None:
    """Unknown (or unhashable) scheme ids raise UnknownScheme, which is not InvalidIdentity."""
    for call in (identity.validate, identity.is_valid, identity.parse):
        with pytest.raises(identity.UnknownScheme) as info:
            call(scheme, "11010519491231002X")  # type: ignore[operator]
        assert info.value.code == "identity.unknown_scheme"
        assert not isinstance(info.value, identity.InvalidIdentity)
    with pytest.raises(identity.UnknownScheme):
        identity.compact(scheme, "x")  # type: ignore[arg-type]
    with pytest.raises(identity.UnknownScheme):
        identity.scheme_module(scheme)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "schemes"),
    [
        ("11010519491231002x", ["cn_ric"]),
        ("110105491231002", ["cn_ric"]),
        ("810000199408230021", ["cn_hmt_residence_permit"]),
        ("911398199012310021", ["cn_foreign_pr"]),
        ("91110000600037341L", ["cn_uscc"]),
        ("A123456(3)", ["hk_hkid"]),
        ("A123456789", ["tw_national_id"]),
        ("A800000014", ["tw_uin"]),
        ("+8613123456789", ["cn_mobile"]),
        ("H1234567890", ["cn_hk_macau_mainland_permit"]),
        ("E12345678", ["cn_passport_number"]),
        ("23456789", ["cn_taiwan_mainland_permit", "mo_bir"]),
        (SPECIMEN, ["icao_td3_mrz"]),
        ("hello", []),
        (None, []),
        (b"11010519491231002X", []),
    ],
)
def test_detect(value: object, schemes: list[str]) -> None:
    """Detection lists every scheme a value is valid for, in SCHEMES order, never raising."""
    assert identity.detect(value) == schemes


def test_detect_with_clock() -> None:
    """Detection passes the clock on: a future birth date matches nothing with a clock."""
    assert identity.detect("110101209901010017") == ["cn_ric"]
    assert identity.detect("110101209901010017", clock=clock_at(2026, 11, 28)) == []


def test_scheme_module_and_compact() -> None:
    """The scheme_module helper returns the public module; compact normalizes per scheme."""
    assert identity.scheme_module("cn_ric") is cn_ric
    assert identity.compact("hk_hkid", "a123456(3)") == "A1234563"
    assert identity.compact("cn_ric", " 1101-0519 4912 3100 2x") == "11010519491231002X"
    assert identity.compact("icao_td3_mrz", SPECIMEN + "\r\n") == SPECIMEN


@pytest.mark.parametrize("scheme", identity.SCHEMES)
def test_every_scheme_module_has_the_interface(scheme: str) -> None:
    """Each scheme module exposes SCHEME, compact, validate, is_valid, format, parse in __all__."""
    module = identity.scheme_module(scheme)
    assert scheme == module.SCHEME
    for name in ("SCHEME", "compact", "validate", "is_valid", "format", "parse"):
        assert name in module.__all__
        assert hasattr(module, name)
