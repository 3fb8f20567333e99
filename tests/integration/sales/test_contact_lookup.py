"""The indexed phone lookup shared by duplicate detection and the call webhook: stored digits kept up to
date, every documented form matched, the backfill patch, and query plans that use the indexes."""

import random

import frappe
from frappe.query_builder.terms import NamedParameterWrapper

from crm_suite.crm.telephony import match_number
from crm_suite.patches.v0_1 import phone_digits as backfill
from crm_suite.sales import contact_lookup
from crm_suite.sales.contact_lookup import records_with_phones
from tests.integration.factories import make_contact as new_contact
from tests.integration.factories import make_customer, make_lead


def number() -> tuple[str, str]:
	"""(the national digits of a Berlin number, its E.164 form)."""
	digits = f"{random.randint(20000000, 99999999)}"
	return f"30{digits}", f"+4930{digits}"


def make_contact(phone: str, customer: str | None = None):
	return new_contact(customer, "Grace", phone=phone)


def test_digits_are_stored_and_follow_changes():
	national, e164 = number()
	customer = make_customer(phone=f"0{national[:2]} {national[2:]}", mobile_no="+49 (30) 555-0123")
	assert (customer.phone_digits, customer.mobile_digits) == (f"0{national}", "49305550123")
	customer.phone = ""
	customer.save()
	assert frappe.db.get_value("Customer", customer.name, "phone_digits") is None

	contact = make_contact(e164)
	assert contact.phone_nos[0].phone_digits == e164[1:]
	contact.phone_nos[0].phone = "0049 30 555-0199"
	contact.save()
	assert frappe.db.get_value("Contact Phone", contact.phone_nos[0].name, "phone_digits") == "0049305550199"


def test_every_documented_form_is_found():
	national, e164 = number()
	forms = {
		"+49 30 …": f"+49 {national[:2]} {national[2:]}",
		"49…": f"49{national}",
		"030…": f"0{national[:2]}-{national[2:]}",
		"0049…": f"0049 {national}",
	}
	customers = {label: make_customer(phone=typed).name for label, typed in forms.items()}
	mobile = make_customer(mobile_no=forms["030…"]).name
	contacts = {label: make_contact(typed).name for label, typed in forms.items()}
	lead = make_lead(email_id=None, phone=forms["030…"], country="Germany")
	other = make_customer(phone=f"0{number()[0]}").name

	found = records_with_phones([e164])
	assert {r.name for r in found["Customer"]} == {*customers.values(), mobile}
	assert other not in {r.name for r in found["Customer"]}
	assert {r.name for r in found["Contact"]} == set(contacts.values())
	assert [r.name for r in found["Lead"]] == [lead.name]
	# the oldest customer comes first: the caller's record for the webhook
	assert match_number(e164) == {"customer": customers["+49 30 …"]}


def test_trunk_and_exit_code_forms_are_found_on_customers_and_contacts():
	"""Numbers typed with the trunk prefix kept (+49 (0)30 …, Russian 8 …, Hungarian 06 …) or dialled
	from abroad (011 … from North America, 00 …) are found as their E.164 number."""
	berlin = f"{random.randint(20000000, 99999999)}"
	moscow = f"{random.randint(1000000, 9999999)}"
	budapest = f"{random.randint(1000000, 9999999)}"
	cases = {
		"+49 (0)30 …": (f"+49 (0)30 {berlin}", f"+4930{berlin}"),
		"0049 (0)30 …": (f"0049 (0)30 {berlin[:4]} {berlin[4:]}", f"+4930{berlin}"),
		"011 49 30 …": (f"011 49 30 {berlin}", f"+4930{berlin}"),
		"8 495 …": (f"8 (495) {moscow[:3]}-{moscow[3:5]}-{moscow[5:]}", f"+7495{moscow}"),
		"810 7 495 …": (f"810 7 495 {moscow}", f"+7495{moscow}"),
		"06 1 …": (f"06 1 {budapest[:3]} {budapest[3:]}", f"+361{budapest}"),
		"011 36 1 …": (f"011 36 1 {budapest}", f"+361{budapest}"),
	}
	for label, (typed, e164) in cases.items():
		customer = make_customer(phone=typed).name
		contact = make_contact(typed).name
		found = records_with_phones([e164])
		assert customer in {r.name for r in found["Customer"]}, (label, typed, e164)
		assert contact in {r.name for r in found["Contact"]}, (label, typed, e164)
	# a number that only shares the national digits of another country is not one of them
	assert not records_with_phones([f"+3330{berlin}"])["Customer"]


