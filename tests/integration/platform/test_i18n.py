"""Italian and Bosnian (docs/i18n.md): every message of a freshly extracted template is translated, the
compiled catalogue reaches `_()`, and what the app sends or serves is in its reader's language."""

import frappe
import pytest
import requests
from babel.messages.pofile import read_po
from frappe import _
from frappe.gettext.translate import get_po_path
from frappe.utils import is_html
from frappe.utils.password import update_password

from crm_suite.sales.follow_up import remind
from crm_suite.service.feedback import request_feedback
from crm_suite.service.jobs import escalate
from crm_suite.utils.i18n import (
	compile_catalogues,
	email_language,
	fresh_template,
	in_language,
	missed_in_javascript,
	report,
	untranslated,
	user_language,
)
from tests.integration.factories import (
	delete_for_good,
	ensure_outgoing_account,
	make_lead,
	make_ticket,
	make_user,
	unique,
)
from tests.integration.service.conftest import clear_email_account_cache
from tests.integration.service.helpers import make_portal_customer, queued_mail

SENDER = "i18n-tests@example.com"


# ------------------------------------------------------------------------------------------- catalogue
def test_every_message_of_a_fresh_template_has_an_italian_and_a_bosnian_translation():
	"""Fails listing each message (of the code as it is now, not of the committed main.pot) that it.po or
	bs.po does not translate, and each _() call gettext cannot extract."""
	text, ok = report()
	assert ok, "\n" + text + "\n\nRefresh and fill them as docs/i18n.md says."


def test_the_check_lists_a_message_nobody_translated():
	template = fresh_template()
	template.add("A message nobody translated yet")
	assert untranslated("it", template) == [("A message nobody translated yet", None)]
	assert untranslated("bs", template) == [("A message nobody translated yet", None)]


def test_the_check_finds_script_messages_the_extractor_did_not_take():
	template = fresh_template()
	assert not missed_in_javascript(template)
	template.delete("Next activity")  # as if Frappe's JavaScript extractor had skipped it again
	assert missed_in_javascript(template) == ["crm_suite/public/js/next_activity_list.js: Next activity"]


def test_the_template_holds_the_shipped_master_data_fixtures_workspace_and_reports():
	ids = {m.id for m in fresh_template() if m.id}
	shipped = {
		"Prospecting",  # Sales Stage (setup/install.py)
		"Cold Call",  # Lead Source
		"Product Fit",  # Lost Reason
		"Feature Request",  # Ticket Type
		"Champions",  # RFM segment (a Select option)
		"Waiting on Customer",  # Workflow State (fixture)
		"Wait for Customer",  # Workflow Action Master (fixture)
		"Opportunity Workflow",  # Workflow (fixture)
		"Pipeline Value",  # Number Card (fixture)
		"Revenue by Segment",  # Dashboard Chart (fixture)
		"Opportunity Pipeline",  # Kanban Board (fixture)
		"Support Manager",  # Role (fixture)
		"CRM",  # Workspace (fixture)
		"Sales Funnel",  # Script Report
	}
	assert shipped <= ids, shipped - ids


@pytest.mark.parametrize("locale", ["it", "bs"])
def test_the_compiled_catalogue_reaches_every_translation(locale):
	"""Every translation of the .po file comes back from `_()` once compiled (as after migrate)."""
	compile_catalogues()
	with open(get_po_path("crm_suite", locale), "rb") as f:
		catalog = read_po(f)
	wrong = [
		(m.id, _(m.id, lang=locale), m.string)
		for m in catalog
		# `_()` strips the message and looks HTML up without its tags: those are found by the desk's `__()`
		if m.id and m.string and not m.context and m.id == m.id.strip() and not is_html(m.id)
		if _(m.id, lang=locale) != m.string
	]
	assert not wrong, wrong[:20]
	assert _("Sales Funnel", lang=locale) != "Sales Funnel"


