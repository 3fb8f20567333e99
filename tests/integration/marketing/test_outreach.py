"""Scheduled outreach: each due step reaches each segment member once, across a simulated worker restart,
and unsubscribed addresses get nothing. These tests commit (the job commits per chunk) and clean up."""

import frappe
import pytest

from crm_suite.marketing import outreach
from tests.integration.factories import delete_for_good, make_customer, make_outgoing_account, unique
from tests.integration.marketing.helpers import make_active_campaign, make_email_template, make_segment


class WorkerDied(Exception):
	pass


@pytest.fixture
def sent_campaigns():
	"""A list to put the test's campaigns in: their queue rows, send logs, error logs and unsubscribes are
	removed afterwards (the job commits)."""
	campaigns: list[str] = []
	yield campaigns
	frappe.db.rollback()
	for name in campaigns:
		queues = frappe.get_all(
			"Email Queue", filters={"reference_doctype": "Campaign", "reference_name": name}, pluck="name"
		)
		for q in queues:
			frappe.db.delete("Email Queue Recipient", {"parent": q})
			frappe.db.delete("Email Queue", {"name": q})
		frappe.db.delete("Campaign Send Log", {"campaign": name})
		frappe.db.delete("Error Log", {"reference_doctype": "Campaign", "reference_name": name})
		frappe.db.delete("Email Unsubscribe", {"reference_doctype": "Campaign", "reference_name": name})
	frappe.db.commit()


@pytest.fixture
def outbox(sent_campaigns):
	"""Emails go to Frappe's Email Queue through a default outgoing account (never sent: nothing runs the
	queue); the account is removed afterwards, the rest by `sent_campaigns`."""
	account = make_outgoing_account(
		unique("Campaigns "), f"{unique('campaigns-')}@example.com", smtp_server="localhost"
	)
	frappe.db.commit()
	frappe.local.outgoing_email_account = {}
	yield sent_campaigns
	frappe.db.rollback()
	delete_for_good("Email Account", account.name)
	frappe.db.commit()
	frappe.local.outgoing_email_account = {}


def setup_campaign(committed, outbox, n_members=7, steps=((0, None),), **kw):
	tag = unique("Outreach ")
	members = [committed(c) for c in _customers(n_members, tag)]
	segment = committed(make_segment(conditions=[("customer_name", "like", f"{tag}%")]))
	template = committed(make_email_template())
	campaign = make_active_campaign(segment.name, [(d, t or template.name) for d, t in steps], **kw)
	committed(campaign)
	outbox.append(campaign.name)
	frappe.db.commit()
	return campaign, members


def _customers(n, tag):
	return [
		make_customer(customer_name=f"{tag}{i:03d}", email_id=f"{unique('o-')}@example.com") for i in range(n)
	]


def queued_per_recipient(campaign: str) -> dict[str, int]:
	rows = frappe.db.sql(
		"""select r.recipient, count(*) from `tabEmail Queue Recipient` r
		join `tabEmail Queue` q on q.name = r.parent
		where q.reference_doctype = 'Campaign' and q.reference_name = %s group by r.recipient""",
		campaign,
	)
	return dict(rows)


def test_each_step_reaches_each_member_once_across_a_restart(committed, outbox):
	campaign, members = setup_campaign(committed, outbox, n_members=7)
	emails = {c.email_id for c in members}

	def die_mid_chunk(n):
		if n == 5:  # chunk 1 (3 recipients) committed, chunk 2 half done
			raise WorkerDied

	with pytest.raises(WorkerDied):
		outreach.run_campaign_outreach(campaign.name, chunk_size=3, after_recipient=die_mid_chunk)
	frappe.db.rollback()  # what a dying worker's connection does
	first = queued_per_recipient(campaign.name)
	assert len(first) == 3 and set(first.values()) == {1}
	assert frappe.db.get_value("Campaign Schedule Step", campaign.schedule[0].name, "status") == "Pending"
	assert campaign.name in outreach.due_campaigns()

	again = outreach.run_campaign_outreach(campaign.name, chunk_size=3)
	assert again["queued"] == 4
	final = queued_per_recipient(campaign.name)
	assert set(final) == emails
	assert set(final.values()) == {1}
	assert frappe.db.count("Campaign Send Log", {"campaign": campaign.name}) == 7

	# every member handled: the step is Sent, the hourly job no longer picks the campaign
	step = campaign.schedule[0].name
	assert frappe.db.get_value("Campaign Schedule Step", step, "status") == "Sent"
	assert frappe.db.get_value("Campaign Schedule Step", step, "sent_on")
	assert campaign.name not in outreach.due_campaigns()
	# a third run (next hour's job, or Send Due Steps Now) sends nothing
	assert outreach.run_campaign_outreach(campaign.name)["queued"] == 0
	assert queued_per_recipient(campaign.name) == final


