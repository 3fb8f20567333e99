"""Segment membership: filter conditions on Customer or Lead, static lists, preview count, bad conditions."""

import json

import frappe
import pytest

from crm_suite.marketing.segments import SegmentConditionError, get_member_rows, preview_count
from tests.integration.factories import make_customer, make_lead, make_user, unique
from tests.integration.marketing.helpers import make_segment


def names(segment):
	return {r.name for r in get_member_rows(segment)}


def test_filter_segment_selects_matching_customers_only():
	tag = unique("Acme ")
	gov = [make_customer(customer_name=f"{tag} {i}", customer_group="Government") for i in range(3)]
	other = make_customer(customer_name=f"{tag} x", customer_group="Commercial")
	seg = make_segment(
		conditions=[("customer_group", "=", "Government"), ("customer_name", "like", f"{tag}%")]
	)
	assert names(seg) == {c.name for c in gov}
	assert other.name not in names(seg)
	assert seg.member_count == 3
	assert json.loads(seg.filters_json) == [
		["Customer", "customer_group", "=", "Government"],
		["Customer", "customer_name", "like", f"{tag}%"],
	]


def test_match_any_is_a_union_and_in_takes_a_list():
	tag = unique("Any ")
	a = make_customer(customer_name=f"{tag} a", customer_group="Government")
	b = make_customer(customer_name=f"{tag} b", customer_group="Non Profit")
	make_customer(customer_name=f"{tag} c", customer_group="Commercial")
	seg_in = make_segment(
		conditions=[("customer_group", "in", "Government, Non Profit"), ("customer_name", "like", f"{tag}%")]
	)
	assert names(seg_in) == {a.name, b.name}
	seg_any = make_segment(
		match="Any", conditions=[("customer_name", "=", f"{tag} a"), ("customer_name", "=", f"{tag} b")]
	)
	assert names(seg_any) == {a.name, b.name}


def test_lead_segment_and_is_set():
	tag = unique("Lead ")
	with_phone = make_lead(company_name=tag, phone="+49 30 1234567")
	make_lead(company_name=tag)
	seg = make_segment(based_on="Lead", conditions=[("company_name", "=", tag), ("phone", "is", "set")])
	assert names(seg) == {with_phone.name}


def test_static_list_segment():
	a, b, _c = make_customer(), make_customer(), make_customer()
	seg = make_segment(members=[a.name, b.name])
	assert names(seg) == {a.name, b.name}
	assert {m.member_title for m in seg.members} == {a.customer_name, b.customer_name}
	assert seg.member_count == 2


def test_rfm_segment_is_an_ordinary_condition():
	"""The analytics area's RFM segment on Customer works like any other field: rfm_segment = Champions."""
	tag = unique("RFM ")
	champions = [make_customer(customer_name=f"{tag}{i}") for i in range(2)]
	at_risk = make_customer(customer_name=f"{tag}x")
	for c in champions:
		frappe.db.set_value("Customer", c.name, "rfm_segment", "Champions")
	frappe.db.set_value("Customer", at_risk.name, "rfm_segment", "At Risk")
	seg = make_segment(conditions=[("rfm_segment", "=", "Champions"), ("customer_name", "like", f"{tag}%")])
	assert names(seg) == {c.name for c in champions}
	seg_risky = make_segment(
		conditions=[("rfm_segment", "in", "At Risk, Can't Lose Them"), ("customer_name", "like", f"{tag}%")]
	)
	assert names(seg_risky) == {at_risk.name}


def test_condition_on_a_missing_field_is_refused_and_nothing_saved():
	name = unique("Bad ")
	with pytest.raises(SegmentConditionError, match="no_such_field"):
		frappe.get_doc(
			{
				"doctype": "Segment",
				"segment_name": name,
				"based_on": "Customer",
				"conditions": [{"fieldname": "no_such_field", "operator": "=", "value": "x"}],
			}
		).insert()
	assert not frappe.db.exists("Segment", name)


@pytest.mark.parametrize(
	"condition, message",
	[(("customer_group", "in", " , "), "comma-separated"), (("phone", "is", "maybe"), "set")],
)
def test_malformed_conditions_are_refused(condition, message):
	with pytest.raises(SegmentConditionError, match=message):
		make_segment(conditions=[condition])


def test_preview_count_matches_membership_and_needs_permission():
	tag = unique("Prev ")
	for i in range(4):
		make_customer(customer_name=f"{tag}{i}")
	conditions = [{"fieldname": "customer_name", "operator": "like", "value": f"{tag}%"}]
	assert preview_count("Customer", conditions=json.dumps(conditions))["count"] == 4

	frappe.set_user(make_user("Marketing Manager").name)
	assert preview_count("Customer", conditions=conditions)["count"] == 4
	frappe.set_user(make_user("Support Agent").name)
	with pytest.raises(frappe.PermissionError):
		preview_count("Customer", conditions=conditions)


def test_segment_permissions():
	frappe.set_user(make_user("Sales User").name)
	with pytest.raises(frappe.PermissionError):
		make_segment(conditions=[("customer_group", "=", "Commercial")])
	frappe.set_user(make_user("Marketing Manager").name)
	assert make_segment(conditions=[("customer_group", "=", "Commercial")]).name


@pytest.mark.parametrize("conditions", ["not json", '{"a": 1}', "[1, 2]"])
def test_preview_refuses_malformed_requests(conditions):
	with pytest.raises(frappe.ValidationError, match="list"):
		preview_count("Customer", conditions=conditions)
	with pytest.raises(frappe.ValidationError, match="Segments can hold"):
		preview_count("User", conditions="[]")
