"""Lead conversion: customer, contact, address and opportunity through the mapper; reuse of existing
customers; idempotence; refusal of unqualified leads and of users the workflow does not allow."""

import frappe
import pytest
from frappe.model.workflow import WorkflowPermissionError

from crm_suite.sales.conversion import convert_lead
from tests.integration.factories import make_contact, make_customer, make_lead, make_user, unique


def lead_with_address(**kw):
	return make_lead(
		company_name=unique("Acme "),
		phone="+49 30 1234567",
		address_line1="Main Street 1",
		city="Berlin",
		country="Germany",
		**kw,
	)


def test_convert_creates_customer_contact_address_and_opportunity():
	lead = lead_with_address(source="Website")
	result = convert_lead(lead.name, create_opportunity=1)

	lead.reload()
	assert lead.status == "Converted" and lead.converted_on
	assert (lead.customer, lead.opportunity) == (result["customer"], result["opportunity"])

	customer = frappe.get_doc("Customer", lead.customer)
	assert customer.customer_name == lead.company_name and customer.customer_type == "Company"
	assert customer.email_id == lead.email_id and customer.lead == lead.name

	contact = frappe.get_doc("Contact", result["contact"])
	assert contact.email_id == lead.email_id and contact.first_name == "Ada"
	assert {(link.link_doctype, link.link_name) for link in contact.links} >= {("Customer", customer.name)}

	address = frappe.get_doc("Address", result["address"])
	assert (address.address_line1, address.city, address.country) == ("Main Street 1", "Berlin", "Germany")
	assert [(link.link_doctype, link.link_name) for link in address.links] == [("Customer", customer.name)]

	opportunity = frappe.get_doc("Opportunity", lead.opportunity)
	assert (opportunity.customer, opportunity.lead, opportunity.source) == (
		customer.name,
		lead.name,
		"Website",
	)
	assert opportunity.status == "Open"


def test_converting_twice_creates_nothing_new():
	lead = lead_with_address()
	first = convert_lead(lead.name, create_opportunity=1)
	counts = {dt: frappe.db.count(dt) for dt in ("Customer", "Contact", "Address", "Opportunity")}
	second = convert_lead(lead.name, create_opportunity=1)
	assert {dt: frappe.db.count(dt) for dt in counts} == counts
	assert (second["customer"], second["opportunity"], second["contact"]) == (
		first["customer"],
		first["opportunity"],
		first["contact"],
	)


def test_existing_customer_with_the_email_is_reused():
	customer = make_customer(email_id=f"{unique()}@Example.com")
	lead = make_lead(email_id=customer.email_id)
	before = frappe.db.count("Customer")
	result = convert_lead(lead.name)
	assert result["customer"] == customer.name
	assert frappe.db.count("Customer") == before
	assert frappe.db.get_value("Lead", lead.name, ["status", "customer"]) == ("Converted", customer.name)


def test_existing_contact_links_the_lead_to_its_customer():
	customer = make_customer()
	email = f"{unique()}@example.com"
	contact = make_contact(customer.name, "Known", email=email)
	lead = make_lead(email_id=email)
	result = convert_lead(lead.name)
	assert (result["customer"], result["contact"]) == (customer.name, contact.name)


def test_unqualified_lead_is_refused_and_nothing_is_saved():
	lead = make_lead()
	lead.status = "Unqualified"
	lead.save()
	before = {dt: frappe.db.count(dt) for dt in ("Customer", "Contact", "Opportunity")}
	with pytest.raises(frappe.ValidationError, match="Unqualified"):
		convert_lead(lead.name, create_opportunity=1)
	assert {dt: frappe.db.count(dt) for dt in before} == before
	assert frappe.db.get_value("Lead", lead.name, ["status", "customer"]) == ("Unqualified", None)


def test_setting_converted_by_hand_is_refused():
	lead = make_lead()
	lead.status = "Converted"
	with pytest.raises(frappe.ValidationError):
		lead.save()
	assert frappe.db.get_value("Lead", lead.name, "status") == "New"


def test_the_workflow_forbids_skipping_a_state():
	lead = make_lead()
	lead.status = "Qualified"  # New -> Qualified skips Contacted
	with pytest.raises(WorkflowPermissionError):
		lead.save()
	assert frappe.db.get_value("Lead", lead.name, "status") == "New"


def test_workflow_path_new_contacted_qualified_converted():
	user = make_user("Sales User")
	lead = make_lead()
	frappe.set_user(user.name)
	lead = frappe.get_doc("Lead", lead.name)
	from frappe.model.workflow import apply_workflow, get_transitions

	assert {t["action"] for t in get_transitions(lead)} == {
		"Contact",
		"Disqualify",
	}  # no Convert: no customer
	lead = apply_workflow(lead.as_dict(), "Contact")
	lead = apply_workflow(lead.as_dict(), "Qualify")
	assert lead.status == "Qualified"
	result = convert_lead(lead.name)
	assert frappe.db.get_value("Lead", lead.name, "status") == "Converted" and result["customer"]


def test_sales_user_may_convert_support_agent_and_marketing_manager_may_not():
	lead = make_lead()
	frappe.set_user(make_user("Support Agent").name)
	with pytest.raises(frappe.PermissionError):
		convert_lead(lead.name)
	frappe.set_user(make_user("Marketing Manager").name)  # may edit leads, but no Convert transition
	with pytest.raises(frappe.PermissionError):
		convert_lead(lead.name)
	frappe.set_user("Administrator")
	assert frappe.db.get_value("Lead", lead.name, ["status", "customer"]) == ("New", None)
	frappe.set_user(make_user("Sales User").name)
	assert convert_lead(lead.name)["customer"]


def test_unknown_lead_is_a_clear_error():
	with pytest.raises(frappe.DoesNotExistError):
		convert_lead("CRM-LEAD-NOPE-0001")
