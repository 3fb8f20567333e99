"""The value of an opportunity: line amounts, totals and the probability-weighted amount.

Pure arithmetic so it can be tested without a site; the Opportunity controller applies it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class OpportunityTotals:
	total_qty: float
	amount: float


def line_amount(qty: float, rate: float, precision: int = 2) -> float:
	return round((qty or 0) * (rate or 0), precision)


def totals(lines: list[tuple[float, float]], precision: int = 2) -> OpportunityTotals:
	"""Totals of (qty, rate) lines."""
	return OpportunityTotals(
		total_qty=sum(q or 0 for q, _ in lines),
		amount=round(sum(line_amount(q, r, precision) for q, r in lines), precision),
	)


def weighted_amount(amount: float, probability: float, precision: int = 2) -> float:
	"""Amount × probability (a percentage, 0–100)."""
	return round((amount or 0) * (probability or 0) / 100.0, precision)


def probability_for_status(status: str, probability: float) -> float:
	"""A Won opportunity is certain and a Lost one is gone; an open one keeps its probability."""
	if status == "Won":
		return 100
	if status == "Lost":
		return 0
	return probability