def test_the_webhook_match_skips_disabled_customers_and_falls_back_to_contacts_then_leads():
	national, e164 = number()
	make_customer(phone=f"0{national}", disabled=1)
	lead = make_lead(email_id=None, phone=e164)
	assert match_number(e164) == {"lead": lead.name, "customer": None}
	owner = make_customer()
	contact = make_contact(f"0{national}", owner.name)
	assert match_number(e164) == {"contact": contact.name, "customer": owner.name}
	assert match_number(None) == {} and match_number(number()[1]) == {}


def test_backfill_patch_fills_missing_digits_and_can_run_again():
	national, e164 = number()
	customer = make_customer(phone=f"0{national}", mobile_no=e164)
	contact = make_contact(e164)
	lead = make_lead(email_id=None, mobile_no=f"0{national}")
	frappe.db.sql(
		"update `tabCustomer` set phone_digits = null, mobile_digits = '1' where name = %s", customer.name
	)
	frappe.db.sql("update `tabLead` set mobile_digits = null where name = %s", lead.name)
	frappe.db.sql("update `tabContact Phone` set phone_digits = null where parent = %s", contact.name)
	assert not records_with_phones([e164])["Customer"]

	backfill.execute()
	assert frappe.db.get_value("Customer", customer.name, ["phone_digits", "mobile_digits"]) == (
		f"0{national}",
		e164[1:],
	)
	assert [r.name for r in records_with_phones([e164])["Contact"]] == [contact.name]
	assert frappe.db.get_value("Lead", lead.name, "mobile_digits") == f"0{national}"
	modified = frappe.db.get_value("Customer", customer.name, "modified")
	backfill.execute()
	assert frappe.db.get_value("Customer", customer.name, ["phone_digits", "modified"]) == (
		f"0{national}",
		modified,
	)


def plan(query) -> dict[str, dict]:
	"""EXPLAIN of a frappe.qb query, by table (or alias)."""
	params = NamedParameterWrapper()
	sql = query.get_sql(param_wrapper=params)
	return {
		row["table"]: row for row in frappe.db.sql(f"explain {sql}", params.get_parameters(), as_dict=True)
	}


def indexes_on(table: str, *columns: str) -> set[str]:
	"""Names of the indexes that start with one of these columns."""
	return set(
		frappe.db.sql_list(
			"""select index_name from information_schema.statistics where table_schema = database()
			and table_name = %s and seq_in_index = 1 and column_name in %s""",
			(table, columns),
		)
	)


def used_keys(row: dict) -> set[str]:
	return set((row["key"] or "").split(",")) - {""}


def test_the_lookups_use_their_indexes():
	# as many rows as a real site has, so that a full scan is not the cheaper plan (set-based, rolled back)
	for table, columns, values in (
		(
			"tabCustomer",
			"name, customer_name, phone, phone_digits, mobile_digits",
			"c, c, s, s, concat('49', s)",
		),
		("tabContact", "name, first_name, full_name", "c, c, c"),  # each phone's contact, as on a real site
		(
			"tabContact Phone",
			"name, parent, parenttype, parentfield, phone, phone_digits",
			"c, c, 'Contact', 'phone_nos', s, s",
		),
		("tabLead", "name, first_name, lead_name, phone_e164, phone_digits", "c, c, c, concat('+49', s), s"),
	):
		frappe.db.sql(
			f"""insert into `{table}` ({columns}, creation, modified)
			select {values}, now(), now() from (
				select concat('plan-test-', seq) as c, concat('030', 10000000 + seq) as s from seq_1_to_3000
			) g"""
		)
	_national, e164 = number()
	digits = contact_lookup.phone_digit_forms(e164)

	customers = plan(contact_lookup.customers_query(digits))["tabCustomer"]
	assert used_keys(customers) and used_keys(customers) <= indexes_on(
		"tabCustomer", "phone_digits", "mobile_digits"
	), customers

	phones = plan(contact_lookup.contacts_query(digits))["p"]
	assert used_keys(phones) and used_keys(phones) <= indexes_on("tabContact Phone", "phone_digits"), phones

	leads = plan(contact_lookup.leads_query([e164], digits))["tabLead"]
	assert used_keys(leads) and used_keys(leads) <= indexes_on(
		"tabLead", "phone_e164", "mobile_e164", "phone_digits", "mobile_digits"
	), leads
