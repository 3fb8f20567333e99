"""Who may and who may not, for each role the suite ships."""

import frappe
import pytest

from tests.integration.factories import make_customer, make_lead, make_opportunity, make_ticket, make_user

CAN = {
	# role: {doctype: permissions the role has}
	"Sales User": {"Lead": "rwc", "Opportunity": "rwc", "Customer": "rwc", "Campaign": "r", "Ticket": "r"},
	"Sales Manager": {
		"Lead": "rwcd",
		"Opportunity": "rwcd",
		"Customer": "rwcd",
		"Campaign": "r",
		"Ticket": "r",
	},
	"Marketing Manager": {"Campaign": "rwcd", "Lead": "rwc", "Customer": "r", "Opportunity": "r"},
	"Support Agent": {"Ticket": "rwc", "Customer": "r", "Opportunity": "r"},
	"Support Manager": {"Ticket": "rwcd", "Customer": "r", "Opportunity": "r"},
	"CRM Manager": {dt: "rwcd" for dt in ("Lead", "Opportunity", "Customer", "Ticket", "Campaign")},
}
PTYPES = {"r": "read", "w": "write", "c": "create", "d": "delete"}
CORE = ("Lead", "Opportunity", "Customer", "Ticket", "Campaign")


@pytest.mark.parametrize("role", CAN)
def test_role_permissions_on_the_core_doctypes(role):
	user = make_user(role)
	for doctype in CORE:
		granted = CAN[role].get(doctype, "")
		for letter, ptype in PTYPES.items():
			expected = letter in granted
			assert frappe.has_permission(doctype, ptype, user=user.name) == expected, (role, doctype, ptype)


def test_support_agent_cannot_edit_an_opportunity():
	opp = make_opportunity()
	frappe.set_user(make_user("Support Agent").name)
	doc = frappe.get_doc("Opportunity", opp.name)  # reading is allowed
	doc.title = "changed by support"
	with pytest.raises(frappe.PermissionError):
		doc.save()


def test_sales_user_cannot_delete_a_customer_but_a_sales_manager_can():
	customer = make_customer()
	frappe.set_user(make_user("Sales User").name)
	with pytest.raises(frappe.PermissionError):
		frappe.delete_doc("Customer", customer.name)
	assert frappe.db.exists("Customer", customer.name)
	frappe.set_user("Administrator")
	frappe.set_user(make_user("Sales Manager").name)
	frappe.delete_doc("Customer", customer.name)
	assert not frappe.db.exists("Customer", customer.name)


def test_support_agent_cannot_read_leads():
	lead = make_lead()
	frappe.set_user(make_user("Support Agent").name)
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc("Lead", lead.name).check_permission("read")


def test_sales_user_cannot_write_a_ticket():
	ticket = make_ticket()
	frappe.set_user(make_user("Sales User").name)
	doc = frappe.get_doc("Ticket", ticket.name)
	doc.status = "Closed"
	with pytest.raises(frappe.PermissionError):
		doc.save()


def test_a_user_without_crm_roles_sees_nothing():
	user = make_user()
	for doctype in CORE:
		assert not frappe.has_permission(doctype, "read", user=user.name), doctype
