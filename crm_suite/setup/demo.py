"""Deterministic demo data: a year of a small business's CRM, at two scales.

`make_demo(seed, scale)` fills the site with customers (each with a Contact and an Address through
Frappe's Dynamic Links), leads from several sources and campaigns, opportunities through the sales
stages and tickets. The same seed and end date give the same records. Rows are built in Python and
written with `frappe.db.bulk_insert` in chunks (the bulk path), so `large` (100k leads, 20k customers)
takes seconds, not hours; derived values use the same functions the controllers use.
"""

import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import frappe
from frappe.utils import getdate, today

from crm_suite.activities import demo as activity_demo
from crm_suite.analytics.order_summary import refresh_order_summaries
from crm_suite.crm import money
from crm_suite.sales.opportunity_value import probability_for_status, weighted_amount
from crm_suite.service.sla import recompute_open_tickets
from crm_suite.setup.demo_locales import EN, LOCALES, PRICE_FACTOR, DemoLocale, ascii_fold, demo_rates
from crm_suite.utils.contact_details import full_name

SCALES = {
	# customers, leads, opportunities, tickets, products, campaigns
	"small": dict(customers=200, leads=1_000, opportunities=300, tickets=250, products=25, campaigns=6),
	"large": dict(
		customers=20_000, leads=100_000, opportunities=30_000, tickets=25_000, products=500, campaigns=24
	),
}

# The English tables (kept under their old names); the other locales are in demo_locales.py.
FIRST_NAMES, LAST_NAMES = list(EN.first_names), list(EN.last_names)
COMPANY_WORDS, COMPANY_SUFFIXES, CITIES = list(EN.company_first), EN.company_suffixes, EN.cities
SOURCES = (
	("Website", 30),
	("Referral", 15),
	("Cold Call", 10),
	("Email Campaign", 15),
	("Trade Show", 8),
	("Social Media", 12),
	("Advertisement", 7),
	("Partner", 3),
)
CHANNELS = ("Email", "Social", "Event", "Ads", "Referral", "Partner")
STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Proposal", "Negotiation")
LOST_REASONS = ("Price", "Competitor", "No Budget", "No Decision", "Timing", "Product Fit")
TICKET_SUBJECTS = EN.ticket_subjects
DEMO_USERS = {
	"Sales User": (
		"demo.sales1@crm-suite.invalid",
		"demo.sales2@crm-suite.invalid",
		"demo.sales3@crm-suite.invalid",
	),
	"Sales Manager": ("demo.salesmanager@crm-suite.invalid",),
	"Support Agent": ("demo.support1@crm-suite.invalid", "demo.support2@crm-suite.invalid"),
	"Support Manager": ("demo.supportmanager@crm-suite.invalid",),
	"Marketing Manager": ("demo.marketing@crm-suite.invalid",),
}
CHUNK = 5_000


@dataclass
class DemoResult:
	counts: dict[str, int] = field(default_factory=dict)
	seconds: float = 0.0
	converted_customers: list[str] = field(default_factory=list)  # customers that came from a demo lead


