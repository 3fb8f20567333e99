"""The nightly lead scoring, the daily follow-up ToDos and round-robin routing, on the real database."""

import frappe
import pytest
from frappe.utils import add_days, now_datetime

from crm_suite.sales import follow_up, routing, scoring
from tests.integration.factories import make_lead, make_user, unique


def test_a_new_lead_gets_rule_points_on_save():
	lead = make_lead(source="Referral", company_name="Acme", phone="+49 30 5550199")
	assert lead.score_rule_points == 15 + 15 + 10 + 20
	assert 0 <= lead.lead_score <= 100 and lead.score_updated_on


@pytest.fixture
def history():
	"""Closed leads to learn from: Referral leads convert, Cold Call leads don't (rolled back afterwards)."""
	frappe.db.set_single_value("CRM Settings", {"min_history_for_learning": 1, "learned_score_weight": 100})
	source = frappe.get_doc({"doctype": "Lead Source", "source_name": unique("Src ")}).insert()
	for i in range(6):
		lead = make_lead(source="Referral" if i < 3 else "Cold Call")
		frappe.db.set_value("Lead", lead.name, "status", "Converted" if i < 3 else "Unqualified")
	frappe.cache.delete_value(scoring.MODEL_CACHE_KEY)
	yield source
	frappe.cache.delete_value(scoring.MODEL_CACHE_KEY)


def test_nightly_scoring_learns_from_history_and_scores_open_leads(history):
	good, bad = make_lead(source="Referral"), make_lead(source="Cold Call")
	chunks = []
	assert scoring.score_open_leads(after_chunk=lambda: chunks.append(1)) >= 2  # the job commits there
	assert len(chunks) >= 2  # after the model, and after each chunk of leads
	good_p, bad_p = (frappe.db.get_value("Lead", n, "score_probability") for n in (good.name, bad.name))
	assert good_p > bad_p
	model = scoring.learn_model(1)
	assert frappe.db.get_value("Lead", good.name, "lead_score") == round(
		100 * model.probability(scoring.feature_values(good.as_dict()))
	)


def test_a_settings_change_is_seen_by_the_next_lead_save(history):
	"""The lead save reads CRM Settings from Frappe's cached document: a change saved in the form or set in
	code (in the same transaction) applies to the very next save."""
	scoring.store_model(scoring.learn_model(1))
	seller, manager = make_user("Sales User"), make_user("CRM Manager")

	def lead_score() -> tuple[int, int, float]:
		frappe.set_user(seller.name)
		lead = make_lead(source="Referral")
		frappe.set_user("Administrator")
		return lead.lead_score, lead.score_rule_points, lead.score_probability / 100

	score, points, p = lead_score()
	assert score == scoring.combine(points, p, 100) == round(100 * p)

	frappe.set_user(manager.name)
	settings = frappe.get_doc("CRM Settings")
	settings.learned_score_weight = 0
	settings.save()
	score, points, _p = lead_score()
	assert score == points  # weight 0: the rule points alone

	frappe.db.set_single_value("CRM Settings", "learned_score_weight", 50)
	score, points, p = lead_score()
	assert score == scoring.combine(points, p, 50) != points


def test_follow_up_todo_is_created_once_for_an_untouched_open_lead():
	frappe.db.set_single_value("CRM Settings", "follow_up_days", 3)
	owner = make_user("Sales User")
	stale, fresh, closed = make_lead(lead_owner=owner.name), make_lead(), make_lead()
	old = add_days(now_datetime(), -5)
	frappe.db.set_value("Lead", stale.name, "modified", old, update_modified=False)
	frappe.db.set_value(
		"Lead", closed.name, {"modified": old, "status": "Unqualified"}, update_modified=False
	)

	before = frappe.db.count("ToDo")  # (the round robin may have assigned the leads: ToDos too)
	follow_up.follow_up_untouched_leads()
	todo = frappe.db.get_value("Lead", stale.name, "follow_up_todo")
	assert frappe.db.get_value("ToDo", todo, ["allocated_to", "reference_name"]) == (owner.name, stale.name)
	assert not frappe.db.get_value("Lead", fresh.name, "follow_up_todo")
	assert not frappe.db.get_value("Lead", closed.name, "follow_up_todo")

	follow_up.follow_up_untouched_leads()  # the second run creates nothing
	assert frappe.db.count("ToDo") == before + 1
	assert frappe.db.get_value("Lead", stale.name, "follow_up_todo") == todo


def test_follow_up_is_off_at_zero_days():
	frappe.db.set_single_value("CRM Settings", "follow_up_days", 0)
	assert follow_up.follow_up_untouched_leads() == 0


def test_new_leads_are_assigned_round_robin_among_sales_users():
	frappe.db.sql("update `tabUser` set enabled = 0 where name in %s", [routing.sales_users() or [""]])
	a, b = make_user("Sales User"), make_user("Sales User")
	make_user("Support Agent")  # not a seller
	routing.sync_round_robin_users()
	rule = frappe.get_doc("Assignment Rule", routing.RULE)
	assert sorted(u.user for u in rule.users) == sorted([a.name, b.name]) and not rule.disabled

	owners = [
		frappe.get_all(
			"ToDo", {"reference_type": "Lead", "reference_name": make_lead().name}, pluck="allocated_to"
		)
		for _ in range(4)
	]
	assert sorted(o[0] for o in owners) == sorted([a.name, b.name] * 2)
	assert owners[0] != owners[1]


def test_round_robin_without_sales_users_is_disabled_and_leads_still_save():
	frappe.db.sql("update `tabUser` set enabled = 0 where name in %s", [routing.sales_users() or [""]])
	routing.sync_round_robin_users()
	assert frappe.db.get_value("Assignment Rule", routing.RULE, "disabled") == 1
	assert make_lead().name


def test_nightly_chunks_cut_the_open_leads_in_name_order():
	"""The nightly job's chunk jobs (one per chunk_bounds range) cover every open lead once: each range
	starts at every chunk-th open lead in name order and ends where the next starts."""
	for _ in range(5):
		make_lead()
	names = frappe.get_all(
		"Lead", filters={"status": ("in", scoring.OPEN_STATES)}, pluck="name", order_by="name asc"
	)
	assert len(names) >= 5
	assert scoring.chunk_bounds(2) == list(zip(names[::2], [*names[2::2], None], strict=True))
	assert scoring.chunk_bounds(len(names)) == [(names[0], None)]
	covered = [
		n
		for first, until in scoring.chunk_bounds(2)
		for n in names
		if first <= n and (until is None or n < until)
	]
	assert covered == names
