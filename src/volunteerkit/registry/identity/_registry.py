"""The registry of schemes and the package-level functions that dispatch to them."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from types import MappingProxyType, ModuleType
from typing import Final, Protocol

from volunteerkit._clock import Clock
from volunteerkit.registry.identity import (
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
from volunteerkit.registry.identity._dates import check_clock
from volunteerkit.registry.identity._errors import InvalidIdentity, UnknownScheme
from volunteerkit.registry.identity._model import IdentityDocument

__all__ = [
    "SCHEMES",
    "Scheme",
    "compact",
    "detect",
    "is_valid",
    "parse",
    "scheme_module",
    "validate",
]


class Scheme(Protocol):
    """The interface every scheme module offers (python-stdnum style)."""

    SCHEME: str

    def compact(self, value: object) -> str:
        """Normalize without validating."""
        ...

    def validate(self, value: object, *, clock: Clock | None = None) -> str:
        """Validate and return the canonical form."""
        ...

    def is_valid(self, value: object, *, clock: Clock | None = None) -> bool:
        """Return whether the value is valid; never raise for any value."""
        ...

    def format(self, value: object) -> str:
        """Return the display form of a valid value."""
        ...

    def parse(self, value: object, *, clock: Clock | None = None) -> IdentityDocument:
        """Validate and return the parsed document."""
        ...


# Most specific first: the MRZ (five check digits), then schemes with a check character, from
# the most constrained, then the format-only schemes. detect() reports matches in this order.
_ORDER: Final[tuple[Scheme, ...]] = (
    icao_td3_mrz,
    cn_hmt_residence_permit,
    cn_ric,
    cn_foreign_pr,
    cn_uscc,
    hk_hkid,
    tw_national_id,
    tw_uin,
    cn_mobile,
    cn_hk_macau_mainland_permit,
    cn_passport_number,
    cn_taiwan_mainland_permit,
    mo_bir,
)

_BY_ID: Final[Mapping[str, Scheme]] = MappingProxyType({m.SCHEME: m for m in _ORDER})

SCHEMES: Final[tuple[str, ...]] = tuple(m.SCHEME for m in _ORDER)
"""Every scheme id, most specific first (the order :func:`detect` reports in)."""


def scheme_module(scheme: str) -> ModuleType:
    """Return the module that implements ``scheme``.

    Args:
        scheme: A scheme id from :data:`SCHEMES`.

    Returns:
        The scheme's public module, such as :mod:`volunteerkit.registry.identity.cn_ric`.

    Raises:
        UnknownScheme: If ``scheme`` is not a known scheme id.
    """
    return sys.modules[f"{__package__}.{_lookup(scheme).SCHEME}"]


def _lookup(scheme: object) -> Scheme:
    try:
        return _BY_ID[scheme]  # type: ignore[index]
    except (KeyError, TypeError):  # KeyError(scheme): raised below, so that it is not kept
        pass  # as the error's context (a number passed where the scheme goes would be in it)
    raise UnknownScheme(
        "unknown identity document scheme; see volunteerkit.registry.identity.SCHEMES",
        "未知的证件类型;可用类型见 volunteerkit.registry.identity.SCHEMES",
        path="$.scheme",
    )


def compact(scheme: str, value: object) -> str:
    """Normalize ``value`` the way ``scheme`` does, without validating it.

    Args:
        scheme: A scheme id from :data:`SCHEMES`.
        value: The number as typed.

    Returns:
        The normalized text (for an MRZ only its line structure is tidied).

    Raises:
        UnknownScheme: If ``scheme`` is not known.
        InvalidFormat: If ``value`` is not a string or keeps non-ASCII characters.
        InvalidLength: If ``value`` is absurdly long.
    """
    return _lookup(scheme).compact(value)


def validate(scheme: str, value: object, *, clock: Clock | None = None) -> str:
    """Validate ``value`` as a number of ``scheme`` and return its canonical form.

    The value is normalized first (Unicode NFKC, white space and hyphens removed, upper case;
    HKID and Macao parentheses optional), except an MRZ, whose text must already be exact. A
    15-digit first-generation citizen number is upgraded to 18 characters.

    **Dates.** With ``clock=None`` (the default) no birth date is compared with today: the
    library never reads the system clock by itself. Pass ``clock=SystemClock()`` at the edge of
    your application (or a ``FixedClock`` in tests) to refuse birth dates after today's date in
    China Standard Time. Impossible dates (``19000229``) are refused either way.

    Args:
        scheme: A scheme id from :data:`SCHEMES`, such as ``"cn_ric"``.
        value: The number as typed.
        clock: Source of "today" for the future-birth-date check, or ``None`` to skip it.

    Returns:
        The canonical number.

    Raises:
        UnknownScheme: If ``scheme`` is not known (``identity.unknown_scheme``; not an
            :class:`InvalidIdentity`, because it is a programming error).
        InvalidFormat: Wrong type, characters or layout (``identity.format*``).
        InvalidLength: Wrong length (``identity.length*``).
        InvalidChecksum: A check character does not match (``identity.checksum*``).
        InvalidComponent: A part is impossible: region, birth date, type code
            (``identity.component*``).
        InvalidInputError: ``identity.clock`` at ``$.clock`` if ``clock`` is neither ``None``
            nor a clock (an object with ``now()``; a ``datetime`` is refused).
        NaiveDatetimeError: If ``clock`` returns a naive datetime.

    Examples:
        >>> validate("cn_ric", "11010519491231002x")
        '11010519491231002X'
    """
    module = _lookup(scheme)
    check_clock(clock)
    return module.validate(value, clock=clock)


def is_valid(scheme: str, value: object, *, clock: Clock | None = None) -> bool:
    """Return whether ``value`` is a valid number of ``scheme``.

    Never raises because of ``value``, whatever it is (``None``, bytes, 10,000 characters ...).

    Args:
        scheme: A scheme id from :data:`SCHEMES`.
        value: Anything.
        clock: See :func:`validate` (``None``: no future-date check).

    Returns:
        ``True`` if :func:`validate` would succeed.

    Raises:
        UnknownScheme: If ``scheme`` is not known: a misspelt scheme id must not make every
            number silently invalid.
        InvalidInputError: ``identity.clock`` if ``clock`` is not a clock (as :func:`validate`).
    """
    module = _lookup(scheme)
    check_clock(clock)
    try:
        module.validate(value, clock=clock)
    except InvalidIdentity:
        return False
    return True


def parse(scheme: str, value: object, *, clock: Clock | None = None) -> IdentityDocument:
    """Validate ``value`` and return an :class:`IdentityDocument` with derived fields and warnings.

    Policy-sensitive findings are warnings on the document, never errors: an address code first
    listed after the birth date, schemes without a public check digit, a 2017 permanent-residence
    number whose unofficial check digit does not match, legacy formats.

    Args:
        scheme: A scheme id from :data:`SCHEMES`.
        value: The number as typed.
        clock: See :func:`validate` (``None``: no future-date check).

    Returns:
        The parsed document; its ``repr``/``str`` show the number masked.

    Raises:
        UnknownScheme: If ``scheme`` is not known.
        InvalidIdentity: As :func:`validate`.
        InvalidInputError: ``identity.clock`` as :func:`validate`.
    """
    module = _lookup(scheme)
    check_clock(clock)
    return module.parse(value, clock=clock)


def detect(value: object, *, clock: Clock | None = None) -> list[str]:
    """Return the ids of every scheme ``value`` is valid for, most specific first.

    Never raises because of ``value``. Format-only schemes come last: an 8-digit value matches
    both ``cn_taiwan_mainland_permit`` and ``mo_bir``, which only context can tell apart.

    Args:
        value: Anything.
        clock: See :func:`validate`.

    Returns:
        Scheme ids in the order of :data:`SCHEMES`; empty if none matches.

    Raises:
        InvalidInputError: ``identity.clock`` as :func:`validate`.

    Examples:
        >>> detect("A123456(3)")
        ['hk_hkid']
    """
    check_clock(clock)
    found = []
    for module in _ORDER:
        try:
            module.validate(value, clock=clock)
        except InvalidIdentity:
            continue
        found.append(module.SCHEME)
    return found