# ------------------------------------------------------------------------------------------- recipients
def test_the_language_of_a_recipient_is_their_contacts_else_their_users_else_the_sites():
	site = frappe.db.get_default("lang") or "en"
	bosnian = make_user("Sales User")
	frappe.db.set_value("User", bosnian.name, "language", "bs")
	assert user_language(bosnian.name) == email_language(bosnian.name) == "bs"
	nobody = make_user("Sales User")
	frappe.db.set_value("User", nobody.name, "language", None)
	assert user_language(nobody.name) == email_language(nobody.name) == site

	party = make_portal_customer()  # a contact with a User
	frappe.db.set_value("User", party.user.name, "language", None)
	assert email_language(party.email) == site
	frappe.db.set_value("User", party.user.name, "language", "bs")
	assert email_language(party.email) == "bs"  # the User's
	frappe.db.set_value("Contact", party.contact.name, "email_language", "it")
	assert email_language(party.email) == "it"  # the Contact's own language comes first

	address = f"{unique('nobody-')}@example.com"
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "No user",
			"email_ids": [{"email_id": address, "is_primary": 1}],
			"email_language": "it",
		}
	).insert(ignore_permissions=True)
	assert contact.email_id == address and email_language(address) == "it"
	assert email_language(f"{unique('stranger-')}@example.com") == site
	assert email_language(None) == email_language("  ") == site


def test_in_language_gives_the_callers_language_back_even_after_an_error():
	before = frappe.local.lang
	with pytest.raises(ZeroDivisionError), in_language("bs"):
		assert frappe.local.lang == "bs"
		assert _("Customer") == "Kupac"
		1 / 0  # noqa: B018
	assert frappe.local.lang == before


@pytest.fixture
def outgoing_mail():
	"""Mail is built in the test's transaction and never sent (Frappe's mute_emails, as the service
	tests do; see tests/integration/service/conftest.py)."""
	muted, frappe.flags.mute_emails = frappe.flags.mute_emails, True
	clear_email_account_cache()
	ensure_outgoing_account(unique("i18n tests "), SENDER)
	yield
	frappe.flags.mute_emails = muted


@pytest.mark.parametrize("lang", ["it", "bs"])
def test_the_feedback_request_is_in_the_customers_language(outgoing_mail, lang):
	compile_catalogues()
	party = make_portal_customer()
	frappe.db.set_value("Contact", party.contact.name, "email_language", lang)
	frappe.db.set_single_value("Support Settings", "send_feedback_request", 1)
	ticket = make_ticket(customer=party.customer.name, raised_by=party.email)
	before = frappe.local.lang
	ticket.status = "Resolved"
	ticket.save()
	assert frappe.local.lang == before  # the caller's language is back

	mails = queued_mail(party.email)
	assert len(mails) == 1
	subject = _("How did we do? {0}", lang=lang).format(ticket.subject)
	assert subject != f"How did we do? {ticket.subject}"
	assert mails[0].subject == subject
	intro = _("Your ticket {0} has been resolved. Please rate our service from 1 to 5:", lang=lang)
	assert intro.format(ticket.name) in mails[0].body
	assert f"_lang={lang}" in mails[0].body  # the page the links open is in that language too


def test_an_escalation_is_written_in_the_managers_language(outgoing_mail):
	compile_catalogues()
	manager = make_user("Support Manager")
	frappe.db.set_value("User", manager.name, "language", "bs")
	frappe.db.set_single_value("Support Settings", "escalation_manager", manager.name)
	ticket = make_ticket()
	assert escalate(ticket.name, at_risk=True)
	todo = frappe.get_all(
		"ToDo",
		filters={"reference_type": "Ticket", "reference_name": ticket.name, "allocated_to": manager.name},
		pluck="description",
	)
	expected = _("SLA at risk: {0}", lang="bs").format(ticket.subject)
	assert expected.startswith("SLA u riziku")
	assert len(todo) == 1 and expected in todo[0]
	log = frappe.get_all(
		"Notification Log",
		filters={"for_user": manager.name, "document_name": ticket.name},
		pluck="subject",
	)
	assert (
		_("Ticket {0} is about to breach its service level agreement", lang="bs").format(ticket.name) in log
	)


def test_a_follow_up_todo_is_written_in_its_owners_language():
	compile_catalogues()
	owner = make_user("Sales User")
	frappe.db.set_value("User", owner.name, "language", "it")
	lead = make_lead()
	remind(frappe._dict(name=lead.name, lead_name=lead.lead_name, owner=owner.name), 9)
	description = frappe.db.get_value("ToDo", {"reference_name": lead.name}, "description")
	expected = _("Follow up lead {0} ({1}): untouched for {2} days.", lang="it").format(
		lead.name, lead.lead_name, 9
	)
	assert expected.startswith("Seguire il lead") and expected in description


