"""Money in one reporting currency: dated exchange rates and the amounts stored converted (docs/money.md).

Frappe v15 has a Currency doctype but no exchange rates (those are ERPNext's), so the app keeps its own
small `Exchange Rate` doctype: 1 from_currency = rate to_currency from `date` on. The rate of a currency on a
day is the latest rate on or before that day from that currency to the reporting currency (CRM Settings;
empty: the site's default currency); without one, the inverse of the latest rate the other way round; the
reporting currency itself has rate 1. Nothing else is guessed (no chaining through a third currency).

Every document with an amount that the app adds up stores it converted, next to its own amount
(`SPECS`: Sales Order `base_grand_total`, Opportunity `base_amount` and `base_weighted_amount`, Campaign
`base_actual_cost`), with the `conversion_rate` used, at the rate of its date (`conversion_date`). Reports,
number cards, charts, RFM monetary, CLV and Customer Order Summary sum those columns, so they stay plain
set-based SUMs over covering indexes. A document whose currency has no rate for its date is not saved (a
clear error naming the pair and the date). Saving or deleting an Exchange Rate, or changing the reporting
currency, re-converts the stored amounts it affects in one UPDATE per doctype (`rate_sql`, a correlated
lookup of the latest rate); a change that would leave a document without a rate is refused as a whole.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import frappe
from frappe import _
from frappe.utils import flt, getdate

from crm_suite.utils.singles import fresh_single_value

RATE_PRECISION = 9
SUMMARY_REFRESH_LIMIT = 5_000  # more customers touched by a re-conversion: rebuild the whole table
FALLBACK_CURRENCY = "USD"


class MissingExchangeRate(frappe.ValidationError):
	pass


# ----------------------------------------------------------------------------------------------- rules


def rate_on(rates: Iterable[tuple[datetime.date, float]], on: datetime.date) -> float | None:
	"""The rate of the latest (date, rate) on or before `on`; None when every rate is later (or none)."""
	best: tuple[datetime.date, float] | None = None
	for date, rate in rates:
		if date <= on and (best is None or date > best[0]):
			best = (date, rate)
	return best[1] if best else None


def round_half_up(value: float | Decimal, precision: int) -> float:
	"""Rounded as MariaDB's ROUND() rounds a DECIMAL (half away from zero), so the amounts a document
	stores and the ones a set-based re-conversion writes agree to the cent."""
	quantum = Decimal(1).scaleb(-precision)
	return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def pick_rate(direct: float | None, inverse: float | None) -> float | None:
	"""The rate into the reporting currency: the direct pair's, else 1 / the inverse pair's."""
	if direct:
		return round_half_up(direct, RATE_PRECISION)
	if inverse:
		return round_half_up(Decimal(1) / Decimal(str(inverse)), RATE_PRECISION)
	return None


def convert(amount: float | None, rate: float, precision: int = 2) -> float:
	"""amount × rate, rounded like SQL's round(amount * rate, precision) on the stored decimals."""
	return round_half_up(Decimal(str(amount or 0)) * Decimal(str(rate or 0)), precision)


def validate_rate_pair(from_currency: str, to_currency: str, rate: float) -> None:
	if from_currency == to_currency:
		frappe.throw(
			_("An exchange rate is between two different currencies."), title=_("Invalid Exchange Rate")
		)
	if flt(rate) <= 0:
		frappe.throw(_("The exchange rate must be more than zero."), title=_("Invalid Exchange Rate"))


# ------------------------------------------------------------------------------------------- settings


def default_currency() -> str:
	return frappe.db.get_default("currency") or FALLBACK_CURRENCY


def reporting_currency() -> str:
	"""CRM Settings' reporting currency (read afresh: it may change in this transaction), else the site's
	default currency."""
	return fresh_single_value("CRM Settings", "reporting_currency") or default_currency()


# ------------------------------------------------------------------------------------------ one rate


def _latest(from_currency: str, to_currency: str, on: datetime.date) -> float | None:
	rate = frappe.qb.DocType("Exchange Rate")
	row = (
		frappe.qb.from_(rate)
		.select(rate.rate)
		.where((rate.from_currency == from_currency) & (rate.to_currency == to_currency) & (rate.date <= on))
		.orderby(rate.date, order=frappe.qb.desc)
		.limit(1)
		.run()
	)
	return row[0][0] if row else None


def get_rate(currency: str | None, on: datetime.date | str | None, to: str | None = None) -> float:
	"""The rate from `currency` into `to` (default: the reporting currency) on `on`; raises
	MissingExchangeRate naming the pair and the date when there is none."""
	to = to or reporting_currency()
	currency = currency or default_currency()
	if currency == to:
		return 1.0
	on = getdate(on)
	rate = pick_rate(_latest(currency, to, on), _latest(to, currency, on))
	if rate is None:
		frappe.throw(
			_(
				"No exchange rate from {0} to {1} on or before {2}. A CRM Manager adds one under Exchange Rate."
			).format(currency, to, frappe.format(on, "Date")),
			MissingExchangeRate,
			title=_("Missing Exchange Rate"),
		)
	return rate


