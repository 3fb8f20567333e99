"""The callers an attacker would be, and records each of them may not read.

`make_world()` builds, inside the test's transaction: customers A and B, a website user (Support Customer)
whose Contact staff linked to A, a Sales User under the CRM Settings own-records option, and a Sales
Manager limited by a User Permission to customer A. `plant_hidden(world, user)` then adds, as
Administrator, a lead, opportunities, tickets, a sales order, interactions and activities of customer B
(owned by nobody of the world) and keeps only the ones `user` may not read (the others are deleted again),
so whatever the caller sees must be the same before and after. `committed_world()` commits the world once
for a module whose tests only read it, and deletes it at the module's end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import frappe
from frappe.utils import add_days, add_months, now_datetime, nowdate
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from tests.integration.factories import (
	delete_for_good,
	delete_users,
	make_customer,
	make_product,
	make_user,
	make_website_user,
	unique,
)

GUEST = "Guest"


def own_records_only(on: bool = True) -> None:
	settings = frappe.get_single("CRM Settings")
	settings.sales_users_see_own_records = 1 if on else 0
	settings.save()


def link_contact(user, customer: str):
	"""The Contact staff make for a customer's person (owner: the staff user running this)."""
	return frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Portal",
			"last_name": unique(),
			"user": user.name,
			"email_ids": [{"email_id": user.email, "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": customer}],
		}
	).insert(ignore_permissions=True)


def limit_to_customer(user: str, customer: str) -> None:
	frappe.get_doc(
		{
			"doctype": "User Permission",
			"user": user,
			"allow": "Customer",
			"for_value": customer,
			"apply_to_all_doctypes": 1,
		}
	).insert(ignore_permissions=True)


def make_world() -> frappe._dict:
	frappe.set_user("Administrator")
	own_records_only(True)
	a, b = make_customer(), make_customer()
	portal = make_website_user()
	link_contact(portal, a.name)
	seller = make_user("Sales User")
	manager = make_user("Sales User", "Sales Manager", "Support Agent")
	limit_to_customer(manager.name, a.name)
	campaign = frappe.get_doc(
		{"doctype": "Campaign", "campaign_name": unique("Campaign "), "channel": "Email"}
	).insert()
	return frappe._dict(
		a=a.name,
		b=b.name,
		portal=portal.name,
		portal_email=portal.email,
		seller=seller.name,
		manager=manager.name,
		campaign=campaign.name,
		product=make_product().name,
		callers={
			"guest": GUEST,
			"portal user of customer A": portal.name,
			"own-records Sales User": seller.name,
			"Sales Manager limited to customer A": manager.name,
		},
	)


@contextmanager
def committed_world(**extra) -> Iterator[frappe._dict]:
	"""make_world() committed, for a module whose tests only read it (each test's own writes are rolled
	back as usual); `extra`: name -> a function making one more record as Administrator, returning its
	(doctype, name). Afterwards every record of the world is deleted and the own-records option restored."""
	frappe.set_user("Administrator")
	own_records_before = frappe.db.get_single_value("CRM Settings", "sales_users_see_own_records")
	world = make_world()
	made = [make() for make in extra.values()]
	world.update({key: name for key, (_doctype, name) in zip(extra, made, strict=True)})
	frappe.db.commit()
	try:
		yield world
	finally:
		frappe.db.rollback()
		frappe.set_user("Administrator")
		for doctype, name in reversed(made):
			if frappe.db.exists(doctype, name):
				delete_for_good(doctype, name)
		drop_world(world, own_records_before)
		frappe.db.commit()


def drop_world(world, own_records_before) -> None:
	frappe.db.delete("User Permission", {"user": world.manager})
	delete_users([world.portal, world.seller, world.manager])
	# Frappe deletes, with the campaign, its workflow action but not that action's role rows
	actions = {"reference_doctype": "Campaign", "reference_name": world.campaign}
	for action in frappe.get_all("Workflow Action", filters=actions, pluck="name"):
		delete_for_good("Workflow Action", action)
	for doctype, name in (
		("Campaign", world.campaign),
		("Product", world.product),
		("Customer", world.a),
		("Customer", world.b),
	):
		if frappe.db.exists(doctype, name):
			delete_for_good(doctype, name)
	own_records_only(bool(own_records_before))


def _raw(doctype: str, **values) -> str:
	"""A row as the database would hold it (no controller, no workflow: any state a real site may have)."""
	doc = frappe.get_doc({"doctype": doctype, **values})
	doc.name = values.get("name") or unique(f"HIDDEN-{doctype[:3].upper()}-")
	doc.owner = doc.modified_by = "Administrator"
	doc.creation = doc.modified = now_datetime()
	for i, child in enumerate(doc.get_all_children(), 1):
		child.name = unique("row-")
		child.parent, child.parenttype, child.idx = doc.name, doctype, i
	doc.db_insert()
	for child in doc.get_all_children():
		child.db_insert()
	return doc.name