def test_email_is_rendered_for_the_member_and_carries_an_unsubscribe_link(committed, outbox):
	campaign, members = setup_campaign(committed, outbox, n_members=1)
	outreach.run_campaign_outreach(campaign.name)
	q = frappe.get_doc("Email Queue", {"reference_doctype": "Campaign", "reference_name": campaign.name})
	assert members[0].customer_name in q.message
	# Frappe puts each recipient's signed unsubscribe URL at this placeholder when it sends the email
	assert "<!--unsubscribe_url-->" in q.message and "Unsubscribe from this campaign" in q.message
	assert (q.add_unsubscribe_link, q.unsubscribe_method) == (1, "/api/method/frappe.email.queue.unsubscribe")
	log = frappe.get_doc("Campaign Send Log", {"campaign": campaign.name})
	assert (log.status, log.email_queue, log.reference_name) == ("Queued", q.name, members[0].name)


def test_unsubscribed_members_get_no_email(committed, outbox):
	campaign, members = setup_campaign(committed, outbox, n_members=3)
	from_campaign, everything, subscribed = members
	frappe.get_doc(
		{
			"doctype": "Email Unsubscribe",
			"email": from_campaign.email_id,
			"reference_doctype": "Campaign",
			"reference_name": campaign.name,
		}
	).insert(ignore_permissions=True)
	glob = frappe.get_doc(
		{"doctype": "Email Unsubscribe", "email": everything.email_id, "global_unsubscribe": 1}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	try:
		counts = outreach.run_campaign_outreach(campaign.name)
		assert counts == {"queued": 1, "unsubscribed": 2, "failed": 0, "skipped": 0}
		assert set(queued_per_recipient(campaign.name)) == {subscribed.email_id}
		statuses = dict(
			frappe.get_all(
				"Campaign Send Log", {"campaign": campaign.name}, ["recipient", "status"], as_list=True
			)
		)
		assert statuses[from_campaign.email_id] == "Unsubscribed"
	finally:
		frappe.db.rollback()
		delete_for_good("Email Unsubscribe", glob.name)
		frappe.db.commit()


def test_unsubscribe_link_stops_later_steps(committed, outbox):
	"""The link in the email writes Email Unsubscribe for the campaign; the next step skips that address."""
	today = frappe.utils.today()
	campaign, members = setup_campaign(
		committed,
		outbox,
		n_members=2,
		steps=((0, None), (5, None)),
		start_date=frappe.utils.add_days(today, -3),
	)
	outreach.run_campaign_outreach(campaign.name)  # only day 0 is due
	assert frappe.db.count("Campaign Send Log", {"campaign": campaign.name}) == 2
	frappe.email.queue.unsubscribe("Campaign", campaign.name, members[0].email_id)  # the link's handler
	counts = outreach.run_campaign_outreach(campaign.name, on_date=frappe.utils.add_days(today, 2))
	assert counts == {"queued": 1, "unsubscribed": 1, "failed": 0, "skipped": 0}


def test_steps_not_yet_due_and_inactive_campaigns_send_nothing(committed, outbox):
	campaign, _members = setup_campaign(committed, outbox, n_members=2, steps=((30, None),))
	assert outreach.run_campaign_outreach(campaign.name)["queued"] == 0
	campaign.reload()
	campaign.status = "Completed"
	campaign.save()
	frappe.db.commit()
	assert outreach.run_campaign_outreach(
		campaign.name, on_date=frappe.utils.add_days(frappe.utils.today(), 60)
	) == {"queued": 0, "unsubscribed": 0, "failed": 0, "skipped": 0}


def test_send_now_needs_an_active_campaign_and_write_permission():
	from tests.integration.factories import make_campaign, make_user

	campaign = make_campaign()
	with pytest.raises(frappe.ValidationError, match="Active"):
		outreach.send_due_steps_now(campaign.name)
	frappe.set_user(make_user("Sales User").name)
	with pytest.raises(frappe.PermissionError):
		outreach.send_due_steps_now(campaign.name)


def test_the_hourly_job_picks_active_started_campaigns_with_a_schedule_and_segment():
	from tests.integration.factories import make_campaign

	segment = make_segment(conditions=[("customer_group", "=", "Government")])
	template = make_email_template()
	due = make_active_campaign(segment.name, [(0, template.name)])
	later = make_active_campaign(
		segment.name, [(0, template.name)], start_date=frappe.utils.add_days(None, 5)
	)
	no_steps = make_active_campaign(segment.name, [])
	planned = make_campaign(
		target_segment=segment.name,
		start_date=frappe.utils.today(),
		schedule=[{"day_offset": 0, "email_template": template.name}],
	)
	names = set(outreach.due_campaigns())
	assert due.name in names
	assert not names & {later.name, no_steps.name, planned.name}
	assert later.name in outreach.due_campaigns(frappe.utils.add_days(None, 5))


def send_logs(campaign: str) -> dict[str, str]:
	return dict(
		frappe.get_all("Campaign Send Log", {"campaign": campaign}, ["recipient", "status"], as_list=True)
	)


def test_a_failing_recipient_is_logged_and_the_rest_go_on_across_a_restart(committed, outbox):
	"""Real bad data: an address that is not one (as an import leaves it) and a member the template can't
	render for (no last order date). Both get a Failed row and an Error Log; nobody is sent twice."""
	template = committed(
		make_email_template(
			response="<p>Your last order was in {{ doc.last_order_date.strftime('%B') }}.</p>"
		)
	)
	campaign, members = setup_campaign(committed, outbox, n_members=6, steps=((0, template.name),))
	for m in members:
		frappe.db.set_value("Customer", m.name, "last_order_date", "2026-03-02")
	bad_address, no_order = members[1], members[4]
	frappe.db.set_value("Customer", bad_address.name, "email_id", "not-an-address")
	frappe.db.set_value("Customer", no_order.name, "last_order_date", None)
	frappe.db.commit()

	def die_in_second_chunk(n):
		if n == 5:
			raise WorkerDied

	with pytest.raises(WorkerDied):
		outreach.run_campaign_outreach(campaign.name, chunk_size=3, after_recipient=die_in_second_chunk)
	frappe.db.rollback()
	assert send_logs(campaign.name) == {
		members[0].email_id: "Queued",
		"not-an-address": "Failed",
		members[2].email_id: "Queued",
	}

	counts = outreach.run_campaign_outreach(campaign.name, chunk_size=3)
	assert counts == {"queued": 2, "unsubscribed": 0, "failed": 1, "skipped": 0}
	good = {m.email_id for m in members} - {bad_address.email_id, no_order.email_id}
	assert queued_per_recipient(campaign.name) == dict.fromkeys(good, 1)
	logs = send_logs(campaign.name)
	assert (logs["not-an-address"], logs[no_order.email_id]) == ("Failed", "Failed")
	assert (
		frappe.db.get_value(
			"Campaign Send Log", {"campaign": campaign.name, "recipient": no_order.email_id}, "email_queue"
		)
		is None
	)
	assert "March" in frappe.get_value("Email Queue", {"reference_name": campaign.name}, "message")
	errors = frappe.get_all(
		"Error Log", {"reference_doctype": "Campaign", "reference_name": campaign.name}, pluck="method"
	)
	# Error Log is MyISAM (outside the transaction): the failure inside the chunk the dead worker lost is
	# logged again when the re-run meets it; the committed failure is not retried
	assert sorted(errors) == sorted(
		f"Campaign {campaign.name}: no email to {e}"
		for e in ("not-an-address", no_order.email_id, no_order.email_id)
	)
	# Failed rows count as handled: the step is done and a re-run retries nobody
	assert frappe.db.get_value("Campaign Schedule Step", campaign.schedule[0].name, "status") == "Sent"
	frappe.db.set_value("Campaign Schedule Step", campaign.schedule[0].name, "status", "Pending")
	frappe.db.commit()
	assert outreach.run_campaign_outreach(campaign.name) == {
		"queued": 0,
		"unsubscribed": 0,
		"failed": 0,
		"skipped": 0,
	}
	assert len(queued_per_recipient(campaign.name)) == 4


def test_a_sent_step_is_skipped_until_set_back_to_pending(committed, outbox):
	"""Members who join after a step was sent don't get it (a mass mailing goes out once); setting the
	step back to Pending sends it to those not yet logged, and only to them."""
	campaign, members = setup_campaign(committed, outbox, n_members=2)
	assert outreach.run_campaign_outreach(campaign.name)["queued"] == 2
	tag = members[0].customer_name[:-3]
	late = committed(_customers(1, tag)[0])
	frappe.db.commit()
	assert outreach.run_campaign_outreach(campaign.name)["queued"] == 0
	assert late.email_id not in queued_per_recipient(campaign.name)

	frappe.db.set_value("Campaign Schedule Step", campaign.schedule[0].name, "status", "Pending")
	frappe.db.commit()
	assert campaign.name in outreach.due_campaigns()
	assert outreach.run_campaign_outreach(campaign.name)["queued"] == 1
	assert queued_per_recipient(campaign.name) == {m.email_id: 1 for m in [*members, late]}


def test_the_database_refuses_a_second_log_row_for_a_recipient(committed, outbox):
	campaign, members = setup_campaign(committed, outbox, n_members=1)
	outreach.run_campaign_outreach(campaign.name)
	row = frappe.get_doc("Campaign Send Log", {"campaign": campaign.name}).as_dict()
	for key in ("name", "creation", "modified"):
		row.pop(key)
	with pytest.raises(frappe.UniqueValidationError):
		frappe.get_doc(row).insert(ignore_permissions=True)


def test_the_index_patch_is_idempotent():
	from crm_suite.patches.v0_1 import campaign_send_log_unique_recipient

	UNIQUE_RECIPIENT = "unique_campaign_step_recipient"  # noqa: N806 (declared in crm_suite/setup/indexes.py)
	# the schema of a site from before the patch: a hashed send_key column and no composite index
	table = "`tabCampaign Send Log`"
	try:
		frappe.db.sql_ddl(f"alter table {table} drop index `{UNIQUE_RECIPIENT}`")
		frappe.db.sql_ddl(f"alter table {table} add column `send_key` varchar(140) unique")
		campaign_send_log_unique_recipient.execute()
		campaign_send_log_unique_recipient.execute()
		index = frappe.db.sql(f"show index from {table} where Key_name = %s", UNIQUE_RECIPIENT, as_dict=True)
		assert [(i.Column_name, i.Non_unique) for i in index] == [
			("campaign", 0),
			("schedule_step", 0),
			("recipient", 0),
		]
		assert not frappe.db.sql(f"show columns from {table} like 'send_key'")
	finally:
		# whatever happened, the site's table is left as the app defines it
		if frappe.db.sql(f"show columns from {table} like 'send_key'"):
			frappe.db.sql_ddl(f"alter table {table} drop column `send_key`")
		if not frappe.db.has_index("tabCampaign Send Log", UNIQUE_RECIPIENT):
			frappe.db.sql_ddl(
				f"alter table {table} add unique index `{UNIQUE_RECIPIENT}` (campaign, schedule_step, recipient)"
			)
		frappe.clear_cache(doctype="Campaign Send Log")


def test_members_are_read_in_chunks_with_only_the_fields_the_template_uses(committed):
	tag = unique("Chunks ")
	members = [
		make_customer(customer_name=f"{tag}{i:03d}", email_id=f"{unique('k-')}@example.com") for i in range(7)
	]
	segment = make_segment(conditions=[("customer_name", "like", f"{tag}%")])
	fields = outreach.template_fields(
		"Customer", ["Hello {{ customer_name }}", "{{ doc.territory }} {{ campaign.campaign_name }}"]
	)
	assert fields == ["customer_name", "territory"]
	chunks = list(outreach.member_chunks(segment, ["name", "email_id", *fields], 3))
	assert [len(c) for c in chunks] == [3, 3, 1]
	assert [r.name for c in chunks for r in c] == sorted(m.name for m in members)
	assert set(chunks[0][0]) == {"name", "email_id", "customer_name", "territory"}
	# a use of the member that can't be read off the template loads every field
	assert outreach.template_fields("Customer", ["{{ doc.get('territory') }}"]) is None
	assert outreach.template_fields("Customer", ["{{ doc }}"]) is None


@pytest.mark.parametrize(
	"source",
	[
		"{% include 'templates/emails/campaign_footer.html' %}",
		"{% import 'templates/emails/macros.html' as m %}{{ m.greet(doc) }}",
		"{% from 'templates/emails/macros.html' import greet %}{{ greet() }}",
		"{% extends 'templates/emails/base.html' %}",
		"{% macro line() %}{{ territory }}{% endmacro %}{{ line() }} {{ customer_name }}",
		"{% call caller_macro() %}{{ customer_name }}{% endcall %}",
	],
)
def test_templates_pulling_in_other_templates_or_macros_get_every_field(source):
	"""An included, imported or extended template may use any member field, a macro may get the member
	from its caller: the fields can't be read off this template's syntax tree."""
	assert outreach.template_fields("Customer", [source]) is None


def test_the_send_log_is_read_only_and_for_marketing():
	from tests.integration.factories import make_user

	frappe.set_user(make_user("Marketing Manager").name)
	assert frappe.has_permission("Campaign Send Log", "read")
	assert not frappe.has_permission("Campaign Send Log", "write")
	assert not frappe.has_permission("Campaign Send Log", "create")
	frappe.set_user(make_user("Sales User").name)
	assert not frappe.has_permission("Campaign Send Log", "read")


def step_status(campaign) -> str:
	return frappe.db.get_value("Campaign Schedule Step", campaign.schedule[0].name, "status")


def error_titles(campaign: str) -> list[str]:
	return frappe.get_all(
		"Error Log", {"reference_doctype": "Campaign", "reference_name": campaign}, pluck="method"
	)


def test_without_an_outgoing_email_account_nobody_is_sent_and_the_step_stays_pending(
	committed, sent_campaigns
):
	"""Every member would fail alike (OutgoingEmailError): that is not a per-recipient failure. Nothing is
	logged as Failed, the step stays Pending, the Error Log says why; once an account exists it goes out."""
	from frappe.email.doctype.email_account.email_account import EmailAccount

	frappe.local.outgoing_email_account = {}
	if EmailAccount.find_outgoing(match_by_doctype="Campaign"):
		pytest.fail("this site has an outgoing Email Account; the test needs none")
	campaign, members = setup_campaign(committed, sent_campaigns, n_members=3)
	assert outreach.run_campaign_outreach(campaign.name) == dict.fromkeys(
		("queued", "unsubscribed", "failed", "skipped"), 0
	)
	assert frappe.db.count("Campaign Send Log", {"campaign": campaign.name}) == 0
	assert step_status(campaign) == "Pending"
	assert error_titles(campaign.name) == [f"Campaign {campaign.name}: no outgoing Email Account"]
	assert campaign.name in outreach.due_campaigns()


def test_a_template_failing_for_every_member_does_not_mark_the_step_sent(committed, outbox):
	template = committed(make_email_template(response="<p>{{ doc.customer_name.no_such_method() }}</p>"))
	campaign, members = setup_campaign(committed, outbox, n_members=3, steps=((0, template.name),))
	counts = outreach.run_campaign_outreach(campaign.name)
	assert counts == {"queued": 0, "unsubscribed": 0, "failed": 3, "skipped": 0}
	assert step_status(campaign) == "Pending"
	assert f"Campaign {campaign.name}: step 1 failed for every recipient" in error_titles(campaign.name)
	# the next hourly run handles nobody and still doesn't call it sent
	assert outreach.run_campaign_outreach(campaign.name)["failed"] == 0
	assert step_status(campaign) == "Pending"


@pytest.mark.parametrize("broken", ["syntax", "internals"])
def test_a_template_that_does_not_compile_sends_nobody(committed, outbox, broken):
	"""A template nobody can get (Frappe refuses `.__`, which Email Template lets through; a syntax error in
	a template stored before Frappe checked it) is not a per-recipient failure: no rows, step Pending."""
	if broken == "internals":
		template = committed(make_email_template(response="<p>{{ doc.__class__ }}</p>"))
	else:
		template = committed(make_email_template())
		frappe.db.set_value("Email Template", template.name, "response", "<p>Dear {{ doc.customer_name }</p>")
	campaign, members = setup_campaign(committed, outbox, n_members=2, steps=((0, template.name),))
	assert outreach.run_campaign_outreach(campaign.name)["failed"] == 0
	assert frappe.db.count("Campaign Send Log", {"campaign": campaign.name}) == 0
	assert step_status(campaign) == "Pending"
	assert error_titles(campaign.name) == [
		f"Campaign {campaign.name}: Email Template {template.name} does not compile"
	]


def test_an_error_that_is_not_about_the_recipient_stops_the_run(committed, outbox, monkeypatch):
	"""A database error (here a deadlock raised where the queue is written) is not one member's failure:
	it propagates (the job fails, Frappe logs it), nothing is logged as Failed, the step stays Pending."""

	def deadlock(*args, **kwargs):
		raise frappe.QueryDeadlockError("Deadlock found when trying to get lock")

	campaign, members = setup_campaign(committed, outbox, n_members=3)
	monkeypatch.setattr(frappe, "sendmail", deadlock)
	with pytest.raises(frappe.QueryDeadlockError):
		outreach.run_campaign_outreach(campaign.name)
	frappe.db.rollback()
	monkeypatch.undo()
	assert frappe.db.count("Campaign Send Log", {"campaign": campaign.name}) == 0
	assert step_status(campaign) == "Pending"
	assert outreach.run_campaign_outreach(campaign.name)["queued"] == 3
	assert step_status(campaign) == "Sent"


def test_an_unsubscribe_in_another_case_is_honoured(committed, outbox):
	campaign, members = setup_campaign(committed, outbox, n_members=2)
	shouting = members[0].email_id.upper()
	# the link's handler stores the address as the link carries it
	frappe.email.queue.unsubscribe("Campaign", campaign.name, shouting)
	frappe.db.commit()
	assert frappe.db.get_value("Email Unsubscribe", {"reference_name": campaign.name}, "email") == shouting
	counts = outreach.run_campaign_outreach(campaign.name)
	assert counts == {"queued": 1, "unsubscribed": 1, "failed": 0, "skipped": 0}
	assert set(queued_per_recipient(campaign.name)) == {members[1].email_id}


def test_a_stale_campaign_form_cannot_set_a_sent_step_back_to_pending(committed, outbox):
	campaign, members = setup_campaign(committed, outbox, n_members=1)
	stale = frappe.get_doc("Campaign", campaign.name)  # a form opened before the run
	outreach.run_campaign_outreach(campaign.name)
	assert step_status(campaign) == "Sent"
	stale.description = "edited in an old tab"
	with pytest.raises(frappe.TimestampMismatchError):
		stale.save()
	frappe.db.rollback()
	assert step_status(campaign) == "Sent"


def test_each_recipient_gets_the_email_in_their_own_language(committed, outbox):
	"""A recipient whose Contact reads Italian gets the unsubscribe line (and the template's `_()`) in
	Italian; the others in the site's language (docs/i18n.md)."""
	from html import unescape

	from crm_suite.utils.i18n import compile_catalogues
	from tests.integration.service.helpers import queued_mail

	compile_catalogues()
	campaign, (italian, other) = setup_campaign(committed, outbox, n_members=2)
	committed(
		frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": "Giulia",
				"email_ids": [{"email_id": italian.email_id, "is_primary": 1}],
				"email_language": "it",
			}
		).insert(ignore_permissions=True)
	)
	frappe.db.commit()
	assert outreach.run_campaign_outreach(campaign.name)["queued"] == 2
	italian_line = frappe._("Unsubscribe from this campaign", lang="it")
	assert italian_line != "Unsubscribe from this campaign"
	(mail,) = queued_mail(italian.email_id)
	assert italian_line in unescape(mail.body)
	(mail,) = queued_mail(other.email_id)
	assert "Unsubscribe from this campaign" in unescape(mail.body)
