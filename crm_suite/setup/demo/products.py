"""The product catalogue: fixed codes (DEMO-P0001, …), so a second demo run reuses them."""

from datetime import datetime

from crm_suite.setup.demo.context import DemoContext
from crm_suite.setup.demo.locales import EN


def build(ctx: DemoContext, count: int) -> list[dict]:
	rows = []
	for n in range(1, count + 1):
		rows.append(
			{
				**ctx.base(f"DEMO-P{n:04d}", datetime.combine(ctx.start, datetime.min.time())),
				"item_code": f"DEMO-P{n:04d}",
				"item_name": f"{ctx.rng.choice(EN.company_first)} {ctx.rng.choice(('Pro', 'Lite', 'Suite', 'Kit', 'Care', 'Cloud'))} {n}",
				"product_group": ctx.rng.choice(("Hardware", "Software", "Services", "Subscriptions")),
				"standard_rate": ctx.rng.choice((49, 99, 199, 499, 999, 2_500, 7_500)),
				"uom": "Nos",
				"disabled": 0,
			}
		)
	return rows
