"""Day one in the browser (tests/e2e/workspace.test.mjs): with the small demo and its nightly jobs committed
on the test site, a CRM Manager (not Administrator) opens the CRM workspace, checks its number cards and
charts, clicks every shortcut, opens every link of its cards and every other list of the app; any
JavaScript error, failed request, empty card, chart or report fails it. What it opens is enumerated here
from the Workspace (synced from crm_suite/fixtures/workspace.json) and the app's DocTypes, and handed to
the browser, which also checks that the desk shows each of them to the CRM Manager. The app's tables (and the
Frappe tables the demo writes: contacts, addresses, their links, naming series, the app's settings) are
copied first and put back afterwards, and demo users the test made are deleted, so the site is left as
found."""

import json

import frappe
from frappe.utils.password import update_password

from crm_suite.analytics import basket, rfm
from crm_suite.sales import scoring
from crm_suite.setup.demo import DEMO_USERS, make_demo
from tests.integration.factories import delete_for_good, make_user
from tests.integration.platform.helpers import E2E, e2e_node, run_journeys
from tests.integration.platform.test_schemathesis import app_tables, restore, snapshot

JOURNEY_ROLE = "CRM Manager"
FRAPPE_TABLES = ["tabContact", "tabContact Email", "tabContact Phone", "tabAddress", "tabDynamic Link"]


def test_workspace_journey_on_the_demo(server, committed):
	node = e2e_node()

	password = frappe.generate_hash(length=20)
	user = committed(make_user(JOURNEY_ROLE))
	manifest = workspace_manifest("CRM", user.name)
	update_password(user.name, password)
	frappe.db.commit()
	demo_users = [u for users in DEMO_USERS.values() for u in users]
	existing_users = set(frappe.get_all("User", filters={"name": ["in", demo_users]}, pluck="name"))
	tables = [*app_tables(), *FRAPPE_TABLES]
	snapshot(tables)
	# `crm-suite demo` finishes the setup wizard (else a desk user lands on it); the test site may not have.
	setup_complete = frappe.db.get_single_value("System Settings", "setup_complete")
	try:
		frappe.db.set_single_value("System Settings", "setup_complete", 1)
		make_demo(seed=21, scale="small")
		rfm.compute_rfm()
		basket.compute_rules()
		scoring.score_open_leads()
		frappe.db.commit()
		env = {
			"CRM_E2E_USER": user.name,
			"CRM_E2E_PASSWORD": password,
			"CRM_E2E_WORKSPACE": json.dumps(manifest),
		}
		result = run_journeys(node, "workspace.test.mjs", server.url, env, timeout=900)
	finally:
		frappe.db.rollback()
		frappe.db.set_single_value("System Settings", "setup_complete", setup_complete)
		frappe.db.commit()
		restore(tables)
		for name in set(demo_users) - existing_users:
			if frappe.db.exists("User", name):
				delete_for_good("User", name)
		for email in [user.name, *(set(demo_users) - existing_users)]:  # the Contact Frappe made for a user
			frappe.db.delete("Contact Email", {"email_id": email})
			frappe.db.delete("Contact", {"email_id": email})
		frappe.db.commit()
	assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-3000:]
	assert (E2E / "screenshots" / "21-workspace-last-link.png").exists()


def _slug(doctype: str) -> str:
	return doctype.lower().replace(" ", "-")


def _may_open(link_type: str, name: str, user: str) -> bool:
	roles = set(frappe.get_roles(user))
	if link_type == "DocType":
		return bool(frappe.has_permission(name, "read", user=user))
	if link_type == "Report":
		return bool(roles & {r.role for r in frappe.get_doc("Report", name).roles})
	if link_type == "Page":
		page_roles = {r.role for r in frappe.get_doc("Page", name).roles}
		return not page_roles or bool(roles & page_roles)
	return False


def workspace_manifest(workspace: str, user: str) -> dict:
	"""Everything the journey opens: the workspace's number cards, charts, shortcuts and card links (from
	its definition, not from what the desk happens to render), and every other list of the app (DocTypes
	of the app's modules that are not child tables; not the "User Cannot Search" (read_only) ones such as
	Customer Order Summary, which Frappe gives no list view to a user who may only read them). Each must be one the journey's role may open: a link
	to a child table or to another role's doctype fails here, naming it."""
	ws = frappe.get_doc("Workspace", workspace)
	links = [
		{"label": link.label or link.link_to, "link_type": link.link_type, "link_to": link.link_to}
		for link in ws.links
		if link.type == "Link"
	]
	shortcuts = [
		{
			"label": s.label or s.link_to,
			"type": s.type,
			"link_to": s.link_to,
			"doc_view": s.doc_view or "List",
		}
		for s in ws.shortcuts
	]
	closed = [
		f"{item['link_type']} {item['link_to']}"
		for item in [*links, *({"link_type": s["type"], "link_to": s["link_to"]} for s in shortcuts)]
		if not _may_open(item["link_type"], item["link_to"], user)
	]
	assert not closed, f"the workspace offers what a {JOURNEY_ROLE} may not open: {closed}"
	on_workspace = {item["link_to"] for item in links} | {s["link_to"] for s in shortcuts}
	modules = frappe.get_all("Module Def", filters={"app_name": "crm_suite"}, pluck="name")
	other_lists = [
		{"label": name, "route": f"/app/{_slug(name)}"}
		for name in frappe.get_all(
			"DocType",
			filters={"module": ["in", modules], "istable": 0, "read_only": 0},
			pluck="name",
			order_by="name",
		)
		if name not in on_workspace
	]
	closed = [item["label"] for item in other_lists if not _may_open("DocType", item["label"], user)]
	assert not closed, f"lists of the app a {JOURNEY_ROLE} may not open: {closed}"
	assert len(ws.number_cards) >= 4 and len(ws.charts) >= 4 and len(shortcuts) >= 10 and len(links) >= 40
	return {
		"number_cards": [c.label or c.number_card_name for c in ws.number_cards],
		"charts": [c.label or c.chart_name for c in ws.charts],
		"shortcuts": shortcuts,
		"links": links,
		"other_lists": other_lists,
	}
