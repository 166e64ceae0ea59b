"""Errors of the transfer of service records between regions and platforms.

Every code raised by :mod:`volunteerkit.transfer` is listed in :data:`MESSAGES` with its English and
Chinese message, so a code always says the same thing wherever it is raised. The classes:

* :class:`PackageRefused`: a package, chunk or receipt that is malformed, tampered with, signed by
  the wrong key, incomplete or inconsistent. Nothing is ever written when one is raised.
* :class:`TransferInputError`: a call with bad arguments (an unknown overlap policy, a missing
  consent reference).
* :class:`TransferStateError`: a workflow step that the transfer's current state does not allow,
  or a concurrent step that lost the race.
* :class:`TransferNotFound`: no transfer with the id asked for.
* :class:`VolunteerNotMatched`: the destination has no volunteer matching the package's reference.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from volunteerkit.errors import ConflictError, InvalidInputError, NotFoundError, VolunteerkitError

__all__ = [
    "MESSAGES",
    "PackageRefused",
    "TransferInputError",
    "TransferNotFound",
    "TransferStateError",
    "VolunteerNotMatched",
    "transfer_error",
]

MESSAGES: dict[str, tuple[str, str]] = {
    # canonical JSON
    "transfer.float": (
        "numbers in a transfer package are integers (floats are refused)",
        "转移包中的数字必须是整数(不接受浮点数)",
    ),
    "transfer.integer_range": (
        "integers must lie between -(2^53 - 1) and 2^53 - 1",
        "整数必须在 -(2^53 - 1) 与 2^53 - 1 之间",
    ),
    "transfer.not_nfc": (
        "text must be in Unicode normalization form C (NFC)",
        "文本必须采用 Unicode 规范化形式 C(NFC)",
    ),
    "transfer.key": (
        "object keys must be ASCII strings",
        "对象键必须是 ASCII 字符串",
    ),
    "transfer.type": (
        "only objects, arrays, strings, integers, booleans and null can be encoded",
        "只能编码对象、数组、字符串、整数、布尔值和 null",
    ),
    # reading packages
    "transfer.no_files": ("no package files were given", "未提供转移包文件"),
    "transfer.unreadable": ("the package file cannot be read", "无法读取转移包文件"),
    "transfer.unwritable": (
        "the package or receipt file cannot be written",
        "无法写入转移包或回执文件",
    ),
    "transfer.malformed": (
        "a line of the package is not valid UTF-8 JSON",
        "转移包中有一行不是有效的 UTF-8 JSON",
    ),
    "transfer.not_canonical": (
        "a line of the package is not in canonical form",
        "转移包中有一行不是规范形式",
    ),
    "transfer.schema": (
        "a line of the package does not match the transfer format",
        "转移包中有一行不符合转移格式",
    ),
    "transfer.unsupported_version": (
        "the package uses a format version this library does not read",
        "转移包使用了本库不支持的格式版本",
    ),
    "transfer.truncated": (
        "the package file ends early (truncated)",
        "转移包文件提前结束(被截断)",
    ),
    "transfer.line_too_long": (
        "a line of the package is longer than 1 MiB",
        "转移包中有一行超过 1 MiB",
    ),
    "transfer.digest_mismatch": (
        "the entries of a chunk do not match its sealed digest",
        "分块中的记录与其封存摘要不符",
    ),
    "transfer.totals_mismatch": (
        "the totals do not match the entries",
        "合计与记录不符",
    ),
    "transfer.entry_order": (
        "entries must be in strictly increasing id order, each id once",
        "记录必须按标识严格递增排列,每个标识只出现一次",
    ),
    "transfer.entry_days": (
        "the certified days of an entry do not match its local days of service",
        "记录的认证日期与其服务的当地日期不符",
    ),
    "transfer.entry_credit": (
        "an entry's credited minutes are not the sum of its certified days",
        "记录的认证分钟数不等于各日认证分钟数之和",
    ),
    # signatures
    "transfer.signature_invalid": (
        "the signature does not verify",
        "签名验证失败",
    ),
    "transfer.unknown_key": (
        "the signature's key id is not a trusted key",
        "签名的密钥标识不是受信任的密钥",
    ),
    "transfer.wrong_key": (
        "the signature's key does not belong to the party that must sign, or is of another "
        "algorithm",
        "签名密钥不属于应签名的一方,或算法不符",
    ),
    "transfer.key_invalid": (
        "invalid key material or key id",
        "密钥材料或密钥标识无效",
    ),
    "transfer.crypto_missing": (
        "Ed25519 signatures need the 'cryptography' package: pip install 'volunteerkit[crypto]'",
        "Ed25519 签名需要安装 cryptography 包:pip install 'volunteerkit[crypto]'",
    ),
    # chunk sets
    "transfer.chunk_missing": (
        "a chunk of the package is missing",
        "转移包缺少分块",
    ),
    "transfer.chunk_duplicate": (
        "a chunk of the package was given more than once",
        "转移包的某个分块重复出现",
    ),
    "transfer.chunk_foreign": (
        "a chunk belongs to another package",
        "某个分块属于另一个转移包",
    ),
    "transfer.chunk_number": (
        "a chunk's number is outside 1 to its chunk count",
        "分块编号超出 1 至分块总数的范围",
    ),
    # import
    "transfer.wrong_destination": (
        "the package is addressed to another region or platform",
        "转移包的接收方是其他地区或平台",
    ),
    "transfer.wrong_source": (
        "the package comes from a region or platform other than the transfer's source",
        "转移包来自该转移的来源以外的地区或平台",
    ),
    "transfer.volunteer_mismatch": (
        "the package is for another volunteer",
        "转移包属于其他志愿者",
    ),
    "transfer.transfer_mismatch": (
        "the package or receipt belongs to another transfer",
        "转移包或回执属于其他转移",
    ),
    "transfer.volunteer_not_found": (
        "no volunteer here matches the package's volunteer reference",
        "本地没有与转移包中志愿者标识相符的志愿者",
    ),
    "transfer.already_imported": (
        "another package of this transfer was already imported",
        "该转移的另一个转移包已导入",
    ),
    "transfer.already_rejected": (
        "another package of this transfer was already rejected",
        "该转移的另一个转移包已被拒绝",
    ),
    "transfer.receipt_mismatch": (
        "the receipt does not answer a package this transfer exported",
        "回执与该转移导出的任何转移包均不符",
    ),
    "transfer.already_closed": (
        "the transfer was already closed by another receipt",
        "该转移已由另一份回执关闭",
    ),
    # workflow and arguments
    "transfer.invalid_transition": (
        "this step is not allowed in the transfer's current state",
        "转移的当前状态不允许此步骤",
    ),
    "transfer.concurrent_update": (
        "another step was recorded for this transfer at the same time",
        "该转移同时记录了另一个步骤",
    ),
    "transfer.exists": (
        "a transfer with this id is already stored",
        "已存在相同标识的转移",
    ),
    "transfer.not_found": ("no transfer with this id", "没有该转移"),
    "transfer.entry_conflict": (
        "a different transferred entry is stored under this entry id",
        "该记录标识下已存储了另一条不同的转移记录",
    ),
    "transfer.consent_required": (
        "a transfer needs the volunteer's consent reference",
        "转移需要志愿者的同意凭证",
    ),
    "transfer.reason_required": (
        "a rejection needs a reason code",
        "拒绝必须给出原因代码",
    ),
    "transfer.invalid": ("invalid transfer data", "转移数据无效"),
}
"""Every code this part raises, with its English and Chinese message."""

E = TypeVar("E", bound=VolunteerkitError)


def transfer_error(
    cls: type[E], code: str, path: str | None = None, detail: str | None = None
) -> E:
    """Build an error of class ``cls`` from its stable code.

    Args:
        cls: The error class.
        code: A code listed in :data:`MESSAGES`.
        path: The path of the offending field or line.
        detail: Optional non-personal detail appended to both messages.

    Returns:
        The error, ready to raise.
    """
    en, zh = MESSAGES.get(code, MESSAGES["transfer.invalid"])
    if detail:
        en = f"{en} ({detail})"
        zh = f"{zh}({detail})"
    return cls(en, zh, code=code, path=path)


class _Of:
    """Mixin: ``Cls.of(code, path, detail)`` builds an error with messages from the table."""

    @classmethod
    def of(cls: type[E], code: str, path: str | None = None, detail: str | None = None) -> E:  # type: ignore[misc]
        """Build an error from its stable code.

        Args:
            code: A code listed in :data:`MESSAGES`.
            path: The path of the offending field or line.
            detail: Optional non-personal detail appended to both messages.

        Returns:
            The error, ready to raise.
        """
        return transfer_error(cls, code, path, detail)


class PackageRefused(_Of, InvalidInputError):
    """A package, chunk or receipt refused: malformed, tampered with, wrongly signed or incomplete."""

    default_code: ClassVar[str] = "transfer.invalid"
    default_message: ClassVar[str] = MESSAGES["transfer.invalid"][0]
    default_message_zh: ClassVar[str] = MESSAGES["transfer.invalid"][1]


class TransferInputError(_Of, InvalidInputError):
    """A call with arguments the transfer part refuses."""

    default_code: ClassVar[str] = "transfer.invalid"
    default_message: ClassVar[str] = MESSAGES["transfer.invalid"][0]
    default_message_zh: ClassVar[str] = MESSAGES["transfer.invalid"][1]


class TransferStateError(_Of, ConflictError):
    """A workflow step the transfer's state does not allow, or that lost a race."""

    default_code: ClassVar[str] = "transfer.invalid_transition"
    default_message: ClassVar[str] = MESSAGES["transfer.invalid_transition"][0]
    default_message_zh: ClassVar[str] = MESSAGES["transfer.invalid_transition"][1]


class TransferNotFound(_Of, NotFoundError):
    """No transfer with the requested id."""

    default_code: ClassVar[str] = "transfer.not_found"
    default_message: ClassVar[str] = MESSAGES["transfer.not_found"][0]
    default_message_zh: ClassVar[str] = MESSAGES["transfer.not_found"][1]


class VolunteerNotMatched(_Of, InvalidInputError, LookupError):
    """The destination has no volunteer matching the package's volunteer reference."""

    default_code: ClassVar[str] = "transfer.volunteer_not_found"
    default_message: ClassVar[str] = MESSAGES["transfer.volunteer_not_found"][0]
    default_message_zh: ClassVar[str] = MESSAGES["transfer.volunteer_not_found"][1]