# ---------------------------------------------------------------------------- stored converted amounts


@dataclass(frozen=True)
class Spec:
	"""A doctype whose amounts are stored converted: base field -> own amount field."""

	amounts: dict[str, str]
	date_sql: str  # the conversion date of row `t`
	date_of: Callable  # the same for a document
	currency: str = "currency"


def _opportunity_date(doc) -> datetime.date:
	return getdate(doc.closed_on or doc.expected_close_date or doc.creation or None)


SPECS: dict[str, Spec] = {
	"Sales Order": Spec(
		amounts={"base_grand_total": "grand_total"},
		date_sql="coalesce(t.transaction_date, date(t.creation))",
		date_of=lambda doc: getdate(doc.transaction_date or doc.creation or None),
	),
	# closed: the closing day; open: the expected close date (the latest rate for a future one)
	"Opportunity": Spec(
		amounts={"base_amount": "amount", "base_weighted_amount": "weighted_amount"},
		date_sql="coalesce(t.closed_on, t.expected_close_date, date(t.creation))",
		date_of=_opportunity_date,
	),
	"Campaign": Spec(
		amounts={"base_actual_cost": "actual_cost"},
		date_sql="coalesce(t.start_date, date(t.creation))",
		date_of=lambda doc: getdate(doc.start_date or doc.creation or None),
	),
}


def _precision(doctype: str, fieldname: str) -> int:
	from frappe.model.meta import get_field_precision

	return int(get_field_precision(frappe.get_meta(doctype).get_field(fieldname)) or 2)


def conversion_date(doc) -> datetime.date:
	return SPECS[doc.doctype].date_of(doc)


def set_base_amounts(doc) -> None:
	"""Before a document is saved: its conversion rate and converted amounts (MissingExchangeRate when its
	currency has no rate for its date)."""
	spec = SPECS[doc.doctype]
	doc.set(spec.currency, doc.get(spec.currency) or default_currency())
	to = reporting_currency()
	rate = get_rate(doc.get(spec.currency), spec.date_of(doc), to)
	doc.conversion_rate = rate
	doc.reporting_currency = to
	for base, amount in spec.amounts.items():
		doc.set(base, convert(doc.get(amount), rate, _precision(doc.doctype, base)))


def rate_sql(currency: str, date: str, to: str = "%(reporting_currency)s") -> str:
	"""SQL for the rate of `currency` into `to` on `date` (NULL when there is none), equal to get_rate:
	a correlated lookup of the latest rate on or before the date over the unique (pair, date) index."""
	return f"""(case when {currency} = {to} then 1 else coalesce(
		(select r.rate from `tabExchange Rate` r where r.from_currency = {currency} and r.to_currency = {to}
			and r.date <= {date} order by r.date desc limit 1),
		(select round(1 / r.rate, {RATE_PRECISION}) from `tabExchange Rate` r
			where r.from_currency = {to} and r.to_currency = {currency}
			and r.date <= {date} order by r.date desc limit 1)) end)"""


def _scope(spec: Spec, currencies: Sequence[str] | None, since: datetime.date | None) -> str:
	conditions = ["1 = 1"]
	if currencies is not None:
		conditions.append("coalesce(nullif(t.currency, ''), %(default_currency)s) in %(currencies)s")
	if since is not None:
		conditions.append(f"{spec.date_sql} >= %(since)s")
	return " and ".join(conditions)