def make_demo(
	seed: int = 1, scale: str = "small", until: date | str | None = None, locale: str = "en"
) -> DemoResult:
	"""Fill the site with demo data for the year ending `until` (default today), in the names, places,
	phone numbers and currencies of `locale` (en, it, bs)."""
	if scale not in SCALES:
		frappe.throw(frappe._("Scale must be one of {0}.").format(", ".join(SCALES)))
	if locale not in LOCALES:
		frappe.throw(frappe._("Locale must be one of {0}.").format(", ".join(LOCALES)))
	started = time.monotonic()
	sizes = SCALES[scale]
	rng = random.Random(seed)
	end = getdate(until or today())
	gen = _Generator(rng, end, LOCALES[locale])

	users = _ensure_demo_users()
	result = DemoResult()
	# Build everything first: later rows fill back-links (Customer.lead, Lead.opportunity) of earlier ones.
	products = gen.products(sizes["products"])
	campaigns = gen.campaigns(sizes["campaigns"])
	customers, contacts, addresses = gen.customers(sizes["customers"], users)
	leads = gen.leads(sizes["leads"], users, campaigns, customers)
	opportunities, items = gen.opportunities(sizes["opportunities"], users, leads, customers, products)
	tickets = gen.tickets(sizes["tickets"], users, customers, contacts, _ensure_demo_sla())
	add_feedback(seed, tickets)  # its own random generator: the rows above do not change
	orders, order_items = gen.sales_orders(customers, leads, products)
	# Activities: open planned activities on recent leads, and every lead's and opportunity's stage history
	# (crm_suite/activities/demo.py, its own random generator: the rows above do not change)
	planned = activity_demo.activities(seed, end, leads)
	history = activity_demo.stage_history(seed, end, leads, opportunities, list(STAGES))

	rates = gen.exchange_rates()
	_insert("Product", products, ignore_duplicates=True)  # fixed codes: a second run reuses them
	_insert("Exchange Rate", rates, ignore_duplicates=True)  # fixed names: a second run reuses them
	for currency in {c for c, _w in gen.locale.currencies}:
		frappe.db.set_value("Currency", currency, "enabled", 1)
	_insert("Campaign", campaigns)
	_insert("Customer", customers)
	_insert_contacts(contacts)
	_insert_addresses(addresses)
	_insert("Lead", leads)
	_insert("Opportunity", opportunities)
	_insert("Opportunity Item", items)
	_insert("Ticket", tickets)
	recompute_open_tickets()  # deadlines and agreement status in business time, as saving each ticket would
	_insert("Sales Order", orders)
	_insert("Sales Order Item", order_items)
	# The bulk path bypasses Sales Order on_submit, which keeps the per-customer totals RFM reads.
	refresh_order_summaries([c["name"] for c in customers])
	_insert("CRM Activity", planned)
	_insert("Stage History", history)
	# The amounts in the reporting currency, set-based (bulk rows skip the controllers); this also
	# rebuilds Customer Order Summary. A reporting currency other than EUR, BAM or USD has no demo rates:
	# those get conversion_rate 0 (a gap the reports name) until a rate is added.
	money.reconvert(strict=False)

	result.counts = {
		"Product": len(products),
		"Exchange Rate": len(rates),
		"Campaign": len(campaigns),
		"Customer": len(customers),
		"Contact": len(contacts),
		"Address": len(addresses),
		"Lead": len(leads),
		"Opportunity": len(opportunities),
		"Opportunity Item": len(items),
		"Ticket": len(tickets),
		"Sales Order": len(orders),
		"Sales Order Item": len(order_items),
		"CRM Activity": len(planned),
		"Stage History": len(history),
	}
	result.converted_customers = [c["name"] for c in customers if c["lead"]]
	result.seconds = time.monotonic() - started
	return result


def add_feedback(seed: int, tickets: list[dict]) -> None:
	"""About two thirds of the resolved and closed tickets got the customer's 1–5 rating a day or two after
	resolution (Customer Satisfaction Trend). Its own `random.Random` (the seed + 17)."""
	rng = random.Random(seed + 17)
	for ticket in tickets:
		ticket.update(feedback_rating=0, feedback_on=None, feedback_requested_on=None)  # one column set
		if not ticket["resolution_date"] or rng.random() > 0.65:
			continue
		ticket["feedback_rating"] = rng.choices((1, 2, 3, 4, 5), weights=(5, 8, 15, 35, 37))[0]
		ticket["feedback_on"] = ticket["resolution_date"] + timedelta(hours=rng.randrange(2, 48))
		ticket["feedback_requested_on"] = ticket["resolution_date"]


def _ensure_demo_users() -> dict[str, list[str]]:
	for role, emails in DEMO_USERS.items():
		for email in emails:
			if not frappe.db.exists("User", email):
				frappe.get_doc(
					{
						"doctype": "User",
						"email": email,
						"send_welcome_email": 0,
						"first_name": email.split("@")[0].replace("demo.", "").title(),
						"roles": [{"role": role}],
					}
				).insert(ignore_permissions=True)
	return {role: list(emails) for role, emails in DEMO_USERS.items()}


