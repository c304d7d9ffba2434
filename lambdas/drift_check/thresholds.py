"""Drift thresholds: the defaults, and a project policy's overrides.

A feature drifts when any of its checks breaches. Each check can be switched off by
setting its threshold to ``null`` (``None``).

=========================  ========  ===========================================
key                        default   the check breaches when
=========================  ========  ===========================================
``psi``                    0.2       PSI >= psi (numeric and categorical). 0.1 is
                                     the usual "moderate" line, 0.2 "significant".
``ks``                     0.05      binned KS statistic >= ks (numeric) ...
``ks_p_value``             0.001     ... and its KS p-value < ks_p_value (``null``:
                                     the statistic alone decides). The statistic is
                                     the size of the change, the p-value makes sure
                                     it is not sampling noise of a small window.
``js``                     0.1       Jensen-Shannon distance (base 2) >= js.
``chi2_p_value``           0.001     chi-square homogeneity p-value < chi2_p_value
                                     (categorical). On very large windows this test
                                     flags small changes: lower it, or switch it
                                     off, to let the size-based checks decide.
``missing_rate_delta``     0.05      abs(window missing rate - baseline missing
                                     rate) >= missing_rate_delta.
``unseen_category_share``  0.05      share of a categorical feature's window values
                                     outside the baseline's listed categories, less
                                     the baseline's own "other" share, >= this.
``type_mismatch_share``    0.05      share of a numeric feature's present window
                                     values that are not numbers >= this.
``min_rows``               1000      fewer window rows: no verdicts and no drift
                                     score ("insufficient_data"); a feature with
                                     fewer non-missing window values than this gets
                                     no distribution checks (PSI, KS, JS, chi-square).
=========================  ========  ===========================================

Why these defaults: with 1,000 rows or more, identical distributions breach PSI, JS
or the gated KS check far less than once in a thousand features, and the chi-square
check exactly at its p-value; a mean shift of a quarter of a standard deviation
moves the KS statistic to about 0.1, twice the ``ks`` line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Final

_P_VALUE_KEYS: Final = frozenset({"ks_p_value", "chi2_p_value"})
_SHARE_KEYS: Final = frozenset(
    {"missing_rate_delta", "unseen_category_share", "type_mismatch_share", "ks", "js"}
)


class InvalidThresholds(ValueError):
    """A thresholds object names an unknown key or holds a value out of range."""


@dataclass(frozen=True)
class Thresholds:
    """Lines a feature's statistics are held against (see the module docstring)."""

    psi: float | None = 0.2
    ks: float | None = 0.05
    ks_p_value: float | None = 0.001
    js: float | None = 0.1
    chi2_p_value: float | None = 0.001
    missing_rate_delta: float | None = 0.05
    unseen_category_share: float | None = 0.05
    type_mismatch_share: float | None = 0.05
    min_rows: int = 1000

    @classmethod
    def from_mapping(cls, overrides: Mapping[str, Any] | None) -> Thresholds:
        """Defaults with ``overrides`` applied; raises InvalidThresholds on bad input."""
        if overrides is None:
            return cls()
        if not isinstance(overrides, Mapping):
            raise InvalidThresholds(f"thresholds must be an object, got {type(overrides).__name__}")
        allowed = [field.name for field in fields(cls)]
        unknown = sorted(set(overrides) - set(allowed))
        if unknown:
            raise InvalidThresholds(
                f"unknown threshold key(s) {unknown}; allowed: {', '.join(allowed)}"
            )
        checked: dict[str, Any] = {
            key: _checked_value(key, value) for key, value in overrides.items()
        }
        return replace(cls(), **checked)

    def to_dict(self) -> dict[str, float | int | None]:
        """The thresholds as a JSON-ready object."""
        return asdict(self)


def _checked_value(key: str, value: object) -> float | int | None:
    if key == "min_rows":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidThresholds(f"threshold min_rows must be an integer >= 1, got {value!r}")
        return value
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidThresholds(f"threshold {key} must be a number or null, got {value!r}")
    number = float(value)
    if key in _P_VALUE_KEYS and not 0.0 < number <= 1.0:
        raise InvalidThresholds(f"threshold {key} is a p-value in (0, 1], got {value!r}")
    if key in _SHARE_KEYS and not 0.0 < number <= 1.0:
        raise InvalidThresholds(f"threshold {key} must be in (0, 1], got {value!r}")
    if number <= 0.0:
        raise InvalidThresholds(f"threshold {key} must be positive, got {value!r}")
    return number


DEFAULT_THRESHOLDS: Final = Thresholds()
