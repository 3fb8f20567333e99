"""Sales orders: each customer orders a few times a year from its first order on; products come in affinity
pairs (a product and its neighbour in the catalogue) so basket analysis finds real rules. About 3% of
orders are cancelled."""

from datetime import datetime, timedelta

from crm_suite.setup.demo.context import DemoContext, reserve_names


def build(ctx: DemoContext, customers, leads, products) -> tuple[list[dict], list[dict]]:
	converted_on = {lead["customer"]: lead["converted_on"] for lead in leads if lead["customer"]}
	plans = []
	for customer in customers:
		orders_in_year = min(int(ctx.rng.expovariate(1 / 4)), 24)
		start = converted_on.get(customer["name"]) or customer["creation"]
		dates = sorted(ctx.when(start).date() for _ in range(orders_in_year))
		plans.extend((customer, day) for day in dates)
	names = reserve_names("SO-.YYYY.-", len(plans))
	orders, lines = [], []
	for name, (customer, day) in zip(names, plans, strict=True):
		created = datetime.combine(day, datetime.min.time()) + timedelta(hours=ctx.rng.randrange(8, 18))
		picks = [ctx.rng.randrange(len(products))]
		if ctx.rng.random() < 0.6:
			picks.append((picks[0] + 1) % len(products))
		picks += [ctx.rng.randrange(len(products)) for _ in range(ctx.rng.randrange(0, 3))]
		currency = ctx.currency_of[customer["name"]]
		order_lines = [
			ctx.product_line(
				name, "Sales Order", idx, products[pick], ctx.rng.randrange(1, 6), currency, created
			)
			for idx, pick in enumerate(dict.fromkeys(picks), start=1)
		]
		lines.extend(order_lines)
		cancelled = ctx.rng.random() < 0.03
		orders.append(
			{
				**ctx.base(name, created),
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
