"""Marketing campaigns spread over the year, one channel each."""

from datetime import datetime, timedelta

from crm_suite.setup.demo.context import DemoContext, reserve_names
from crm_suite.setup.demo.users import DEMO_USERS

CHANNELS = ("Email", "Social", "Event", "Ads", "Referral", "Partner")


def build(ctx: DemoContext, count: int) -> list[dict]:
	names = reserve_names("CAMP-.YYYY.-", count)
	rows = []
	for n, name in enumerate(names):
		start = ctx.start + timedelta(days=int(n * 365 / count))
		end = start + timedelta(days=ctx.rng.choice((14, 30, 45, 60)))
		budget = ctx.rng.choice((2_000, 5_000, 10_000, 25_000))
		rows.append(
			{
				**ctx.base(name, datetime.combine(start, datetime.min.time())),
				"naming_series": "CAMP-.YYYY.-",
				"campaign_name": f"{ctx.rng.choice(('Spring', 'Summer', 'Autumn', 'Winter', 'Launch', 'Webinar'))} {ctx.rng.choice(CHANNELS)} {n + 1}",
				"status": "Completed" if end < ctx.end else "Active",
				"channel": CHANNELS[n % len(CHANNELS)],
				"start_date": start,
				"end_date": end,
				"currency": ctx.locale.main_currency,
				"budget": budget,
				"actual_cost": round(budget * ctx.rng.uniform(0.6, 1.1), 2),
				"campaign_owner": DEMO_USERS["Marketing Manager"][0],
			}
		)
	return rows
