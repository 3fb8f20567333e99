"""Leads from several sources and campaigns; about one customer in three came from one (status Converted,
the customer's contact as the lead's person)."""

from crm_suite.setup.demo.context import DemoContext, reserve_names
from crm_suite.setup.demo.locales import ascii_fold
from crm_suite.utils.contact_details import full_name

SOURCES = (  # (source, weight)
	("Website", 30),
	("Referral", 15),
	("Cold Call", 10),
	("Email Campaign", 15),
	("Trade Show", 8),
	("Social Media", 12),
	("Advertisement", 7),
	("Partner", 3),
)
JOB_TITLES = ("CEO", "CTO", "Head of Sales", "Buyer", "Operations Manager", "Founder")


def build(ctx: DemoContext, count: int, users, campaigns, customers) -> list[dict]:
	"""Also fills `customers`' back-link (Customer.lead)."""
	names = reserve_names("CRM-LEAD-.YYYY.-", count)
	sources = [s for s, w in SOURCES for _ in range(w)]
	from_lead = {i: c for i, c in enumerate(customers[: len(customers) // 3])}
	rows = []
	for n, name in enumerate(names):
		created = ctx.when()
		age_days = ctx.age_days(created)
		first, last = ctx.person()
		customer = from_lead.get(n)
		if customer:  # the lead was the person who became the customer's contact
			first, last = ctx.person_of[customer["name"]]
		campaign = ctx.rng.choice(campaigns) if campaigns and ctx.rng.random() < 0.3 else None
		if customer:
			status = "Converted"
		else:
			status = ctx.rng.choices(
				("New", "Contacted", "Qualified", "Unqualified"),
				weights=(60, 25, 10, 5) if age_days < 30 else (10, 30, 25, 35),
			)[0]
		rows.append(
			{
				**ctx.base(name, created, owner=ctx.rng.choice(users["Sales User"])),
				"naming_series": "CRM-LEAD-.YYYY.-",
				"first_name": first,
				"last_name": last,
				"lead_name": full_name(first, last),
				"company_name": customer["customer_name"] if customer else ctx.company(),
				"job_title": ctx.rng.choice(JOB_TITLES),
				"email_id": customer["email_id"]
				if customer
				else f"{ascii_fold(first)}.{ascii_fold(last)}.l{n}@lead{n % 997}.example.com".lower(),
				"phone": ctx.phone(),
				"status": status,
				"lead_owner": ctx.rng.choice(users["Sales User"]),
				"source": campaign and "Email Campaign" or ctx.rng.choice(sources),
				"campaign": campaign and campaign["name"],
				"territory": customer and customer["territory"],
				"industry": customer and customer["industry"],
				"customer": customer and customer["name"],
				"converted_on": customer and ctx.when(created, 60),
				"opportunity": None,
			}
		)
		if customer:
			customer["lead"] = name
	return rows
