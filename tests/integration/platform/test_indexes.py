"""One registry of the app's composite and unique indexes (crm_suite/setup/indexes.py): every declared index
exists after migrate with its columns, install and migrate make missing ones, a DocType's sync (which can drop
an index whose first column has no `search_index`) gets them back, and single-column indexes are Frappe's
`search_index` fields."""

import frappe
import pytest
from frappe.modules import load_doctype_module

from crm_suite.setup import indexes
from crm_suite.setup.install import after_install


def test_every_declared_index_exists_with_its_columns():
	for doctype, declared in indexes.INDEXES.items():
		on_site = indexes.indexes_on_site(doctype)
		for index in declared:
			assert on_site.get(index.name) == index, (doctype, index)
		assert not set(indexes.OBSOLETE.get(doctype, [])) & set(on_site), doctype


def test_every_app_doctype_in_the_registry_applies_its_indexes_on_sync():
	"""Each app DocType listed has an on_doctype_update that applies the registry (Frappe runs it after it
	altered the table); Frappe's own Contact Email gets its index from after_install and after_migrate."""
	for doctype in indexes.INDEXES:
		module = frappe.get_meta(doctype).module
		if frappe.db.get_value("Module Def", module, "app_name") != "crm_suite":
			continue
		controller = load_doctype_module(doctype)
		assert getattr(controller, "on_doctype_update", None), doctype


@pytest.fixture
def restores_the_indexes():
	frappe.db.rollback()  # DDL commits: nothing of this test's set-up may go with it
	yield
	indexes.apply()  # whatever happened, the site keeps its indexes


def test_install_adds_the_index_on_frappes_contact_email(restores_the_indexes):
	"""Contact Email is Frappe's, so only after_install (and after_migrate) can add crm_contact_email_id."""
	frappe.db.sql_ddl("alter table `tabContact Email` drop index `crm_contact_email_id`")
	after_install()
	frappe.db.commit()
	assert indexes.indexes_on_site("Contact Email")["crm_contact_email_id"].columns == ("email_id",)


def test_a_sync_gets_back_a_dropped_index_rebuilds_a_changed_one_and_drops_an_obsolete_one(
	restores_the_indexes,
):
	frappe.db.sql_ddl(
		"alter table `tabTicket` drop index `status_agreement_status_index`,"
		" drop index `agent_status_index`, add index `agent_status_index` (`agent`)"
	)
	frappe.db.sql_ddl("alter table `tabLead` add index `crm_lead_source_status` (`source`, `status`)")
	frappe.get_doc("DocType", "Ticket").run_module_method("on_doctype_update")
	frappe.get_doc("DocType", "Lead").run_module_method("on_doctype_update")
	ticket = indexes.indexes_on_site("Ticket")
	assert ticket["status_agreement_status_index"].columns == ("status", "agreement_status")
	assert ticket["agent_status_index"].columns == ("agent", "status")
	assert "crm_lead_source_status" not in indexes.indexes_on_site("Lead")
	indexes.apply()  # twice: nothing left to do
	assert indexes.indexes_on_site("Ticket") == ticket


def test_a_unique_index_is_made_unique(restores_the_indexes):
	frappe.db.sql_ddl("alter table `tabChannel Consent` drop index `unique_phone_channel`")
	indexes.apply("Channel Consent")
	assert indexes.indexes_on_site("Channel Consent")["unique_phone_channel"] == indexes.unique(
		"unique_phone_channel", "phone", "channel"
	)


def test_single_column_indexes_are_search_index_fields():
	"""No single-column index in the registry but on Frappe's own Contact Email; the Ticket's are fields."""
	for doctype, declared in indexes.INDEXES.items():
		if doctype != "Contact Email":
			assert all(len(index.columns) > 1 for index in declared), doctype
	# Frappe names a search_index index after its field on a new site; a site that had the old
	# declaration keeps it as `<field>_index`: either way, one index on that column alone
	single = {index.columns for index in indexes.indexes_on_site("Ticket").values()}
	for field in ("opening_date", "customer", "raised_by", "escalated_to", "service_level_agreement"):
		assert frappe.get_meta("Ticket").get_field(field).search_index, field
		assert (field,) in single, field
