"""Hooks that the hours models add to the library's one cattrs converter.

String enums. The shared converter registers a hook for ``str``; a :class:`~enum.StrEnum` subclass
is also a ``str`` and would be structured as a plain string by it. :func:`register_str_enum` gives
each enum its own hooks: written as its value, read back as the enum member (an unknown value is a
:class:`~volunteerkit.errors.SerializationError`).

Tagged unions.
A tagged class unstructures with an extra key (``"type"`` for events, ``"kind"`` for windows) naming
its class, and structures from data with or without that key (a wrong tag is refused). The union
itself structures by reading the tag. Unknown tags are refused with a
:class:`~volunteerkit.errors.SerializationError` at the tag's path, never with a bare
:class:`KeyError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from volunteerkit._serialization import converter
from volunteerkit.errors import SerializationError

__all__ = ["register_str_enum", "register_tagged_union"]


def register_str_enum(cls: type[Enum]) -> None:
    """Register hooks that write an enum as its value and read it back as the member.

    Args:
        cls: A string enum.
    """
    allowed = ", ".join(str(m.value) for m in cls)

    def structure(value: Any, _type: Any) -> Any:
        if isinstance(value, cls):
            return value
        try:
            return cls(value)
        except ValueError:  # "'<value>' is not a valid ...": raised below, so that it is not
            pass  # kept as the error's context (the value may be an identity number)
        raise SerializationError(
            f"value is not allowed here (expected one of: {allowed})",
            f"此处不允许该值(应为:{allowed})",
            code="serialization.value",
        )

    converter.register_unstructure_hook(cls, lambda member: member.value)
    converter.register_structure_hook(cls, structure)


def register_tagged_union(union: Any, classes: Mapping[str, type[Any]], tag_key: str) -> None:
    """Register un/structure hooks for a union of attrs classes told apart by a tag.

    Args:
        union: The union type (``A | B``) to structure by tag.
        classes: Tag value to class.
        tag_key: The key that holds the tag in serialized data.
    """
    for tag, cls in classes.items():
        base_unstructure = make_dict_unstructure_fn(cls, converter)
        base_structure = make_dict_structure_fn(cls, converter)

        def unstructure(
            obj: Any, _base: Callable[[Any], dict[str, Any]] = base_unstructure, _tag: str = tag
        ) -> dict[str, Any]:
            data = _base(obj)
            data[tag_key] = _tag
            return data

        def structure(
            data: Any,
            _type: Any,
            _base: Callable[[Any, Any], Any] = base_structure,
            _tag: str = tag,
            _cls: type[Any] = cls,
        ) -> Any:
            if isinstance(data, Mapping) and tag_key in data:
                if data[tag_key] != _tag:
                    raise SerializationError(
                        f"expected {tag_key} {_tag!r}",
                        f"{tag_key} 应为 {_tag!r}",
                        code="serialization.tag",
                        path=f"$.{tag_key}",
                    )
                data = {k: v for k, v in data.items() if k != tag_key}
            return _base(data, _cls)

        converter.register_unstructure_hook(cls, unstructure)
        converter.register_structure_hook(cls, structure)

    known = ", ".join(sorted(classes))

    def structure_union(data: Any, _type: Any) -> Any:
        if not isinstance(data, Mapping):
            raise SerializationError("expected an object", "应为对象", code="serialization.type")
        tag = data.get(tag_key)
        cls = classes.get(tag) if isinstance(tag, str) else None
        if cls is None:
            raise SerializationError(
                f"unknown or missing {tag_key} (expected one of: {known})",
                f"{tag_key} 未知或缺失(应为:{known})",
                code="serialization.tag",
                path=f"$.{tag_key}",
            )
        return converter.structure(data, cls)

    converter.register_structure_hook_func(lambda t: t == union, structure_union)
