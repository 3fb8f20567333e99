"""Ticket indexes: declared in crm_suite/setup/indexes.py and as `search_index` fields, added to existing sites by an
idempotent patch, and used (EXPLAIN) by what runs every 5 minutes (check_sla), daily (auto-close) and on every
portal list."""

from datetime import datetime

import frappe
import pytest

from crm_suite.patches.v0_1 import ticket_indexes
from crm_suite.service.jobs import auto_close_candidates, escalation_candidates
from crm_suite.service.sla import breach_update
from crm_suite.setup import indexes
from tests.integration.factories import make_ticket
from tests.integration.service.helpers import make_portal_customer

STATUS_INDEXES = {"status_agreement_status_index", "agreement_status_opening_date_index"}
NOW = datetime(2027, 1, 5, 12, 0)


def ticket_indexes_on_site() -> dict[str, list[str]]:
	indexes: dict[str, list[str]] = {}
	for row in frappe.db.sql("show index from `tabTicket`", as_dict=True):
		indexes.setdefault(row.Key_name, []).append(row.Column_name)
	return indexes


def test_the_patch_adds_a_missing_index_and_can_run_again():
	frappe.db.rollback()  # DDL commits: nothing of this test's set-up may go with it
	frappe.db.sql_ddl("alter table `tabTicket` drop index `status_agreement_status_index`")  # an old site
	try:
		ticket_indexes.execute()
		ticket_indexes.execute()
	finally:
		indexes.apply("Ticket")  # whatever happened, the site keeps its index
	assert ticket_indexes_on_site()["status_agreement_status_index"] == ["status", "agreement_status"]


@pytest.fixture
def many_closed_tickets():
	"""5,000 closed tickets (set-based, in the test's transaction) next to a few running ones, so the
	optimizer has a reason to prefer an index over reading the table."""
	frappe.db.sql(
		"""insert into `tabTicket` (name, creation, modified, modified_by, owner, docstatus, idx, subject,
			status, priority, opening_date, resolution_date, agreement_status, customer, raised_by)
		select concat('IDX-TKT-', seq), now(), now(), 'Administrator', 'Administrator', 0, 0,
			concat('closed ', seq), 'Closed', 'Medium', now() - interval seq hour, now() - interval seq minute,
			elt(1 + mod(seq, 2), 'Fulfilled', 'Failed'), null, concat('someone', seq, '@example.com')
		from seq_1_to_5000"""
	)
	for _ in range(3):
		make_ticket()


def explain(query) -> dict:
	sql = query if isinstance(query, str) else query.get_sql()
	rows = frappe.db.sql(f"explain {sql}", as_dict=True)
	assert len(rows) == 1, rows
	return rows[0]


@pytest.mark.parametrize(
	"query",
	[
		pytest.param(lambda: breach_update(NOW), id="check_sla-breach-update"),
		pytest.param(lambda: escalation_candidates(NOW, 0), id="check_sla-escalation"),
		pytest.param(lambda: escalation_candidates(NOW, 60), id="check_sla-escalation-at-risk"),
		pytest.param(lambda: auto_close_candidates(NOW), id="auto-close"),
	],
)
def test_the_jobs_queries_use_a_status_index(many_closed_tickets, query):
	plan = explain(query())
	assert plan["type"] != "ALL" and plan["key"] and set(plan["key"].split(",")) <= STATUS_INDEXES, plan


def test_the_portal_list_uses_the_customer_and_sender_indexes(many_closed_tickets):
	party = make_portal_customer()
	make_ticket(customer=party.customer.name, raised_by=party.email)
	frappe.set_user(party.user.name)
	sql = frappe.get_list("Ticket", fields=["name"], run=0)
	frappe.set_user("Administrator")
	plan = explain(sql)
	# the indexes on each column alone, whatever their names (Frappe names a search_index index after
	# its field on a new site; older sites keep `<field>_index`)
	from crm_suite.setup.indexes import indexes_on_site

	single = {index.columns: name for name, index in indexes_on_site("Ticket").items()}
	wanted = {single[("customer",)], single[("raised_by",)]}
	assert plan["type"] != "ALL" and wanted <= set(plan["key"].split(",")), plan
