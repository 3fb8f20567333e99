"""The lead score's pure parts: rule points, the naive-Bayes model and how they combine."""

import math

import pytest

from crm_suite.sales.scoring import SCORED_FIELDS, build_model, combine, feature_values, rule_points


def test_empty_lead_scores_zero_and_a_complete_engaged_lead_scores_100():
	assert rule_points({}) == 0
	full = {
		"email_id": "a@b.c",
		"phone": "1",
		"company_name": "Acme",
		"job_title": "CEO",
		"website": "acme.test",
		"industry": "Retail",
		"source": "Referral",
		"status": "Qualified",
	}
	assert rule_points(full, interactions=3, source_points=20) == 100
	assert rule_points(full, interactions=50, source_points=20) == 100  # engagement is capped
	assert rule_points(full, interactions=3, source_points=5) == 85


@pytest.mark.parametrize(
	"lead, source_points, points",
	[
		({"email_id": "a@b.c"}, None, 15),
		({"mobile_no": "1"}, None, 15),
		({"source": "Cold Call"}, 5, 5),
		({"source": "Some New Source"}, None, 5),  # a source without points: DEFAULT_SOURCE_POINTS
		({"source": "Partner", "status": "Contacted"}, 20, 25),
		({"source": "Partner"}, 0, 0),
		({"email_id": "a@b.c"}, 20, 15),  # no source: its points do not count
	],
)
def test_rule_points_per_field(lead, source_points, points):
	assert rule_points(lead, source_points=source_points) == points


def test_negative_interactions_count_as_none():
	assert rule_points({}, interactions=-4) == 0


def test_model_needs_won_and_lost_history():
	assert build_model(0, 10, {}) is None
	assert build_model(10, 0, {}) is None


def test_model_matches_the_hand_computed_naive_bayes_probability():
	# 30 won, 70 lost; source Referral: 20 won / 10 lost, Cold Call: 10 won / 60 lost
	model = build_model(30, 70, {"source": [("Referral", 20, 10), ("Cold Call", 10, 60)]})
	n = 3  # two seen values + one for unseen
	log_odds = math.log(31 / 71) + math.log((21 / (30 + n)) / (11 / (70 + n)))
	assert model.probability({"source": "Referral"}) == pytest.approx(1 / (1 + math.exp(-log_odds)))
	assert model.probability({"source": "Referral"}) > model.probability({"source": "Cold Call"})
	unseen = model.probability({"source": "Never Seen"})
	assert 0 < unseen < 1


def test_combine_weights_rules_and_probability():
	assert combine(50, None, 60) == 50  # no model: rules alone
	assert combine(50, 1.0, 60) == 80  # 0.4·50 + 0.6·100
	assert combine(50, 0.0, 0) == 50
	assert combine(100, 1.0, 250) == 100  # weight clamped to 100 %


def test_feature_values_mirror_the_sql_features():
	values = feature_values({"source": "Website", "company_name": "Acme", "mobile_e164": "+4930"})
	assert values["source"] == "Website" and values["has_company"] == "1" and values["has_phone"] == "1"
	assert values["campaign"] == "" and values["industry"] == ""


def test_a_save_scores_from_the_scored_fields_alone():
	"""set_score hands the rules only SCORED_FIELDS of the lead: every field they read is among them."""
	lead = {
		"email_id": "a@b.c",
		"mobile_no": "1",
		"company_name": "Acme",
		"job_title": "CEO",
		"website": "acme.test",
		"industry": "Retail",
		"source": "Partner",
		"status": "Contacted",
		"campaign": "Spring",
		"territory": "North",
		"country": "Italy",
		"mobile_e164": "+391",
		"notes": "not scored",
		"city": "Rome",
	}
	scored = {fieldname: lead.get(fieldname) for fieldname in SCORED_FIELDS}
	assert rule_points(scored, 2, 20) == rule_points(lead, 2, 20)
	assert feature_values(scored) == feature_values(lead)
	for fieldname in SCORED_FIELDS:  # and each one counts: on its own it changes a result
		alone = {fieldname: lead[fieldname] if fieldname in lead else "x"}
		assert (rule_points(alone), feature_values(alone)) != (rule_points({}), feature_values({})), fieldname