def plant_hidden(world, user: str) -> dict[str, list[str]]:
	"""Records of customer B that `user` may not read, by doctype (see the module's docstring)."""
	frappe.set_user("Administrator")
	now, today = now_datetime(), nowdate()
	stage = frappe.db.get_value("Sales Stage", {}, "name", order_by="stage_order asc")
	reason = frappe.db.get_value("Lost Reason", {}, "name")
	b2 = _raw(
		"Customer",
		customer_name=unique("Hidden Customer "),
		customer_group="Commercial",
		rfm_segment="Champions",
		monetary=99999,
		frequency=9,
		recency_days=1,
		first_order_date=add_months(today, -1),
		order_count=3,
		is_repeat_customer=1,
	)
	planted: dict[str, list[str]] = {"Customer": [b2]}
	add = planted.setdefault
	for customer in (world.b, b2):
		lead = _raw(
			"Lead",
			first_name="Hidden",
			last_name=unique(),
			email_id=f"{unique('hidden-')}@example.com",
			status="Qualified",
			source="Website",
			campaign=world.campaign,
			customer=customer,
			lead_owner="Administrator",
		)
		add("Lead", []).append(lead)
		for status, closed in (("Open", None), ("Won", today), ("Lost", today)):
			add("Opportunity", []).append(
				_raw(
					"Opportunity",
					title=unique("Hidden deal "),
					customer=customer,
					lead=lead,
					opportunity_owner="Administrator",
					status=status,
					sales_stage=stage,
					probability=50,
					expected_close_date=add_months(today, 1),
					closed_on=closed,
					lost_reason=reason if status == "Lost" else None,
					amount=7777,
					weighted_amount=3888.5,
					currency=frappe.db.get_default("currency") or "EUR",
					source="Website",
					campaign=world.campaign,
				)
			)
		for agreement, rating in (("Fulfilled", 5), ("Failed", 1)):
			add("Ticket", []).append(
				_raw(
					"Ticket",
					subject=unique("Hidden ticket "),
					customer=customer,
					raised_by=f"{unique('hidden-')}@example.com",
					status="Open",
					priority="High",
					opening_date=add_days(now, -2),
					agreement_status=agreement,
					response_by=now,
					resolution_by=now,
					first_responded_on=None,
					feedback_rating=rating,
					feedback_on=now,
					agent="Administrator",
				)
			)
		add("Sales Order", []).append(
			_raw(
				"Sales Order",
				customer=customer,
				transaction_date=today,
				docstatus=1,
				currency=frappe.db.get_default("currency") or "EUR",
				grand_total=555,
				total_qty=1,
				items=[{"product": world.product, "qty": 1, "rate": 555, "amount": 555}],
			)
		)
		add("Interaction", []).append(
			_raw(
				"Interaction",
				subject=unique("Hidden call "),
				channel="Call",
				direction="Inbound",
				interaction_time=now,
				reference_doctype="Lead",
				reference_name=lead,
				customer=customer,
				lead=lead,
				call_status="Missed",
			)
		)
		add("CRM Activity", []).append(
			_raw(
				"CRM Activity",
				subject=unique("Hidden activity "),
				activity_type="Call",
				status="Open",
				due_on=now,
				reference_doctype="Lead",
				reference_name=lead,
				customer=customer,
				assigned_to="Administrator",
			)
		)
	hidden: dict[str, list[str]] = {}
	for doctype, names in planted.items():
		for name in names:
			if user != GUEST and frappe.has_permission(doctype, "read", doc=name, user=user):
				frappe.db.delete(doctype, name)
			else:
				hidden.setdefault(doctype, []).append(name)
	return hidden


def markers(hidden: dict[str, list[str]]) -> set[str]:
	"""Strings that only the hidden records carry (their names and their unique texts)."""
	found = set()
	for doctype, names in hidden.items():
		found.update(names)
		for field in ("subject", "title", "email_id", "raised_by", "last_name", "customer_name"):
			if frappe.get_meta(doctype).has_field(field):
				found.update(
					v for v in frappe.get_all(doctype, filters={"name": ["in", names]}, pluck=field) if v
				)
	return found


def http_request(
	method: str = "POST",
	ip: str | None = None,
	path: str = "/",
	query: str = "",
	headers: dict | None = None,
	body: bytes | None = None,
) -> None:
	"""A real werkzeug request on frappe.local (the handler reads its HTTP method, the rate limits its
	client address, a webhook its headers and body), as a request to the site would carry."""
	frappe.local.request = Request(
		EnvironBuilder(
			method=method,
			path=path,
			query_string=query,
			headers={"Host": frappe.local.site, **(headers or {})},
			data=body,
			content_type="application/json" if body else None,
		).get_environ()
	)
	frappe.local.request_ip = ip or unique("test-ip-")  # no shared per-IP counter between calls
