"""The one exception the engine raises for bad parameters."""

from __future__ import annotations


class ParameterError(ValueError):
    """A parameter breaks a rule.

    ``param`` names the offending field (``"stride"``, ``"kernel"`` …) and the message states
    the rule with the caller's numbers filled in, so both faces can show it as is.

    >>> e = ParameterError("stride", "stride must be at least 1, got 0")
    >>> e.param, str(e)
    ('stride', 'stride must be at least 1, got 0')
    """

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message