def _ensure_demo_sla() -> str:
	"""The site's default Service Level Agreement, or a standard one (Mon–Fri 9–17) when it has none."""
	if name := frappe.db.get_value("Service Level Agreement", {"default_sla": 1, "enabled": 1}):
		return name
	if frappe.db.exists("Service Level Agreement", "Standard Support"):  # made by an earlier demo run
		return "Standard Support"
	hour = 3600
	targets = {"Urgent": (1, 4), "High": (2, 8), "Medium": (4, 24), "Low": (8, 40)}
	return (
		frappe.get_doc(
			{
				"doctype": "Service Level Agreement",
				"sla_name": "Standard Support",
				"enabled": 1,
				"default_sla": 1,
				"priorities": [
					{"priority": p, "response_time": r * hour, "resolution_time": s * hour}
					for p, (r, s) in targets.items()
				],
				"service_hours": [
					{"weekday": day, "start_time": "09:00:00", "end_time": "17:00:00"}
					for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
				],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def reserve_names(prefix: str, count: int, digits: int = 5) -> list[str]:
	"""Take `count` consecutive names from a naming series, exactly as documents inserted one by one would."""
	series = frappe.qb.DocType("Series")
	frappe.db.sql("INSERT IGNORE INTO `tabSeries` (`name`, `current`) VALUES (%s, 0)", (prefix,))
	current = (
		frappe.qb.from_(series).select(series.current).where(series.name == prefix).for_update().run()[0][0]
	)
	frappe.qb.update(series).set(series.current, current + count).where(series.name == prefix).run()
	return [f"{prefix}{str(n).zfill(digits)}" for n in range(current + 1, current + count + 1)]


def _series_prefix(series: str) -> str:
	return series.replace(".YYYY.", str(datetime.now().year)).rstrip(".#")


def _insert(doctype: str, rows: list[dict], ignore_duplicates: bool = False) -> None:
	if not rows:
		return
	fields = list(rows[0])
	values = [tuple(r[f] for f in fields) for r in rows]
	frappe.db.bulk_insert(doctype, fields, values, ignore_duplicates=ignore_duplicates, chunk_size=CHUNK)


def _insert_contacts(contacts: list[dict]) -> None:
	_insert("Contact", [{k: v for k, v in c.items() if not k.startswith("_")} for c in contacts])
	_insert(
		"Contact Email",
		[_child(c, "email_ids", idx=1, email_id=c["email_id"], is_primary=1) for c in contacts],
	)
	_insert(
		"Contact Phone",
		[
			_child(c, "phone_nos", idx=1, phone=c["phone"], is_primary_phone=1, is_primary_mobile_no=0)
			for c in contacts
		],
	)
	_insert(
		"Dynamic Link",
		[
			_child(
				c,
				"links",
				idx=1,
				link_doctype="Customer",
				link_name=c["_customer"],
				link_title=c["company_name"],
			)
			for c in contacts
		],
	)


def _insert_addresses(addresses: list[dict]) -> None:
	_insert("Address", [{k: v for k, v in a.items() if not k.startswith("_")} for a in addresses])
	_insert(
		"Dynamic Link",
		[
			_child(
				a,
				"links",
				idx=1,
				link_doctype="Customer",
				link_name=a["_customer"],
				link_title=a["_customer"],
				parenttype="Address",
			)
			for a in addresses
		],
	)


def _child(parent: dict, parentfield: str, parenttype: str = "Contact", **values) -> dict:
	return {
		"name": frappe.generate_hash(length=10),
		"parent": parent["name"],
		"parenttype": parenttype,
		"parentfield": parentfield,
		"creation": parent["creation"],
		"modified": parent["modified"],
		"owner": "Administrator",
		"modified_by": "Administrator",
		"docstatus": 0,
		**values,
	}


class _Generator:
	"""Builds the rows. All randomness comes from one seeded `random.Random`."""

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

	def exchange_rates(self) -> list[dict]:
		rows = []
		for from_currency, to_currency, valid_from, rate in demo_rates(self.start, self.end):
			name = f"{from_currency}-{to_currency}-{valid_from.isoformat()}"
			rows.append(
				{
					**self.base(name, datetime.combine(valid_from, datetime.min.time())),
					"from_currency": from_currency,
					"to_currency": to_currency,
					"date": valid_from,
					"rate": rate,
				}
			)
		return rows

	def products(self, count: int) -> list[dict]:
		rows = []
		for n in range(1, count + 1):
			rows.append(
				{
					**self.base(f"DEMO-P{n:04d}", datetime.combine(self.start, datetime.min.time())),
					"item_code": f"DEMO-P{n:04d}",
					"item_name": f"{self.rng.choice(COMPANY_WORDS)} {self.rng.choice(('Pro', 'Lite', 'Suite', 'Kit', 'Care', 'Cloud'))} {n}",
					"product_group": self.rng.choice(("Hardware", "Software", "Services", "Subscriptions")),
					"standard_rate": self.rng.choice((49, 99, 199, 499, 999, 2_500, 7_500)),
					"uom": "Nos",
					"disabled": 0,
				}
			)
		return rows

	def campaigns(self, count: int) -> list[dict]:
		names = reserve_names(_series_prefix("CAMP-.YYYY.-"), count)
		rows = []
		for n, name in enumerate(names):
			start = self.start + timedelta(days=int(n * 365 / count))
			end = start + timedelta(days=self.rng.choice((14, 30, 45, 60)))
			budget = self.rng.choice((2_000, 5_000, 10_000, 25_000))
			rows.append(
				{
					**self.base(name, datetime.combine(start, datetime.min.time())),
					"naming_series": "CAMP-.YYYY.-",
					"campaign_name": f"{self.rng.choice(('Spring', 'Summer', 'Autumn', 'Winter', 'Launch', 'Webinar'))} {self.rng.choice(CHANNELS)} {n + 1}",
					"status": "Completed" if end < self.end else "Active",
					"channel": CHANNELS[n % len(CHANNELS)],
					"start_date": start,
					"end_date": end,
					"currency": self.locale.main_currency,
					"budget": budget,
					"actual_cost": round(budget * self.rng.uniform(0.6, 1.1), 2),
					"campaign_owner": DEMO_USERS["Marketing Manager"][0],
				}
			)
		return rows

	def customers(self, count: int, users) -> tuple[list[dict], list[dict], list[dict]]:
		names = reserve_names(_series_prefix("CUST-.YYYY.-"), count)
		customers, contacts, addresses = [], [], []
		for n, name in enumerate(names, start=1):
			created = self.when()
			first, last = self.person()
			self.person_of[name] = (first, last)
			individual = self.rng.random() < 0.2
			customer_name = full_name(first, last) if individual else f"{self.company()} {n}"
			email = f"{ascii_fold(first)}.{ascii_fold(last)}.{n}@{'mail.example.com' if individual else 'corp' + str(n) + '.example.com'}".lower()
			phone = self.phone()
			city, country = self.rng.choice(self.locale.cities)
			self.currency_of[name] = self.locale.currency(self.rng)
			customers.append(
				{
					**self.base(name, created),
					"naming_series": "CUST-.YYYY.-",
					"customer_name": customer_name,
					"customer_type": "Individual" if individual else "Company",
					"customer_group": "Individual"
					if individual
					else self.rng.choice(("Commercial", "Commercial", "Government", "Non Profit")),
					"territory": self.rng.choice(self.locale.territories),
					"industry": self.rng.choice(
						(
							"Manufacturing",
							"Retail",
							"Software",
							"Financial Services",
							"Healthcare",
							"Logistics",
						)
					),
					"account_manager": self.rng.choice(users["Sales User"]),
					"email_id": email,
					"phone": phone,
					"disabled": 0,
					"lead": None,
				}
			)
			contacts.append(
				{
					**self.base(f"{full_name(first, last)}-{name}", created),
					"first_name": first,
					"last_name": last,
					"full_name": full_name(first, last),
					"email_id": email,
					"phone": phone,
					"status": "Passive",
					"company_name": customer_name,
					"is_primary_contact": 1,
					"_customer": name,
				}
			)
			addresses.append(
				{
					**self.base(f"{customer_name}-{name}-Billing", created),
					"address_title": customer_name,
					"address_type": "Billing",
					"address_line1": self.locale.street(self.rng),
					"city": city,
					"country": country,
					"is_primary_address": 1,
					"_customer": name,
				}
			)
		return customers, contacts, addresses

	def leads(self, count: int, users, campaigns, customers) -> list[dict]:
		names = reserve_names(_series_prefix("CRM-LEAD-.YYYY.-"), count)
		sources = [s for s, w in SOURCES for _ in range(w)]
		# About one customer in three came from a lead.
		from_lead = {i: c for i, c in enumerate(customers[: len(customers) // 3])}
		rows = []
		for n, name in enumerate(names):
			created = self.when()
			age_days = (datetime.combine(self.end, datetime.min.time()) - created).days
			first, last = self.person()
			customer = from_lead.get(n)
			if customer:  # the lead was the person who became the customer's contact
				first, last = self.person_of[customer["name"]]
			campaign = self.rng.choice(campaigns) if campaigns and self.rng.random() < 0.3 else None
			if customer:
				status = "Converted"
			else:
				status = self.rng.choices(
					("New", "Contacted", "Qualified", "Unqualified"),
					weights=(60, 25, 10, 5) if age_days < 30 else (10, 30, 25, 35),
				)[0]
			rows.append(
				{
					**self.base(name, created, owner=self.rng.choice(users["Sales User"])),
					"naming_series": "CRM-LEAD-.YYYY.-",
					"first_name": first,
					"last_name": last,
					"lead_name": full_name(first, last),
					"company_name": customer["customer_name"] if customer else self.company(),
					"job_title": self.rng.choice(
						("CEO", "CTO", "Head of Sales", "Buyer", "Operations Manager", "Founder")
					),
					"email_id": customer["email_id"]
					if customer
					else f"{ascii_fold(first)}.{ascii_fold(last)}.l{n}@lead{n % 997}.example.com".lower(),
					"phone": self.phone(),
					"status": status,
					"lead_owner": self.rng.choice(users["Sales User"]),
					"source": campaign and "Email Campaign" or self.rng.choice(sources),
					"campaign": campaign and campaign["name"],
					"territory": customer and customer["territory"],
					"industry": customer and customer["industry"],
					"customer": customer and customer["name"],
					"converted_on": customer and self.when(created, 60),
					"opportunity": None,
				}
			)
			if customer:
				customer["lead"] = name
		return rows

	def opportunities(self, count, users, leads, customers, products) -> tuple[list[dict], list[dict]]:
		names = reserve_names(_series_prefix("CRM-OPP-.YYYY.-"), count)
		stage_probability = dict(zip(STAGES, (10, 20, 40, 60, 80), strict=True))
		customer_name = {c["name"]: c["customer_name"] for c in customers}
		converted = [lead for lead in leads if lead["status"] == "Converted"]
		qualified = [lead for lead in leads if lead["status"] == "Qualified"]
		rows, items = [], []
		for n, name in enumerate(names):
			if n < len(converted):
				lead = converted[n]
				customer, created = lead["customer"], lead["converted_on"]
				lead["opportunity"] = name
			elif qualified and self.rng.random() < 0.3:
				lead = self.rng.choice(qualified)
				customer, created = None, self.when(lead["creation"], 45)
			else:
				lead = None
				customer_row = self.rng.choice(customers)
				customer, created = customer_row["name"], self.when(customer_row["creation"], 200)
			currency = self.currency_of[customer] if customer else self.locale.main_currency
			price = PRICE_FACTOR.get(currency, 1)
			stage = self.rng.choices(STAGES, weights=(30, 25, 20, 15, 10))[0]
			age_days = (datetime.combine(self.end, datetime.min.time()) - created).days
			status = (
				"Open"
				if age_days < 45
				else self.rng.choices(("Open", "Won", "Lost"), weights=(35, 30, 35))[0]
			)
			probability = probability_for_status(status, stage_probability[stage])
			lines = []
			for idx in range(1, self.rng.randrange(1, 4) + 1):
				product = self.rng.choice(products)
				qty = self.rng.randrange(1, 20)
				lines.append(
					{
						**self.base(frappe.generate_hash(length=10), created),
						"parent": name,
						"parenttype": "Opportunity",
						"parentfield": "items",
						"idx": idx,
						"product": product["name"],
						"item_name": product["item_name"],
						"qty": qty,
						"rate": product["standard_rate"] * price,
						"amount": qty * product["standard_rate"] * price,
						"currency": currency,
					}
				)
			amount = sum(line["amount"] for line in lines)
			items.extend(lines)
			closed = self.when(created, 90).date() if status != "Open" else None
			rows.append(
				{
					**self.base(name, created),
					"naming_series": "CRM-OPP-.YYYY.-",
					"title": lead["company_name"] if lead else customer_name[customer],
					"customer": customer,
					"lead": lead and lead["name"],
					"status": status,
					"sales_stage": stage,
					"probability": probability,
					"expected_close_date": (created + timedelta(days=self.rng.randrange(20, 120))).date(),
					"closed_on": closed,
					"lost_reason": self.rng.choice(LOST_REASONS) if status == "Lost" else None,
					"opportunity_owner": (lead and lead["lead_owner"])
					or self.rng.choice(users["Sales User"]),
					"currency": currency,
					"total_qty": sum(line["qty"] for line in lines),
					"amount": amount,
					"weighted_amount": weighted_amount(amount, probability),
					"source": lead and lead["source"],
					"campaign": lead and lead["campaign"],
				}
			)
		return rows, items

	def sales_orders(self, customers, leads, products) -> tuple[list[dict], list[dict]]:
		"""Each customer orders a few times a year from its first order on; products come in affinity
		pairs (a product and its neighbour in the catalogue) so basket analysis finds real rules.
		About 3% of orders are cancelled."""
		converted_on = {lead["customer"]: lead["converted_on"] for lead in leads if lead["customer"]}
		plans = []
		for customer in customers:
			orders_in_year = min(int(self.rng.expovariate(1 / 4)), 24)
			start = converted_on.get(customer["name"]) or customer["creation"]
			dates = sorted(self.when(start).date() for _ in range(orders_in_year))
			plans.extend((customer, day) for day in dates)
		names = reserve_names(_series_prefix("SO-.YYYY.-"), len(plans))
		orders, lines = [], []
		for name, (customer, day) in zip(names, plans, strict=True):
			created = datetime.combine(day, datetime.min.time()) + timedelta(hours=self.rng.randrange(8, 18))
			picks = [self.rng.randrange(len(products))]
			if self.rng.random() < 0.6:
				picks.append((picks[0] + 1) % len(products))
			picks += [self.rng.randrange(len(products)) for _ in range(self.rng.randrange(0, 3))]
			currency = self.currency_of[customer["name"]]
			price = PRICE_FACTOR.get(currency, 1)
			order_lines = []
			for idx, pick in enumerate(dict.fromkeys(picks), start=1):
				product = products[pick]
				qty = self.rng.randrange(1, 6)
				order_lines.append(
					{
						**self.base(frappe.generate_hash(length=10), created),
						"parent": name,
						"parenttype": "Sales Order",
						"parentfield": "items",
						"idx": idx,
						"product": product["name"],
						"item_name": product["item_name"],
						"qty": qty,
						"rate": product["standard_rate"] * price,
						"amount": qty * product["standard_rate"] * price,
						"currency": currency,
					}
				)
			lines.extend(order_lines)
			cancelled = self.rng.random() < 0.03
			orders.append(
				{
					**self.base(name, created),
					"docstatus": 2 if cancelled else 1,
					"naming_series": "SO-.YYYY.-",
					"customer": customer["name"],
					"customer_name": customer["customer_name"],
					"transaction_date": day,
					"is_return": 0,
					"currency": currency,
					"total_qty": sum(line["qty"] for line in order_lines),
					"grand_total": sum(line["amount"] for line in order_lines),
				}
			)
			for line in order_lines:
				line["docstatus"] = orders[-1]["docstatus"]
		return orders, lines

	def tickets(self, count, users, customers, contacts, sla: str) -> list[dict]:
		names = reserve_names(_series_prefix("TKT-.YYYY.-"), count)
		contact_of = {c["_customer"]: c for c in contacts}
		rows = []
		for name in names:
			customer = self.rng.choice(customers)
			contact = contact_of[customer["name"]]
			created = self.when(customer["creation"])
			age_days = (datetime.combine(self.end, datetime.min.time()) - created).days
			status = (
				self.rng.choice(("Open", "In Progress", "Waiting on Customer"))
				if age_days < 10
				else self.rng.choices(("Resolved", "Closed", "Open", "In Progress"), weights=(30, 55, 8, 7))[
					0
				]
			)
			subject = self.rng.choice(self.locale.ticket_subjects)
			rows.append(
				{
					**self.base(name, created),
					"naming_series": "TKT-.YYYY.-",
					"subject": subject,
					"customer": customer["name"],
					"raised_by": contact["email_id"],
					"contact": contact["name"],
					"status": status,
					"priority": self.rng.choices(
						("Low", "Medium", "High", "Urgent"), weights=(25, 45, 22, 8)
					)[0],
					"ticket_type": self.rng.choice(("Question", "Incident", "Problem", "Feature Request")),
					"agent": self.rng.choice(users["Support Agent"]),
					"opening_date": created,
					"resolution_date": self.when(created, 10) if status in ("Resolved", "Closed") else None,
					"description": self.locale.ticket_body.format(subject=subject),
					"service_level_agreement": sla if status != "Closed" else None,
				}
			)
		return rows
