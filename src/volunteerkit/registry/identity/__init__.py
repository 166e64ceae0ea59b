"""Identity-document numbers: validation, normalization, parsing and masking.

One module per scheme, each with the same small interface (``compact``, ``validate``,
``is_valid``, ``format``, ``parse``) plus the helpers its scheme carries. The package-level
:func:`validate`, :func:`is_valid`, :func:`parse` and :func:`detect` dispatch by scheme id:

========================================  ==========================================
scheme id                                 document
========================================  ==========================================
``cn_ric``                                PRC Resident Identity Card (GB 11643)
``cn_hmt_residence_permit``               HK/Macao/Taiwan residents' residence permit
``cn_foreign_pr``                         Foreigner's Permanent Residence ID Card
``cn_hk_macau_mainland_permit``           回乡证 (HK/Macao residents' travel permit)
``cn_taiwan_mainland_permit``             台胞证 (Taiwan residents' travel permit)
``hk_hkid``                               Hong Kong Identity Card
``mo_bir``                                Macao Resident ID (BIR)
``tw_national_id``                        Taiwan National ID
``tw_uin``                                Taiwan resident's UIN / ARC number
``icao_td3_mrz``                          Passport MRZ (ICAO Doc 9303 TD3)
``cn_passport_number``                    PRC passport number
``cn_uscc``                               Unified Social Credit Code (GB 32100)
``cn_mobile``                             PRC mobile number
========================================  ==========================================

The library never reads the system clock: without a ``clock`` argument, birth dates are not
compared with today. Pass ``clock=SystemClock()`` at the edge of your application.

Numbers are personal data. Errors never contain them, and :class:`IdentityDocument` shows them
masked in ``repr``/``str``. :func:`mask_number` masks a number for display, and :func:`is_masked`
tells whether a text has the masked shape of its scheme (models that keep only the masked number
check it with this, so that a full number cannot be stored in its place).
"""

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
from volunteerkit.registry.identity._errors import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidIdentity,
    InvalidLength,
    UnknownScheme,
)
from volunteerkit.registry.identity._model import (
    IdentityDocument,
    IdentityWarning,
    Sex,
    is_masked,
    mask_number,
)
from volunteerkit.registry.identity._registry import (
    SCHEMES,
    Scheme,
    compact,
    detect,
    is_valid,
    parse,
    scheme_module,
    validate,
)

__all__ = [
    "SCHEMES",
    "IdentityDocument",
    "IdentityWarning",
    "InvalidChecksum",
    "InvalidComponent",
    "InvalidFormat",
    "InvalidIdentity",
    "InvalidLength",
    "Scheme",
    "Sex",
    "UnknownScheme",
    "cn_foreign_pr",
    "cn_hk_macau_mainland_permit",
    "cn_hmt_residence_permit",
    "cn_mobile",
    "cn_passport_number",
    "cn_ric",
    "cn_taiwan_mainland_permit",
    "cn_uscc",
    "compact",
    "detect",
    "hk_hkid",
    "icao_td3_mrz",
    "is_masked",
    "is_valid",
    "mask_number",
    "mo_bir",
    "parse",
    "scheme_module",
    "tw_national_id",
    "tw_uin",
    "validate",
]
