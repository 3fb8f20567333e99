"""Exchange rates between the demo currencies (fixed tables in locales.py, not random): fixed names, so a
second demo run reuses them."""

from datetime import datetime

from crm_suite.setup.demo.context import DemoContext
from crm_suite.setup.demo.locales import demo_rates


def build(ctx: DemoContext) -> list[dict]:
	rows = []
	for from_currency, to_currency, valid_from, rate in demo_rates(ctx.start, ctx.end):
		name = f"{from_currency}-{to_currency}-{valid_from.isoformat()}"
		rows.append(
			{
				**ctx.base(name, datetime.combine(valid_from, datetime.min.time())),
				"from_currency": from_currency,
				"to_currency": to_currency,
				"date": valid_from,
				"rate": rate,
			}
		)
	return rows
