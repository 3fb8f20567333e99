"""Customers, each with its primary Contact and billing Address (linked through Frappe's Dynamic Links
when written: see store.py)."""

from crm_suite.setup.demo.context import DemoContext, reserve_names
from crm_suite.setup.demo.locales import ascii_fold
from crm_suite.utils.contact_details import full_name

INDUSTRIES = ("Manufacturing", "Retail", "Software", "Financial Services", "Healthcare", "Logistics")


def build(ctx: DemoContext, count: int, users) -> tuple[list[dict], list[dict], list[dict]]:
	names = reserve_names("CUST-.YYYY.-", count)
	customers, contacts, addresses = [], [], []
	for n, name in enumerate(names, start=1):
		created = ctx.when()
		first, last = ctx.person()
		ctx.person_of[name] = (first, last)
		individual = ctx.rng.random() < 0.2
		customer_name = full_name(first, last) if individual else f"{ctx.company()} {n}"
		email = f"{ascii_fold(first)}.{ascii_fold(last)}.{n}@{'mail.example.com' if individual else 'corp' + str(n) + '.example.com'}".lower()
		phone = ctx.phone()
		city, country = ctx.rng.choice(ctx.locale.cities)
		ctx.currency_of[name] = ctx.locale.currency(ctx.rng)
		customers.append(
			{
				**ctx.base(name, created),
				"naming_series": "CUST-.YYYY.-",
				"customer_name": customer_name,
				"customer_type": "Individual" if individual else "Company",
				"customer_group": "Individual"
				if individual
				else ctx.rng.choice(("Commercial", "Commercial", "Government", "Non Profit")),
				"territory": ctx.rng.choice(ctx.locale.territories),
				"industry": ctx.rng.choice(INDUSTRIES),
				"account_manager": ctx.rng.choice(users["Sales User"]),
				"email_id": email,
				"phone": phone,
				"disabled": 0,
				"lead": None,
			}
		)
		contacts.append(
			{
				**ctx.base(f"{full_name(first, last)}-{name}", created),
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
				**ctx.base(f"{customer_name}-{name}-Billing", created),
				"address_title": customer_name,
				"address_type": "Billing",
				"address_line1": ctx.locale.street(ctx.rng),
				"city": city,
				"country": country,
				"is_primary_address": 1,
				"_customer": name,
			}
		)
	return customers, contacts, addresses
