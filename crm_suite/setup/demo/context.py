"""What every entity builder of the demo shares: the seeded random generator, the year's dates, the locale,
the names each customer got (its contact, its currency), and the pieces every row is made of."""

import random
from datetime import date, datetime, timedelta

import frappe
from frappe.model.naming import parse_naming_series

from crm_suite.setup.demo.locales import EN, PRICE_FACTOR, DemoLocale


class DemoContext:
	"""All randomness comes from one seeded `random.Random`: the builders draw from it in the order
	`make_demo` calls them, so the same seed and end date give the same records."""

	def __init__(self, rng: random.Random, end: date, locale: DemoLocale = EN):
		self.rng = rng
		self.locale = locale
		self.currency_of: dict[str, str] = {}  # customer -> the currency it bills in
		self.end = end
		self.person_of: dict[str, tuple[str, str]] = {}  # customer -> its contact's (first, last) name
		self.start = end - timedelta(days=365)

	def when(self, after: datetime | None = None, within_days: int = 365) -> datetime:
		lo = after or datetime.combine(self.start, datetime.min.time())
		hi = min(
			lo + timedelta(days=within_days),
			datetime.combine(self.end, datetime.min.time()) + timedelta(hours=18),
		)
		span = max(int((hi - lo).total_seconds()), 60)
		return lo + timedelta(seconds=self.rng.randrange(span))

	def age_days(self, created: datetime) -> int:
		return (datetime.combine(self.end, datetime.min.time()) - created).days

	def base(self, name: str, created: datetime, owner: str = "Administrator") -> dict:
		return {
			"name": name,
			"creation": created,
			"modified": created,
			"owner": owner,
			"modified_by": owner,
			"docstatus": 0,
		}

	def person(self) -> tuple[str, str]:
		return self.rng.choice(self.locale.first_names), self.rng.choice(self.locale.last_names)

	def company(self) -> str:
		loc = self.locale
		return f"{self.rng.choice(loc.company_first)} {self.rng.choice(loc.company_second)} {self.rng.choice(loc.company_suffixes)}"

	def phone(self) -> str:
		return self.locale.phone(self.rng)

	def product_line(
		self,
		parent: str,
		parenttype: str,
		idx: int,
		product: dict,
		qty: int,
		currency: str,
		created: datetime,
	) -> dict:
		"""One row of an Opportunity's or a Sales Order's items: the product's list price in `currency`."""
		rate = product["standard_rate"] * PRICE_FACTOR.get(currency, 1)
		return {
			**self.base(frappe.generate_hash(length=10), created),
			"parent": parent,
			"parenttype": parenttype,
			"parentfield": "items",
			"idx": idx,
			"product": product["name"],
			"item_name": product["item_name"],
			"qty": qty,
			"rate": rate,
			"amount": qty * rate,
			"currency": currency,
		}


def reserve_names(series: str, count: int, digits: int = 5) -> list[str]:
	"""Take `count` consecutive names from a naming series (e.g. "CUST-.YYYY.-"), exactly as documents
	inserted one by one would: the year is Frappe's, the site's time zone's (not the server clock's, which
	is a year ahead or behind around New Year)."""
	prefix = parse_naming_series(series.rstrip(".#"))
	table = frappe.qb.DocType("Series")
	frappe.qb.into(table).columns(table.name, table.current).insert(prefix, 0).ignore().run()
	current = (
		frappe.qb.from_(table).select(table.current).where(table.name == prefix).for_update().run()[0][0]
	)
	frappe.qb.update(table).set(table.current, current + count).where(table.name == prefix).run()
	return [f"{prefix}{str(n).zfill(digits)}" for n in range(current + 1, current + count + 1)]
