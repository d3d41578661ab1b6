"""How pages print numbers. (Parsing the query is app/state/fields.py's job; URLs are the states'.)"""

from __future__ import annotations


def format_number(value: float) -> str:
    """35.0 → "35", 0.1111 → "0.111", -2.5 → "-2.5" (display only: 4 significant digits)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


def format_signed(value: float) -> str:
    """format_number with a true minus sign (−2.5)."""
    return format_number(value).replace("-", "−")
