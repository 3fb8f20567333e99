"""Record-level visibility of leads and opportunities: the CRM Settings own-records rule and Frappe User
Permissions, through lists, single records, REST and conversion (who may and who may not)."""

import frappe
import pytest
from frappe.desk.form.assign_to import add as assign

from crm_suite.sales.conversion import convert_lead
from tests.integration.conftest import Api
from tests.integration.factories import make_lead, make_opportunity, make_user, unique


def own_records_only(on: bool) -> None:
	settings = frappe.get_single("CRM Settings")
	settings.sales_users_see_own_records = 1 if on else 0
	settings.save()


def visible(doctype: str, names: list[str]) -> set[str]:
	return set(frappe.get_list(doctype, filters={"name": ["in", names]}, pluck="name"))


def unassign(leads: list[str]) -> None:
	"""The round robin assigns new leads to Sales Users (maybe the test's), and an assignment shares the
	lead with the assignee: start from no assignments and no shares."""
	frappe.db.delete("ToDo", {"reference_type": "Lead", "reference_name": ["in", leads]})
	frappe.db.delete("DocShare", {"share_doctype": "Lead", "share_name": ["in", leads]})
	frappe.db.sql("update `tabLead` set _assign = null where name in %s", [leads])


@pytest.fixture
def team():
	"""Two Sales Users and a Sales Manager; one lead each seller created, one owned by the first seller
	but created by the manager, one assigned to the first seller, one of nobody."""
	alice, bob, boss = (
		make_user("Sales User"),
		make_user("Sales User"),
		make_user("Sales User", "Sales Manager"),
	)
	frappe.set_user(alice.name)
	created = make_lead()
	frappe.set_user(bob.name)
	bobs = make_lead()
	frappe.set_user(boss.name)
	owned = make_lead(lead_owner=alice.name)
	assigned = make_lead()
	nobodys = make_lead()
	frappe.set_user("Administrator")
	unassign([created.name, bobs.name, owned.name, assigned.name, nobodys.name])
	assign({"doctype": "Lead", "name": assigned.name, "assign_to": [alice.name]})
	leads = frappe._dict(
		created=created.name, bobs=bobs.name, owned=owned.name, assigned=assigned.name, nobodys=nobodys.name
	)
	return frappe._dict(alice=alice.name, bob=bob.name, boss=boss.name, leads=leads)


def test_off_by_default_every_sales_user_sees_every_lead(team):
	assert not frappe.db.get_single_value("CRM Settings", "sales_users_see_own_records")
	frappe.set_user(team.alice)
	assert visible("Lead", list(team.leads.values())) == set(team.leads.values())
	assert frappe.has_permission("Lead", "write", team.leads.bobs)


def test_with_the_option_a_sales_user_sees_only_created_owned_or_assigned_leads(team):
	own_records_only(True)
	names = list(team.leads.values())
	frappe.set_user(team.alice)
	assert visible("Lead", names) == {team.leads.created, team.leads.owned, team.leads.assigned}
	assert frappe.db.count("Lead", {"name": ["in", names]}) == 5  # counts are not permission-checked
	assert frappe.get_list("Lead", filters={"name": ["in", names]}, fields=["count(*) as n"])[0].n == 3
	assert not frappe.has_permission("Lead", "read", team.leads.bobs)
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc("Lead", team.leads.nobodys).check_permission("read")
	assert frappe.has_permission("Lead", "write", team.leads.assigned)
	# a new lead is always theirs to create
	assert make_lead().owner == team.alice

	frappe.set_user(team.bob)
	assert visible("Lead", names) == {team.leads.bobs}
	frappe.set_user(team.boss)  # managers see everything
	assert visible("Lead", names) == set(names)


def test_with_the_option_a_sales_user_converts_only_their_leads(team):
	own_records_only(True)
	frappe.set_user(team.alice)
	with pytest.raises(frappe.PermissionError, match="not permitted to convert"):
		convert_lead(team.leads.bobs)
	assert frappe.db.get_value("Lead", team.leads.bobs, ["status", "customer"]) == ("New", None)
	result = convert_lead(team.leads.owned, create_opportunity=1)
	assert result["status"] == "Converted"
	# the opportunity made for her lead is hers (she created it); Bob's opportunity is not
	frappe.set_user(team.bob)
	bobs = make_opportunity(lead=team.leads.bobs).name
	frappe.set_user(team.alice)
	assert visible("Opportunity", [result["opportunity"], bobs]) == {result["opportunity"]}
	assert not frappe.has_permission("Opportunity", "read", bobs)
	frappe.set_user(team.boss)
	assert visible("Opportunity", [result["opportunity"], bobs]) == {result["opportunity"], bobs}


def test_opportunity_owner_field_counts_as_theirs(team):
	own_records_only(True)
	frappe.set_user(team.boss)
	opp = make_opportunity(opportunity_owner=team.alice).name
	frappe.set_user(team.alice)
	assert visible("Opportunity", [opp]) == {opp}
	frappe.set_user(team.bob)
	assert visible("Opportunity", [opp]) == set()


