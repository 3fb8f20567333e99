"""Deterministic demo data: a year of a small business's CRM, at two scales.

`make_demo(seed, scale)` fills the site with customers (each with a Contact and an Address through
Frappe's Dynamic Links), leads from several sources and campaigns, opportunities through the sales
stages, tickets and sales orders. The same seed and end date give the same records. Rows are built in
Python, one module per entity (this package), and written with `frappe.db.bulk_insert` in chunks
(store.py), so `large` (100k leads, 20k customers) takes seconds, not hours; derived values use the same
functions the controllers use.
"""

import random
import time
from dataclasses import dataclass, field
from datetime import date

import frappe
from frappe.utils import getdate, today

from crm_suite.activities import demo as activity_demo
from crm_suite.crm import money
from crm_suite.service.sla import recompute_open_tickets
from crm_suite.setup.demo import (
	campaigns,
	customers,
	exchange_rates,
	leads,
	opportunities,
	orders,
	products,
	store,
	tickets,
)
from crm_suite.setup.demo.context import DemoContext
from crm_suite.setup.demo.locales import LOCALES
from crm_suite.setup.demo.users import DEMO_USERS, ensure_demo_users

__all__ = ["DEMO_USERS", "SCALES", "DemoResult", "make_demo"]

SCALES = {
	# customers, leads, opportunities, tickets, products, campaigns
	"small": dict(customers=200, leads=1_000, opportunities=300, tickets=250, products=25, campaigns=6),
	"large": dict(
		customers=20_000, leads=100_000, opportunities=30_000, tickets=25_000, products=500, campaigns=24
	),
}


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
	size = SCALES[scale]
	ctx = DemoContext(random.Random(seed), getdate(until or today()), LOCALES[locale])
	users = ensure_demo_users()

	# Build everything first: later rows fill back-links (Customer.lead, Lead.opportunity) of earlier ones.
	# The order of these calls is the order of the random draws: keep it, or the same seed gives other data.
	product_rows = products.build(ctx, size["products"])
	campaign_rows = campaigns.build(ctx, size["campaigns"])
	customer_rows, contact_rows, address_rows = customers.build(ctx, size["customers"], users)
	lead_rows = leads.build(ctx, size["leads"], users, campaign_rows, customer_rows)
	opportunity_rows, opportunity_items = opportunities.build(
		ctx, size["opportunities"], users, lead_rows, customer_rows, product_rows
	)
	sla = tickets.ensure_demo_sla()
	ticket_rows = tickets.build(ctx, size["tickets"], users, customer_rows, contact_rows, sla)
	tickets.add_feedback(seed, ticket_rows)  # its own random generator: the rows above do not change
	order_rows, order_items = orders.build(ctx, customer_rows, lead_rows, product_rows)
	# Open planned activities on recent leads, and every lead's and opportunity's stage history
	# (crm_suite/activities/demo.py, its own random generator: the rows above do not change)
	planned = activity_demo.activities(seed, ctx.end, lead_rows)
	history = activity_demo.stage_history(
		seed, ctx.end, lead_rows, opportunity_rows, list(opportunities.STAGES)
	)
	rate_rows = exchange_rates.build(ctx)

	written = {
		"Product": product_rows,
		"Exchange Rate": rate_rows,
		"Campaign": campaign_rows,
		"Customer": customer_rows,
		"Contact": contact_rows,
		"Address": address_rows,
		"Lead": lead_rows,
		"Opportunity": opportunity_rows,
		"Opportunity Item": opportunity_items,
		"Ticket": ticket_rows,
		"Sales Order": order_rows,
		"Sales Order Item": order_items,
		"CRM Activity": planned,
		"Stage History": history,
	}
	_write(written, ctx.locale.currencies)

	return DemoResult(
		counts={doctype: len(rows) for doctype, rows in written.items()},
		seconds=time.monotonic() - started,
		converted_customers=[c["name"] for c in customer_rows if c["lead"]],
	)


def _write(rows: dict[str, list[dict]], currencies) -> None:
	for doctype in ("Product", "Exchange Rate"):  # fixed names: a second run reuses them
		store.insert(doctype, rows[doctype], ignore_duplicates=True)
	for currency in {c for c, _w in currencies}:
		frappe.db.set_value("Currency", currency, "enabled", 1)
	for doctype in ("Campaign", "Customer"):
		store.insert(doctype, rows[doctype])
	store.insert_contacts(rows["Contact"])
	store.insert_addresses(rows["Address"])
	for doctype in ("Lead", "Opportunity", "Opportunity Item", "Ticket"):
		store.insert(doctype, rows[doctype])
	recompute_open_tickets()  # deadlines and agreement status in business time, as saving each ticket would
	for doctype in ("Sales Order", "Sales Order Item", "CRM Activity", "Stage History"):
		store.insert(doctype, rows[doctype])
	# The amounts in the reporting currency, set-based (bulk rows skip the controllers); this also
	# builds Customer Order Summary (the per-customer totals RFM reads, which Sales Order on_submit keeps
	# and the bulk path skips) once, from the converted amounts. A reporting currency other than EUR, BAM
	# or USD has no demo rates: those get conversion_rate 0 (a gap the reports name) until a rate is added.
	money.reconvert(strict=False)
