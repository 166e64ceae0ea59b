"""The parsed identity document, its warnings, and the masking of numbers for display."""

from __future__ import annotations

import enum
from datetime import date
from typing import Final

import attrs

from volunteerkit.errors import mask

__all__ = ["IdentityDocument", "IdentityWarning", "Sex", "is_masked", "mask_number"]


class Sex(enum.Enum):
    """Sex as a document encodes it."""

    MALE = "male"
    FEMALE = "female"
    UNSPECIFIED = "unspecified"
    """The document says so explicitly (MRZ ``X`` or ``<``)."""


@attrs.frozen(kw_only=True)
class IdentityWarning:
    """Something about a *valid* number that a person may want to look at.

    Warnings never make a number invalid. They mark policy-sensitive cases (identity.md): rules of
    low or medium confidence, numbers without a public check digit, legacy formats.

    Attributes:
        code: Stable dotted code, always starting with ``identity.warning.``.
        message: English message (never contains the number).
        message_zh: Chinese message (never contains the number).
    """

    code: str
    message: str
    message_zh: str


_MASK_KEEP: Final[dict[str, tuple[int, int]]] = {
    # An MRZ holds the holder's name: keep only the document code and issuing state.
    "icao_td3_mrz": (5, 1),
}


def mask_number(scheme: str, number: str) -> str:
    """Mask a canonical number for display, as :func:`volunteerkit.errors.mask` does.

    Args:
        scheme: The scheme id (an MRZ keeps less than other numbers, since it holds a name).
        number: The canonical number.

    Returns:
        The masked number, such as ``110105********0018``.

    Raises:
        InvalidInputError: ``mask.invalid`` at ``$.value`` if ``number`` is not text; a
            ``scheme`` that is not text masks by the default rule, as an unknown scheme id does.
    """
    keep = _MASK_KEEP.get(scheme) if isinstance(scheme, str) else None
    if keep is None:
        return mask(number)
    return mask(number, keep_start=keep[0], keep_end=keep[1])


def is_masked(scheme: str | None, value: str) -> bool:
    """Whether ``value`` is what :func:`mask_number` gives for some number of ``scheme``.

    The masked middle must be all ``*`` and the kept ends hold no ``*``, so that a full number
    (or one with a few ``*`` added) never passes for a masked one. Only the shape is checked:
    any character but ``*`` may stand in the kept ends.

    Args:
        scheme: The scheme id; ``None`` or an unknown id uses the default rule (what
            :func:`volunteerkit.errors.mask` keeps).
        value: The text to check.

    Returns:
        ``True`` if ``value`` has the masked shape, ``False`` otherwise (also for a value or a
        scheme that is not text, and for ``""``).

    Examples:
        >>> is_masked("cn_ric", "110105********002X")
        True
        >>> is_masked("cn_ric", "110105194912310**2X")
        False
    """
    if not isinstance(value, str) or "*" not in value:
        return False
    scheme_id = scheme if isinstance(scheme, str) else ""
    return mask_number(scheme_id, value.replace("*", "0")) == value


@attrs.frozen(kw_only=True, repr=False)
class IdentityDocument:
    """A valid identity-document number with what it says about its holder.

    ``repr()`` and ``str()`` show the number masked (``110105********0018``) and leave out the
    derived personal fields, so that a document can be logged without disclosing it. The full
    number is in :attr:`number`; handle it as personal data.

    Attributes:
        scheme: The scheme id, such as ``cn_ric``.
        number: The canonical number (what ``validate`` returns).
        edition: The edition or variant of the number where a scheme has several (``"1989"`` for a
            15-digit citizen number given in its legacy form, ``"2017"``/``"2023"`` for permanent
            residence cards, ``"2021"``/``"arc"`` for Taiwan UINs), else ``None``.
        birth_date: Birth date encoded in the number, if any.
        sex: Sex encoded in the number, if any.
        region: GB/T 2260 code of the place the number encodes, if any.
        nationality: ISO 3166-1 alpha-3 nationality, where the document determines it.
        expiry_date: Expiry date (passport MRZ only).
        extra: Further scheme-specific facts as ``(key, value)`` pairs (see each scheme).
        warnings: Warnings about this number (never errors).
    """

    scheme: str
    number: str
    edition: str | None = None
    birth_date: date | None = None
    sex: Sex | None = None
    region: str | None = None
    nationality: str | None = None
    expiry_date: date | None = None
    extra: tuple[tuple[str, str], ...] = ()
    warnings: tuple[IdentityWarning, ...] = ()

    @property
    def masked(self) -> str:
        """The number with its middle masked, safe to show or log."""
        return mask_number(self.scheme, self.number)

    @property
    def details(self) -> dict[str, str]:
        """:attr:`extra` as a new dictionary."""
        return dict(self.extra)

    @property
    def warning_codes(self) -> tuple[str, ...]:
        """The codes of :attr:`warnings`, in order."""
        return tuple(w.code for w in self.warnings)

    def __repr__(self) -> str:
        """Return a repr with the number masked and without derived personal fields."""
        return (
            f"IdentityDocument(scheme={self.scheme!r}, number={self.masked!r}, "
            f"edition={self.edition!r}, warnings={self.warning_codes!r})"
        )

    def __str__(self) -> str:
        """Return ``scheme masked-number``."""
        return f"{self.scheme} {self.masked}"
