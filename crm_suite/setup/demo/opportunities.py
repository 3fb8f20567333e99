"""Opportunities through the sales stages, with their product lines: one for each converted lead, some from
qualified leads, the rest from existing customers."""

from datetime import timedelta

from crm_suite.sales.opportunity_value import probability_for_status, weighted_amount
from crm_suite.setup.demo.context import DemoContext, reserve_names

STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Proposal", "Negotiation")
LOST_REASONS = ("Price", "Competitor", "No Budget", "No Decision", "Timing", "Product Fit")


def build(ctx: DemoContext, count, users, leads, customers, products) -> tuple[list[dict], list[dict]]:
	"""Also fills `leads`' back-link (Lead.opportunity)."""
	names = reserve_names("CRM-OPP-.YYYY.-", count)
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
		elif qualified and ctx.rng.random() < 0.3:
			lead = ctx.rng.choice(qualified)
			customer, created = None, ctx.when(lead["creation"], 45)
		else:
			lead = None
			customer_row = ctx.rng.choice(customers)
			customer, created = customer_row["name"], ctx.when(customer_row["creation"], 200)
		currency = ctx.currency_of[customer] if customer else ctx.locale.main_currency
		stage = ctx.rng.choices(STAGES, weights=(30, 25, 20, 15, 10))[0]
		status = (
			"Open"
			if ctx.age_days(created) < 45
			else ctx.rng.choices(("Open", "Won", "Lost"), weights=(35, 30, 35))[0]
		)
		probability = probability_for_status(status, stage_probability[stage])
		lines = []
		for idx in range(1, ctx.rng.randrange(1, 4) + 1):
			product = ctx.rng.choice(products)
			qty = ctx.rng.randrange(1, 20)
			lines.append(ctx.product_line(name, "Opportunity", idx, product, qty, currency, created))
		amount = sum(line["amount"] for line in lines)
		items.extend(lines)
		closed = ctx.when(created, 90).date() if status != "Open" else None
		rows.append(
			{
				**ctx.base(name, created),
				"naming_series": "CRM-OPP-.YYYY.-",
				"title": lead["company_name"] if lead else customer_name[customer],
				"customer": customer,
				"lead": lead and lead["name"],
				"status": status,
				"sales_stage": stage,
				"probability": probability,
				"expected_close_date": (created + timedelta(days=ctx.rng.randrange(20, 120))).date(),
				"closed_on": closed,
				"lost_reason": ctx.rng.choice(LOST_REASONS) if status == "Lost" else None,
				"opportunity_owner": (lead and lead["lead_owner"]) or ctx.rng.choice(users["Sales User"]),
				"currency": currency,
				"total_qty": sum(line["qty"] for line in lines),
				"amount": amount,
				"weighted_amount": weighted_amount(amount, probability),
				"source": lead and lead["source"],
				"campaign": lead and lead["campaign"],
			}
		)
	return rows, items
