"""Identity validation throughput: volunteerkit vs python-stdnum, measured in the same run.

Method (identity.md section 6, "Performance"):

* Before timing, generate valid numbers with a seeded RNG: 100,000 RICs (10,000 with ``quick``)
  and as many USCCs.
* RICs: a random address code from the GB/T 2260 union, a birth date 1930-2015 and a sequence
  number; a candidate is kept only if python-stdnum's ``cn.ric.validate`` accepts it, so every
  number uses a county code stdnum considers valid in the birth year (rejection sampling replaces
  reading stdnum's ``loc.dat`` by hand and selects the same codes). Every kept number also passes
  ours.
* USCCs: random over the prefixes 91/92/93/51/52/53/12, a region code from the union and an
  8-character organisation code, with both check characters correct; all pass both libraries.
* One warm-up call each (stdnum loads ``loc.dat``, volunteerkit its JSON), then a timed pass over
  all numbers, repeated 5 times (3 with ``quick``); the median is reported.

Ours is the package-level ``identity.validate(scheme, n, clock=FixedClock(...))``, so it also makes
the future-birth-date check that stdnum lacks (and the region check stdnum crashes on, the
department table and the GB 11714 check it lacks for USCC).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import stdnum.cn.ric
import stdnum.cn.uscc

from bench._harness import Figure, median_seconds
from volunteerkit import FixedClock
from volunteerkit.registry import identity
from volunteerkit.registry.identity import cn_ric, cn_uscc
from volunteerkit.registry.identity._data import region_codes, ric_region_codes

NAME = "identity"

SEED = 20261128
USCC_PREFIXES = ("91", "92", "93", "51", "52", "53", "12")
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CLOCK = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))


def _stdnum_accepts(validate: Callable[[str], object], number: str) -> bool:
    try:
        validate(number)
    except Exception:  # stdnum 2.2 may crash with KeyError on codes it half knows
        return False
    return True


def make_rics(count: int, rng: random.Random) -> list[str]:
    regions = sorted(ric_region_codes())
    first, span = date(1930, 1, 1), (date(2015, 12, 31) - date(1930, 1, 1)).days
    numbers: list[str] = []
    while len(numbers) < count:
        born = first + timedelta(days=rng.randrange(span + 1))
        body = f"{rng.choice(regions)}{born:%Y%m%d}{rng.randrange(1000):03d}"
        number = body + cn_ric.calc_check_digit(body)
        if _stdnum_accepts(stdnum.cn.ric.validate, number):
            numbers.append(number)
    return numbers


def make_usccs(count: int, rng: random.Random) -> list[str]:
    regions = sorted(region_codes())
    numbers = []
    for _ in range(count):
        org = "".join(rng.choice(USCC_CHARS) for _ in range(8))
        body = rng.choice(USCC_PREFIXES) + rng.choice(regions) + org
        body += cn_uscc.calc_organization_check_digit(org)
        numbers.append(body + cn_uscc.calc_check_digit(body))
    return numbers


def _rate(function: Callable[[str], object], numbers: list[str], passes: int) -> float:
    def one_pass() -> None:
        for number in numbers:
            function(number)

    function(numbers[0])  # warm-up: data files load lazily on the first call
    return len(numbers) / median_seconds(one_pass, passes)


def run(quick: bool) -> list[Figure]:
    count, passes = (10_000, 3) if quick else (100_000, 5)
    rng = random.Random(SEED)
    rics = make_rics(count, rng)
    usccs = make_usccs(count, rng)
    ours_ric = functools.partial(identity.validate, "cn_ric", clock=CLOCK)
    ours_uscc = functools.partial(identity.validate, "cn_uscc", clock=CLOCK)
    for number in rics:
        assert ours_ric(number) == number
    for number in usccs:
        assert ours_uscc(number) == number
        assert stdnum.cn.uscc.validate(number) == number

    ric_ours = _rate(ours_ric, rics, passes)
    ric_stdnum = _rate(stdnum.cn.ric.validate, rics, passes)
    ric_no_clock = _rate(functools.partial(identity.validate, "cn_ric"), rics, passes)
    uscc_ours = _rate(ours_uscc, usccs, passes)
    uscc_stdnum = _rate(stdnum.cn.uscc.validate, usccs, passes)
    sizes = f"{count:,} numbers, median of {passes} passes"
    return [
        Figure(
            name="identity.cn_ric",
            value=ric_ours,
            baseline=ric_stdnum,
            unit="calls/s",
            higher_is_better=True,
            note=(
                f"identity.validate('cn_ric', n, clock=FixedClock) vs stdnum.cn.ric.validate; "
                f"{sizes}; without a clock {ric_no_clock:,.0f} calls/s"
            ),
        ),
        Figure(
            name="identity.cn_uscc",
            value=uscc_ours,
            baseline=uscc_stdnum,
            unit="calls/s",
            higher_is_better=True,
            note=(
                "identity.validate('cn_uscc', n) (mod 31, department table, GB 11714) vs "
                f"stdnum.cn.uscc.validate (mod 31 only); {sizes}"
            ),
        ),
    ]
