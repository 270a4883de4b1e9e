"""UAI, the national school identifier: 7 digits and a check letter (``0350122T``)."""

from __future__ import annotations

CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def normalize_uai(value: str) -> str:
    return value.strip().upper()


def _digits(value: str) -> str | None:
    digits = value[:7]
    return digits if len(digits) == 7 and digits.isascii() and digits.isdigit() else None


def expected_letter(uai: str) -> str:
    """The check letter for a UAI or its first 7 digits; ValueError if they aren't digits."""
    digits = _digits(normalize_uai(uai))
    if digits is None:
        raise ValueError(f"not a UAI prefix: {uai!r}")
    return CHECK_LETTERS[int(digits) % len(CHECK_LETTERS)]


def is_valid_uai(value: str) -> bool:
    """Whether ``value`` (stripped, any case) is 7 digits followed by the right letter."""
    uai = normalize_uai(value)
    digits = _digits(uai)
    return len(uai) == 8 and digits is not None and uai[7] == expected_letter(digits)
