"""Support tickets under the site's default Service Level Agreement, and the customers' ratings of the
resolved ones."""

import random
from datetime import timedelta

import frappe

from crm_suite.setup.demo.context import DemoContext, reserve_names


def build(ctx: DemoContext, count, users, customers, contacts, sla: str) -> list[dict]:
	names = reserve_names("TKT-.YYYY.-", count)
	contact_of = {c["_customer"]: c for c in contacts}
	rows = []
	for name in names:
		customer = ctx.rng.choice(customers)
		contact = contact_of[customer["name"]]
		created = ctx.when(customer["creation"])
		status = (
			ctx.rng.choice(("Open", "In Progress", "Waiting on Customer"))
			if ctx.age_days(created) < 10
			else ctx.rng.choices(("Resolved", "Closed", "Open", "In Progress"), weights=(30, 55, 8, 7))[0]
		)
		subject = ctx.rng.choice(ctx.locale.ticket_subjects)
		rows.append(
			{
				**ctx.base(name, created),
				"naming_series": "TKT-.YYYY.-",
				"subject": subject,
				"customer": customer["name"],
				"raised_by": contact["email_id"],
				"contact": contact["name"],
				"status": status,
				"priority": ctx.rng.choices(("Low", "Medium", "High", "Urgent"), weights=(25, 45, 22, 8))[0],
				"ticket_type": ctx.rng.choice(("Question", "Incident", "Problem", "Feature Request")),
				"agent": ctx.rng.choice(users["Support Agent"]),
				"opening_date": created,
				"resolution_date": ctx.when(created, 10) if status in ("Resolved", "Closed") else None,
				"description": ctx.locale.ticket_body.format(subject=subject),
				"service_level_agreement": sla if status != "Closed" else None,
			}
		)
	return rows


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


def ensure_demo_sla() -> str:
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