def reconvert(
	currencies: Sequence[str] | None = None,
	since: datetime.date | None = None,
	strict: bool = True,
	to: str | None = None,
) -> dict[str, int]:
	"""Re-convert the stored amounts of every SPECS doctype (only those in `currencies`, dated on or after
	`since`, when given). Strict: first check that every row in scope has a rate, and throw
	MissingExchangeRate naming the pairs and earliest dates if not (nothing written). Not strict (the
	migration patch, the demo): rows without a rate get conversion_rate 0 and converted amounts 0, a gap
	the reports name (`gap_note`). Customer Order Summary is refreshed for the customers whose orders were in
	scope (rebuilt whole when the scope is everything or large). Does not commit."""
	to = to or reporting_currency()
	if currencies is not None and not currencies:
		return {}
	values = {
		"reporting_currency": to,
		"default_currency": default_currency(),
		"currencies": tuple(currencies or ()),
		"since": since,
	}
	currency_sql = "coalesce(nullif(t.currency, ''), %(default_currency)s)"
	rate = rate_sql(currency_sql, "{date}")
	if strict:
		missing = []
		for doctype, spec in SPECS.items():
			# raw SQL, like the UPDATE below: the per-row rate subquery is built from SPECS' SQL expressions
			missing += frappe.db.sql(
				f"""select %(doctype)s, {currency_sql}, min({spec.date_sql}), count(*) from `tab{doctype}` t
				where {_scope(spec, currencies, since)} and {rate.format(date=spec.date_sql)} is null
				group by {currency_sql}""",
				{**values, "doctype": doctype},
			)
		if missing:
			lines = [
				_("{0} × {1} in {2}: no rate to {3} on or before {4}").format(
					count, _(doctype), currency, to, frappe.format(date, "Date")
				)
				for doctype, currency, date, count in missing
			]
			frappe.throw(
				_("Amounts cannot be converted without these exchange rates:") + "<br>" + "<br>".join(lines),
				MissingExchangeRate,
				title=_("Missing Exchange Rate"),
			)
	changed = {}
	customers = None  # whose Customer Order Summary to refresh (None: rebuild every row)
	if currencies is not None:
		# raw SQL: the scope condition is the SQL the UPDATE below uses
		customers = frappe.db.sql_list(
			f"""select distinct t.customer from `tabSales Order` t
			where t.docstatus = 1 and {_scope(SPECS["Sales Order"], currencies, since)}""",
			values,
		)
	for doctype, spec in SPECS.items():
		# raw SQL: a bulk UPDATE of every document in scope with a per-row rate subquery; MariaDB assigns
		# left to right, so the amounts use the rate just set
		assignments = ", ".join(
			f"t.{base} = round(t.{amount} * t.conversion_rate, {_precision(doctype, base)})"
			for base, amount in spec.amounts.items()
		)
		frappe.db.sql(
			f"""update `tab{doctype}` t
			set t.reporting_currency = %(reporting_currency)s,
				t.conversion_rate = ifnull({rate.format(date=spec.date_sql)}, 0), {assignments}
			where {_scope(spec, currencies, since)}""",
			values,
		)
		changed[doctype] = frappe.db._cursor.rowcount
	from crm_suite.analytics.order_summary import rebuild_order_summaries, refresh_order_summaries

	if customers is None or len(customers) > SUMMARY_REFRESH_LIMIT:
		rebuild_order_summaries()
	elif customers:
		refresh_order_summaries(customers)
	return changed


def reconvert_for_rates(pairs: Iterable[tuple[str, str]], since: datetime.date) -> dict[str, int]:
	"""After an Exchange Rate of these pairs, valid from `since`, was saved or deleted: re-convert the
	documents in the currencies it converts into the reporting currency, dated on or after `since`."""
	to = reporting_currency()
	currencies = {a for a, b in pairs if b == to} | {b for a, b in pairs if a == to}
	return reconvert(sorted(currencies), getdate(since), to=to) if currencies else {}


def run_weekly_reconvert() -> None:
	"""Scheduled weekly on the long queue: re-convert every stored amount with the rates as they are now,
	then commit. It repairs what a document saved in the instant a rate was being added may have kept (its
	rate read before the rate committed) and rows written around the document model; not strict (rows
	without a rate become a named gap)."""
	reconvert(strict=False)
	frappe.db.commit()


def reconvert_all(to: str | None = None) -> dict[str, int]:
	"""After the reporting currency changed: every stored amount (strict)."""
	return reconvert(to=to)


# --------------------------------------------------------------------------------------------- reports


def gap_note(doctypes: Sequence[str], to: str | None = None) -> str | None:
	"""A note naming the documents whose amounts have no conversion (rows written around the document
	model, or older than a currency's first rate after the migration): the totals leave them out, and the
	report says so instead of adding them silently. One count per doctype over the index on conversion_rate (0: no rate),
	of the documents the user may read (`frappe.get_list`: record rules and User Permissions), like the totals;
	none of a doctype the user may not read at all."""
	to = to or reporting_currency()
	parts = []
	for doctype in doctypes:
		if not frappe.has_permission(doctype, "read"):
			continue
		filters = {"conversion_rate": 0}
		if frappe.get_meta(doctype).is_submittable:
			filters["docstatus"] = 1
		counts: dict[str, int] = {}
		for row in frappe.get_list(
			doctype, filters=filters, fields=["currency", "count(name) as count"], group_by="currency"
		):
			counts[row.currency or ""] = counts.get(row.currency or "", 0) + row.count
		for currency, count in sorted(counts.items()):
			parts.append(_("{0} × {1} in {2}").format(count, _(doctype), currency or _("no currency")))
	if not parts:
		return None
	return _(
		"Not in these totals, for want of an exchange rate to {0}: {1}. A CRM Manager adds the rates under Exchange Rate."
	).format(to, ", ".join(parts))


def in_reporting_currency(result: tuple, *gap_doctypes: str) -> tuple:
	"""A Script Report's (columns, rows, message, chart, summary, ...) with its money shown in the
	reporting currency: Currency columns and summary figures formatted in it, and the gap note (if any)
	added to the message."""
	to = reporting_currency()
	columns, rows, *rest = result
	for column in columns:
		if isinstance(column, dict) and column.get("fieldtype") == "Currency" and not column.get("options"):
			column["options"] = "currency"
	for row in rows:
		if isinstance(row, dict):
			row["currency"] = to
	if rest:
		note = gap_note(gap_doctypes, to) if gap_doctypes else None
		if note:
			rest[0] = f"{rest[0]}<br>{note}" if rest[0] else note
	if len(rest) >= 3 and rest[2]:
		for item in rest[2]:
			if item.get("datatype") == "Currency":
				item["currency"] = to
	return (columns, rows, *rest)
