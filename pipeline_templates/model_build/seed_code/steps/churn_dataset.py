"""The churn dataset: its columns, how a CSV of it is read, and a seeded generator of it.

The columns are the model's input schema, in order (inference payloads are CSV
rows without a header, in this order); the label ``churned`` (0 or 1) is the
last column of every training CSV, which has a header row.

The generator draws customers whose churn depends on their contract, tenure,
support calls, charges and payment method through a logistic model, so a
model can learn a real signal (AUC around 0.85) and a model trained on
shuffled labels cannot. ``--monthly-charges-shift`` bills the same customers
more (monthly and total charges), for drift experiments::

    python steps/churn_dataset.py --rows 5000 --seed 7 --output data/churn.csv
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final

import numpy as np

NUMERIC_FEATURES: Final = ("tenure_months", "monthly_charges", "total_charges", "support_calls")
CATEGORIES: Final = {
    "contract": ("month-to-month", "one-year", "two-year"),
    "payment_method": ("card", "bank-transfer", "invoice"),
}
CATEGORICAL_FEATURES: Final = tuple(CATEGORIES)
FEATURES: Final = (
    "tenure_months",
    "monthly_charges",
    "total_charges",
    "support_calls",
    "contract",
    "payment_method",
)
LABEL: Final = "churned"
COLUMNS: Final = (*FEATURES, LABEL)

_CONTRACT_SHARES: Final = (0.55, 0.25, 0.20)
_PAYMENT_SHARES: Final = (0.45, 0.35, 0.20)
_MISSING_TOTAL_SHARE: Final = 0.01


def generate(
    rows: int, *, seed: int, monthly_charges_shift: float = 0.0
) -> list[dict[str, object]]:
    """``rows`` customers drawn with ``seed``; the same arguments give the same rows.

    ``monthly_charges_shift`` (a fraction, 0.4 = 40 % more) raises every monthly
    charge, and so the total charges, after the label is drawn, as a price
    change would: the inputs drift, the customers' behaviour does not.
    """
    if rows < 1:
        raise ValueError(f"rows must be at least 1, got {rows}")
    random = np.random.default_rng(seed)
    contract = random.choice(3, size=rows, p=_CONTRACT_SHARES)
    payment = random.choice(3, size=rows, p=_PAYMENT_SHARES)
    tenure = np.clip(random.gamma(2.0, 14.0, size=rows) + 6.0 * contract, 0, 72).round()
    monthly = np.clip(random.normal(65.0, 20.0, size=rows), 18.0, 120.0).round(2)
    billed = (monthly * (1.0 + monthly_charges_shift)).round(2)
    total = (billed * np.maximum(tenure, 1.0) * random.normal(1.0, 0.04, size=rows)).round(2)
    support_calls = random.poisson(1.2 + 0.8 * (contract == 0), size=rows)
    logit = (
        -1.1
        + 1.5 * (contract == 0)
        - 1.3 * (contract == 2)
        - 0.045 * tenure
        + 0.45 * support_calls
        + 0.02 * (monthly - 65.0)
        + 0.6 * (payment == 2)
    )
    churned = random.random(rows) < 1.0 / (1.0 + np.exp(-logit))
    missing_total = random.random(rows) < _MISSING_TOTAL_SHARE
    contracts, payments = CATEGORIES["contract"], CATEGORIES["payment_method"]
    return [
        {
            "tenure_months": int(tenure[i]),
            "monthly_charges": float(billed[i]),
            "total_charges": None if missing_total[i] else float(total[i]),
            "support_calls": int(support_calls[i]),
            "contract": contracts[contract[i]],
            "payment_method": payments[payment[i]],
            LABEL: int(churned[i]),
        }
        for i in range(rows)
    ]


def feature_rows(records: Sequence[dict[str, object]]) -> Iterator[list[str]]:
    """The model's input columns of ``records`` as CSV fields (missing values empty)."""
    for record in records:
        yield [_field(record[name]) for name in FEATURES]


def write_csv(path: Path, records: Sequence[dict[str, object]], *, header: bool = True) -> None:
    """Write ``records`` as a training CSV (header, features, label last)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if header:
            writer.writerow(COLUMNS)
        for record in records:
            writer.writerow([_field(record[name]) for name in COLUMNS])


def _field(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write a generated churn CSV."""
    parser = argparse.ArgumentParser(description="Generate a churn training CSV.")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--monthly-charges-shift", type=float, default=0.0)
    parser.add_argument("--output", type=Path, required=True)
    arguments = parser.parse_args(argv)
    records = generate(
        arguments.rows, seed=arguments.seed, monthly_charges_shift=arguments.monthly_charges_shift
    )
    write_csv(arguments.output, records)
    print(f"{len(records)} rows -> {arguments.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
