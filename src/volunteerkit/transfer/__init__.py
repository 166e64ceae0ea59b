"""Transfer of certified service records between regions and platforms (format version 1).

When a volunteer moves (Beijing to Hami, one province to another, a platform to the national
system), their certified hours follow them: whoever recorded them certifies them, and nothing is
counted twice or lost.

* :mod:`~volunteerkit.transfer.models`: the package format (header, entries, totals, chunks,
  seals, receipts);
* :mod:`~volunteerkit.transfer.canonical`: canonical JSON bytes;
* :mod:`~volunteerkit.transfer.schema`: the JSON Schema (``docs/transfer-package.schema.json``);
* :mod:`~volunteerkit.transfer.signing`: HMAC-SHA256 and Ed25519 signatures with key ids;
* :mod:`~volunteerkit.transfer.package`: streaming chunk files, verification of chunk sets;
* :mod:`~volunteerkit.transfer.workflow`: the state machine of a transfer;
* :mod:`~volunteerkit.transfer.store`: the storage contract (``store.transfers``);
* :mod:`~volunteerkit.transfer.service`: export, verify and import over stores.
"""

from volunteerkit.transfer.canonical import canonical_bytes, check_canonical
from volunteerkit.transfer.errors import (
    PackageRefused,
    TransferInputError,
    TransferNotFound,
    TransferStateError,
    VolunteerNotMatched,
)
from volunteerkit.transfer.models import (
    FORMAT,
    VERSION,
    Algorithm,
    CertifiedDay,
    ChunkHead,
    ChunkInfo,
    ChunkSeal,
    PackageHeader,
    PackageTotals,
    Receipt,
    ReceiptOutcome,
    RejectReason,
    Signature,
    SignedReceipt,
    TransferEntry,
    VolunteerRef,
)
from volunteerkit.transfer.package import (
    ChunkSummary,
    VerifiedPackage,
    load_receipt,
    read_entries,
    receipt_bytes,
    verify_package,
    write_package,
)
from volunteerkit.transfer.schema import package_schema
from volunteerkit.transfer.service import (
    ExportResult,
    ImportResult,
    OverlapPolicy,
    RegistryDirectory,
    Transfers,
    VolunteerDirectory,
)
from volunteerkit.transfer.signing import (
    Ed25519Signer,
    HmacSigner,
    KeySet,
    Signer,
    TrustedKey,
)
from volunteerkit.transfer.store import TransferredEntry, TransferRepository, TransferStore
from volunteerkit.transfer.workflow import (
    Role,
    Transfer,
    TransferState,
    TransferStep,
    advance,
    new_transfer,
)

__all__ = [
    "FORMAT",
    "VERSION",
    "Algorithm",
    "CertifiedDay",
    "ChunkHead",
    "ChunkInfo",
    "ChunkSeal",
    "ChunkSummary",
    "Ed25519Signer",
    "ExportResult",
    "HmacSigner",
    "ImportResult",
    "KeySet",
    "OverlapPolicy",
    "PackageHeader",
    "PackageRefused",
    "PackageTotals",
    "Receipt",
    "ReceiptOutcome",
    "RegistryDirectory",
    "RejectReason",
    "Role",
    "Signature",
    "SignedReceipt",
    "Signer",
    "Transfer",
    "TransferEntry",
    "TransferInputError",
    "TransferNotFound",
    "TransferRepository",
    "TransferState",
    "TransferStateError",
    "TransferStep",
    "TransferStore",
    "TransferredEntry",
    "Transfers",
    "TrustedKey",
    "VerifiedPackage",
    "VolunteerDirectory",
    "VolunteerNotMatched",
    "VolunteerRef",
    "advance",
    "canonical_bytes",
    "check_canonical",
    "load_receipt",
    "new_transfer",
    "package_schema",
    "read_entries",
    "receipt_bytes",
    "verify_package",
    "write_package",
]