def restrict_to_territory(user: str, territory: str) -> None:
	frappe.get_doc(
		{"doctype": "User Permission", "user": user, "allow": "Territory", "for_value": territory}
	).insert(ignore_permissions=True)


def territory() -> str:
	return frappe.get_doc({"doctype": "Territory", "territory_name": unique("Region ")}).insert().name


def test_user_permissions_on_territory_limit_list_get_and_convert():
	north, south = territory(), territory()
	seller = make_user("Sales User")
	restrict_to_territory(seller.name, north)
	mine, theirs = make_lead(territory=north), make_lead(territory=south)
	unassign([mine.name, theirs.name])

	frappe.set_user(seller.name)
	assert visible("Lead", [mine.name, theirs.name]) == {mine.name}
	assert not frappe.has_permission("Lead", "read", theirs.name)
	with pytest.raises(frappe.PermissionError, match="not permitted to convert"):
		convert_lead(theirs.name)
	assert frappe.db.get_value("Lead", theirs.name, "status") == "New"
	assert convert_lead(mine.name)["status"] == "Converted"


def api_for(server, committed, user) -> Api:
	secret = frappe.generate_hash(length=15)
	user.api_key, user.api_secret = frappe.generate_hash(length=15), secret
	user.save(ignore_permissions=True)
	committed(user)
	return Api(server, f"{user.api_key}:{secret}")


def test_rest_honours_the_own_records_rule_and_user_permissions(server, committed):
	settings = frappe.get_single("CRM Settings")
	committed_before = settings.sales_users_see_own_records
	north, south = territory(), territory()
	for name in (north, south):
		committed(frappe.get_doc("Territory", name))
	alice, bob = make_user("Sales User"), make_user("Sales User")
	restrict_to_territory(bob.name, north)
	alices_api, bobs_api = api_for(server, committed, alice), api_for(server, committed, bob)
	frappe.set_user(alice.name)
	alices = committed(make_lead(territory=north))
	frappe.set_user("Administrator")
	others_north = committed(make_lead(territory=north))
	others_south = committed(make_lead(territory=south))
	names = [alices.name, others_north.name, others_south.name]
	unassign(names)  # the round robin may have given one to Alice
	own_records_only(True)
	frappe.db.commit()
	try:
		listed = alices_api.get(
			"/api/resource/Lead", params={"filters": frappe.as_json([["name", "in", names]])}
		)
		assert listed.status_code == 200, listed.text
		assert {r["name"] for r in listed.json()["data"]} == {alices.name}
		assert alices_api.get(f"/api/resource/Lead/{alices.name}").status_code == 200
		assert alices_api.get(f"/api/resource/Lead/{others_north.name}").status_code == 403
		refused = alices_api.post(
			"/api/method/crm_suite.sales.conversion.convert_lead", json={"lead": others_north.name}
		)
		assert refused.status_code == 403 and "not permitted to convert" in refused.text

		# Bob: a Sales User restricted to the north by a User Permission (the own-records rule would hide
		# everything from him, so switch it off: User Permissions apply on their own)
		own_records_only(False)
		frappe.db.commit()
		listed = bobs_api.get(
			"/api/resource/Lead", params={"filters": frappe.as_json([["name", "in", names]])}
		)
		assert {r["name"] for r in listed.json()["data"]} == {alices.name, others_north.name}
		assert bobs_api.get(f"/api/resource/Lead/{others_south.name}").status_code == 403
		refused = bobs_api.post(
			"/api/method/crm_suite.sales.conversion.convert_lead", json={"lead": others_south.name}
		)
		assert refused.status_code == 403
		frappe.db.rollback()
		assert frappe.db.get_value("Lead", others_south.name, "status") == "New"
	finally:
		frappe.db.rollback()
		frappe.set_user("Administrator")
		settings = frappe.get_single("CRM Settings")
		settings.sales_users_see_own_records = committed_before
		settings.save()
		frappe.db.delete("User Permission", {"user": bob.name})
		frappe.db.commit()


def test_with_the_option_the_sales_reports_count_only_a_sales_users_own_leads(team):
	"""The Sales reports read the tables with SQL; the shared report filter adds the own-records rule,
	so a restricted Sales User's funnel counts exactly the leads their list shows them."""
	from crm_suite.sales.report.sales_funnel.sales_funnel import funnel

	def leads_in_funnel() -> int:
		return funnel({})[0]["count"]

	own_records_only(True)
	frappe.set_user(team.alice)
	alices = leads_in_funnel()
	assert alices == len(frappe.get_list("Lead", pluck="name", limit_page_length=0))
	frappe.set_user(team.boss)
	everyone = leads_in_funnel()
	assert everyone == frappe.db.count("Lead")
	assert everyone - alices >= 2  # bob's lead and nobody's lead at least
	own_records_only(False)
	frappe.set_user(team.alice)
	assert leads_in_funnel() == everyone  # off: the report is unrestricted again
