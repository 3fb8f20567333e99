"""What the resilience tests run inside a lab site (`bench --site LAB execute tests...lab_tasks.X`): seeding,
and queueing jobs the way the scheduler and the desk queue them. Each returns JSON-able data."""

import frappe
from frappe.utils import add_days, today

SEGMENT = "Lab Outreach Members"
TEMPLATE = "Lab Outreach Template"
CAMPAIGN = "Lab Outreach"


def seed() -> dict:
	"""The small demo (a year of a small business) plus an outreach campaign due today to every New lead
	with an email address, through an outgoing Email Account (mail is only queued: nothing sends it)."""
	from crm_suite.analytics.order_summary import rebuild_order_summaries
	from crm_suite.setup.demo import make_demo

	make_demo(seed=1, scale="small")
	rebuild_order_summaries()
	frappe.db.set_single_value("CRM Settings", {"min_history_for_learning": 5, "learned_score_weight": 60})
	frappe.flags.in_test = True  # the account's SMTP server is not asked on save (nothing sends here)
	frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": "Lab Campaigns",
			"email_id": "campaigns@lab.invalid",
			"enable_outgoing": 1,
			"default_outgoing": 1,
			"smtp_server": "127.0.0.1",
			"smtp_port": 9,
			"no_smtp_authentication": 1,
		}
	).insert(ignore_permissions=True)
	frappe.flags.in_test = False
	frappe.get_doc(
		{
			"doctype": "Segment",
			"segment_name": SEGMENT,
			"based_on": "Lead",
			"segment_type": "Filter Conditions",
			"match": "All",
			"conditions": [
				{"fieldname": "email_id", "operator": "is", "value": "set"},
				{"fieldname": "status", "operator": "=", "value": "New"},
			],
		}
	).insert(ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "Email Template",
			"name": TEMPLATE,
			"subject": "News for {{ first_name }}",
			"response": "<p>Dear {{ doc.first_name }}, news from {{ campaign.campaign_name }}.</p>",
		}
	).insert(ignore_permissions=True)
	campaign = frappe.get_doc(
		{
			"doctype": "Campaign",
			"campaign_name": CAMPAIGN,
			"channel": "Email",
			"target_segment": SEGMENT,
			"start_date": add_days(today(), -1),
			"schedule": [{"day_offset": 0, "email_template": TEMPLATE}],
		}
	).insert(ignore_permissions=True)
	campaign.status = "Active"
	campaign.save(ignore_permissions=True)
	frappe.db.commit()
	members = frappe.db.count("Lead", {"email_id": ("is", "set"), "status": "New"})
	return {
		"campaign": campaign.name,
		"members": members,
		"open_leads": frappe.db.count("Lead", {"status": ("in", ["New", "Contacted", "Qualified"])}),
		"sla": frappe.db.get_value("Service Level Agreement", {"default_sla": 1}),
	}


def enqueue_scheduled(method: str) -> bool:
	"""What the scheduler does when the job is due: its Scheduled Job Type enqueues it (deduplicated by
	the job's id). Returns whether a job was queued."""
	job = frappe.get_doc("Scheduled Job Type", {"method": method})
	queued = bool(job.enqueue(force=True))
	frappe.db.commit()
	return queued


def enqueue_recompute(sla: str) -> bool:
	"""What saving a Service Level Agreement does: its open tickets' recompute job on the long queue."""
	from crm_suite.service.sla import enqueue_recompute as enqueue

	enqueue([sla])
	frappe.db.commit()
	return True


def enqueue_outreach(campaign: str) -> bool:
	"""The hourly job's per-campaign outreach job (crm_suite.marketing.outreach.enqueue_campaign_outreach)."""
	from crm_suite.marketing.outreach import enqueue_campaign_outreach

	enqueue_campaign_outreach(campaign)
	return True