# ------------------------------------------------------------------------------------------- reports
def test_the_sales_funnel_shows_shipped_stages_and_statuses_in_the_readers_language():
	from crm_suite.sales.report.sales_funnel.sales_funnel import execute as sales_funnel

	compile_catalogues()
	seller = make_user("Sales User")
	frappe.db.set_value("User", seller.name, "language", "it")
	make_lead(lead_owner=seller.name)
	frappe.set_user(seller.name)
	with in_language(user_language(seller.name)):
		funnel = [row["stage"] for row in sales_funnel({})[1]]
	assert _("Prospecting", lang="it") != "Prospecting"
	assert _("Prospecting", lang="it") in funnel and "Prospecting" not in funnel
	assert _("Contacted", lang="it") in funnel and _("Won", lang="it") in funnel


def test_a_group_by_dashboard_chart_labels_its_groups_in_the_readers_language():
	from crm_suite.utils.i18n import dashboard_chart

	compile_catalogues()
	make_lead(source="Cold Call")
	frappe.set_user(make_user("Sales User").name)
	english = dashboard_chart(chart_name="Leads by Source", refresh=1)["labels"]
	with in_language("it"):
		italian = dashboard_chart(chart_name="Leads by Source", refresh=1)["labels"]
	assert "Cold Call" in english
	assert _("Cold Call", lang="it") in italian and "Cold Call" not in italian
	assert len(italian) == len(english)


# ------------------------------------------------------------------------------------------- portal
@pytest.fixture
def bosnian_portal_user(committed, server):
	party = make_portal_customer()
	for doc in (party.customer, party.user, party.contact):
		committed(doc)
	frappe.db.set_value("User", party.user.name, "language", "bs")
	party.password = frappe.generate_hash(length=20)
	update_password(party.user.name, party.password)
	party.ticket = committed(make_ticket(customer=party.customer.name, raised_by=party.email))
	frappe.db.commit()
	compile_catalogues()
	yield party
	frappe.db.rollback()
	for contact in frappe.get_all("Contact Email", filters={"email_id": party.email}, pluck="parent"):
		if contact != party.contact.name and frappe.db.exists("Contact", contact):
			delete_for_good("Contact", contact)
	frappe.db.commit()


def test_the_portal_follows_the_visitors_language(bosnian_portal_user, server):
	party = bosnian_portal_user
	session = requests.Session()
	session.headers["Host"] = server.host
	login = session.post(
		server.url + "/api/method/login", data={"usr": party.email, "pwd": party.password}, timeout=30
	)
	assert login.status_code == 200, login.text
	page = session.get(server.url + "/support", timeout=30)
	assert page.status_code == 200
	assert _("Support Tickets", lang="bs") in page.text and "Support Tickets" not in page.text
	assert _("Open a New Ticket", lang="bs") in page.text and party.ticket.name in page.text
	assert _("Feature Request", lang="bs") in page.text  # a shipped ticket type, translated

	def guest(path, **headers):
		response = requests.get(server.url + path, headers={"Host": server.host, **headers}, timeout=30)
		assert response.status_code == 200, response.text[:500]
		return response.text

	# a Guest: Frappe takes the preferred_language cookie, else Accept-Language, else the site's
	assert _("Contact Us", lang="it") in guest("/contact-us", **{"Accept-Language": "it-IT,it;q=0.9"})
	assert _("Contact Us", lang="bs") in guest("/contact-us", Cookie="preferred_language=bs")
	assert "Tell us how we can help" in guest("/contact-us", **{"Accept-Language": "en"})
	# the chart data the app overrides stays closed to Guests, as Frappe's is
	chart = requests.get(
		server.url + "/api/method/frappe.desk.doctype.dashboard_chart.dashboard_chart.get",
		params={"chart_name": "Leads by Source"},
		headers={"Host": server.host, "Accept": "application/json"},
		timeout=30,
	)
	assert chart.status_code == 403, chart.text[:300]
	# the feedback page, as the rating email links it (with _lang)
	from crm_suite.service.feedback import feedback_url

	url = feedback_url(party.ticket.name, 5, "bs")
	text = guest(url[url.index("/support/") :])
	assert _("How did we do?", lang="bs") in text and "How did we do?" not in text