def api_user(roles: list[str], email: str) -> str:
	"""A desk user with these roles and an API key; returns the `key:secret` token."""
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": email,
			"first_name": email.split("@")[0],
			"send_welcome_email": 0,
			"user_type": "System User",
			"roles": [{"role": r} for r in roles],
		}
	).insert(ignore_permissions=True)
	secret = frappe.generate_hash(length=15)
	user.api_key = frappe.generate_hash(length=15)
	user.api_secret = secret
	user.save(ignore_permissions=True)
	return f"{user.api_key}:{secret}"


def learn_lead_model() -> dict:
	"""The nightly scoring's read part, in a job's context: Frappe runs the before_job hooks first."""
	from crm_suite.sales.scoring import learn_model

	for hook in frappe.get_hooks("before_job"):  # as frappe.utils.background_jobs.execute_job calls them
		frappe.call(
			hook, method="crm_suite.sales.scoring.update_lead_scores", kwargs={}, transaction_type="job"
		)
	model = learn_model(1)
	return model.as_dict() if model else {}


def close_leads(count: int) -> list[str]:
	"""Closes `count` open leads (alternately won and lost), committed."""
	names = frappe.get_all(
		"Lead", filters={"status": ("in", ["New", "Contacted", "Qualified"])}, pluck="name", limit=count
	)
	for i, name in enumerate(names):
		frappe.db.set_value("Lead", name, "status", "Converted" if i % 2 == 0 else "Unqualified")
	return names


def make_leads(count: int, prefix: str = "seed") -> int:
	for i in range(count):
		frappe.get_doc(
			{
				"doctype": "Lead",
				"first_name": "Seed",
				"last_name": f"{prefix}-{i}",
				"email_id": f"{prefix}-{i}@lab.invalid",
				"source": "Referral" if i % 2 else "Cold Call",
			}
		).insert(ignore_permissions=True)
	return count


def set_password(user: str, password: str) -> bool:
	from frappe.utils.password import update_password

	update_password(user, password)
	return True


def seed_backup() -> dict:
	"""The small demo, with its nightly results, plus files: public and private, attached to leads and
	tickets, and an outgoing Email Account whose password is stored encrypted."""
	import random

	from crm_suite.analytics.order_summary import rebuild_order_summaries
	from crm_suite.commands import run_nightly_jobs
	from crm_suite.setup.demo import make_demo

	make_demo(seed=2, scale="small")
	rebuild_order_summaries()
	run_nightly_jobs()
	rng = random.Random(7)
	for i, (doctype, name) in enumerate(
		[("Lead", n) for n in frappe.get_all("Lead", pluck="name", limit=4)]
		+ [("Ticket", n) for n in frappe.get_all("Ticket", pluck="name", limit=4)]
	):
		frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"lab-{i}.bin",
				"content": rng.randbytes(2048 + 997 * i),
				"is_private": i % 2,
				"attached_to_doctype": doctype,
				"attached_to_name": name,
			}
		).insert(ignore_permissions=True)
	frappe.flags.in_test = True  # the account's SMTP server is not asked on save
	frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": "Lab Backup",
			"email_id": "backup@lab.invalid",
			"enable_outgoing": 1,
			"smtp_server": "127.0.0.1",
			"password": "lab-secret-password",
		}
	).insert(ignore_permissions=True)
	return {"files": frappe.db.count("File", {"file_name": ("like", "lab-%")})}


def decrypted_email_password(account: str) -> str:
	from frappe.utils.password import get_decrypted_password

	return get_decrypted_password("Email Account", account, "password")


def default_sla() -> str:
	"""A default Service Level Agreement (Monday–Friday 9–17), as a site with a service desk has."""
	from crm_suite.setup.demo.tickets import ensure_demo_sla

	return ensure_demo_sla()


def lead_round_robin_only(user: str) -> list[str]:
	"""The lead round robin holds only `user` (a lead they create is theirs: Frappe sends no assignment
	notification to whoever assigned it). Returns the rule's users."""
	rule = frappe.get_doc("Assignment Rule", "Lead Round Robin")
	rule.set("users", [{"user": user}])
	rule.last_user = None
	rule.save(ignore_permissions=True)
	frappe.db.commit()
	return [row.user for row in rule.users]
