"""Lead score (0–100) = a rule-based part and a learned part.

    score = round((1 − w) · rule_points + w · 100 · p)        w = CRM Settings "Weight of the Learned Score"

`rule_points` (0–100) rewards filled-in contact data, the lead source, progress and engagement (see
`rule_points`). `p` is the lead's conversion probability estimated by a naive-Bayes model learned each
night from this site's closed leads (Converted = won, Unqualified = lost), as Odoo's predictive lead
scoring does:

    log-odds = ln((W + 1) / (L + 1)) + Σ_f [ ln P(v_f | won) − ln P(v_f | lost) ]
    P(v | won) = (won leads with value v + 1) / (W + n_f + 1)        (Laplace smoothing; n_f = values of f)
    p = 1 / (1 + e^(−log-odds))

W and L are the numbers of won and lost leads, f runs over FEATURES. The counts are one GROUP BY per
feature; the nightly job stores the model in CRM Settings (and the cache) and scores open leads in chunks.
A lead saved during the day is scored with the stored model. With fewer than "Minimum Closed Leads to Learn
From" closed leads (or none won or none lost) there is no model and the score is the rule points alone.
"""

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Count, IfNull
from frappe.utils import cint, flt, now_datetime

from crm_suite.sales.isolation import run_isolated, transaction_lost
from crm_suite.utils import singles
from crm_suite.utils.reports import count_if

OPEN_STATES = ("New", "Contacted", "Qualified")
MODEL_CACHE_KEY = "crm_suite:lead_score_model"
CHUNK = 2000

# A source's points are the Lead Source's `score_points` (set per source in the desk); a source without
# them scores these.
DEFAULT_SOURCE_POINTS = 5
STATUS_POINTS = {"Contacted": 5, "Qualified": 10, "Converted": 10}
POINTS_PER_INTERACTION, MAX_INTERACTIONS = 5, 3

# feature -> frappe.qb expression over Lead giving the value the model counts
FEATURES: dict[str, Callable] = {
	"source": lambda lead: IfNull(lead.source, ""),
	"campaign": lambda lead: IfNull(lead.campaign, ""),
	"industry": lambda lead: IfNull(lead.industry, ""),
	"territory": lambda lead: IfNull(lead.territory, ""),
	"country": lambda lead: IfNull(lead.country, ""),
	"has_company": lambda lead: Case().when(IfNull(lead.company_name, "") == "", "0").else_("1"),
	"has_phone": lambda lead: (
		Case().when(Coalesce(lead.phone_e164, lead.mobile_e164).isnull(), "0").else_("1")
	),
}


def feature_values(lead: Mapping) -> dict[str, str]:
	"""The model's feature values for one lead (the Python twin of FEATURES)."""
	return {
		"source": lead.get("source") or "",
		"campaign": lead.get("campaign") or "",
		"industry": lead.get("industry") or "",
		"territory": lead.get("territory") or "",
		"country": lead.get("country") or "",
		"has_company": "1" if lead.get("company_name") else "0",
		"has_phone": "1" if (lead.get("phone_e164") or lead.get("mobile_e164")) else "0",
	}


# what rule_points and feature_values read of a lead
SCORED_FIELDS = (
	*("email_id", "phone", "mobile_no", "company_name", "job_title", "website", "industry"),
	*("source", "status", "campaign", "territory", "country", "phone_e164", "mobile_e164"),
)


def rule_points(lead: Mapping, interactions: int = 0, source_points: int | None = None) -> int:
	"""0–100: email 15, a phone 15, organisation 10, job title 5, website 5, industry 5 (data, max 55);
	the lead source's points (`source_points`, its Lead Source's score_points: 20 for referrals and
	partners as shipped; DEFAULT_SOURCE_POINTS when not given); Contacted 5 / Qualified 10; 5 per
	communication or comment on the lead, at most 15."""
	points = 0
	points += 15 if lead.get("email_id") else 0
	points += 15 if (lead.get("phone") or lead.get("mobile_no")) else 0
	points += 10 if lead.get("company_name") else 0
	points += 5 if lead.get("job_title") else 0
	points += 5 if lead.get("website") else 0
	points += 5 if lead.get("industry") else 0
	source = lead.get("source")
	if source:
		points += DEFAULT_SOURCE_POINTS if source_points is None else cint(source_points)
	points += STATUS_POINTS.get(lead.get("status"), 0)
	points += POINTS_PER_INTERACTION * min(max(cint(interactions), 0), MAX_INTERACTIONS)
	return min(points, 100)


@dataclass
class Model:
	"""Naive-Bayes log-likelihood ratios per feature value (see the module docstring)."""

	prior_log_odds: float
	ratios: dict[str, dict[str, float]] = field(default_factory=dict)
	unseen: dict[str, float] = field(default_factory=dict)
	won: int = 0
	lost: int = 0

	def probability(self, values: Mapping[str, str]) -> float:
		log_odds = self.prior_log_odds
		for feature, value in values.items():
			log_odds += self.ratios.get(feature, {}).get(value, self.unseen.get(feature, 0.0))
		if log_odds > 700:  # math.exp overflows near 710
			return 1.0
		return 1.0 / (1.0 + math.exp(-log_odds))

	def as_dict(self) -> dict:
		return {
			"prior_log_odds": self.prior_log_odds,
			"ratios": self.ratios,
			"unseen": self.unseen,
			"won": self.won,
			"lost": self.lost,
		}


def build_model(
	won: int, lost: int, counts: Mapping[str, Iterable[tuple[str, int, int]]], alpha: float = 1.0
) -> Model | None:
	"""A model from totals and per-feature (value, won count, lost count) rows; None without both classes."""
	if won <= 0 or lost <= 0:
		return None
	model = Model(prior_log_odds=math.log((won + alpha) / (lost + alpha)), won=won, lost=lost)
	for feature, rows in counts.items():
		rows = list(rows)
		n = len(rows) + 1  # + one slot for values never seen
		won_denominator, lost_denominator = won + alpha * n, lost + alpha * n
		model.ratios[feature] = {
			value: math.log((w + alpha) / won_denominator) - math.log((lo + alpha) / lost_denominator)
			for value, w, lo in rows
		}
		model.unseen[feature] = math.log(alpha / won_denominator) - math.log(alpha / lost_denominator)
	return model


def combine(points: int, probability: float | None, learned_weight: float) -> int:
	"""The final 0–100 score from the rule points and the learned probability (0–1, or None)."""
	if probability is None:
		return max(0, min(100, cint(points)))
	w = max(0.0, min(1.0, flt(learned_weight) / 100.0))
	return max(0, min(100, round((1 - w) * points + w * 100 * probability)))


# --- the site's data -------------------------------------------------------------------------------


def settings() -> tuple[float, int]:
	"""(weight of the learned score, minimum closed leads to learn from). Read from Frappe's cached CRM
	Settings document, as every lead save reads it: Frappe drops that cache when the settings are saved
	or set (`frappe.db.set_single_value`), and again after the commit or rollback."""
	values = frappe.get_cached_doc("CRM Settings")
	weight = values.get("learned_score_weight")
	minimum = values.get("min_history_for_learning")
	return (flt(weight) if weight is not None else 60.0, cint(minimum) if minimum is not None else 20)


@frappe.read_only()
def learn_model(min_history: int) -> Model | None:
	"""Counts per feature value over closed leads: one GROUP BY per feature. Read-only, so with
	`read_from_replica` the nightly job learns on the replica (a model of last night's history)."""
	lead = frappe.qb.DocType("Lead")
	history = (
		frappe.qb.from_(lead)
		.select(count_if(lead.status == "Converted"), count_if(lead.status == "Unqualified"))
		.where(lead.status.isin(["Converted", "Unqualified"]) & lead.merged_into.isnull())
	)
	won, lost = history.run()[0]
	won, lost = cint(won), cint(lost)
	if won + lost < max(min_history, 1):
		return None
	counts = {}
	for feature, expression in FEATURES.items():
		value = expression(lead)
		rows = history.select(value).groupby(value).run()
		counts[feature] = [(v, cint(w), cint(lo)) for w, lo, v in rows]
	return build_model(won, lost, counts)


def cached_model() -> Model | None:
	"""The model of the last nightly run: from the cache, else from CRM Settings (where the job stores
	it). Never learned here, so saving a lead stays cheap; before the first nightly run there is none."""
	cached = frappe.cache.get_value(MODEL_CACHE_KEY)
	if cached is None:
		stored = frappe.db.get_single_value("CRM Settings", "lead_score_model")
		cached = frappe.parse_json(stored) if stored else {}
		frappe.cache.set_value(MODEL_CACHE_KEY, cached, expires_in_sec=24 * 3600)
	return Model(**cached) if cached else None


def store_model(model: Model | None) -> None:
	value = model.as_dict() if model else {}
	singles.set_single_value(
		"CRM Settings",
		{"lead_score_model": frappe.as_json(value) if model else None, "model_updated_on": now_datetime()},
	)
	frappe.cache.set_value(MODEL_CACHE_KEY, value, expires_in_sec=24 * 3600)


def interactions_of(lead_names: list[str]) -> dict[str, int]:
	"""Communications, user comments and Interactions per lead (one GROUP BY each)."""
	if not lead_names:
		return {}
	counts: dict[str, int] = {}
	communication, comment = frappe.qb.DocType("Communication"), frappe.qb.DocType("Comment")
	queries = [
		(communication, communication.reference_name, communication.reference_doctype == "Lead"),
		(
			comment,
			comment.reference_name,
			(comment.reference_doctype == "Lead") & (comment.comment_type == "Comment"),
		),
	]
	if interaction_table_exists():
		interaction = frappe.qb.DocType("Interaction")
		queries.append((interaction, interaction.lead, None))
	for table, lead, condition in queries:
		query = frappe.qb.from_(table).select(lead, Count("*")).where(lead.isin(lead_names)).groupby(lead)
		for name, n in (query.where(condition) if condition is not None else query).run():
			counts[name] = counts.get(name, 0) + cint(n)
	return counts


def interaction_table_exists() -> bool:
	"""Interactions (calls, meetings) count as engagement where the contact-center module is installed."""
	if frappe.flags.crm_interaction_table is None:
		frappe.flags.crm_interaction_table = bool(frappe.db.table_exists("Interaction"))
	return frappe.flags.crm_interaction_table


def source_points_of(source: str | None) -> int | None:
	return frappe.get_cached_value("Lead Source", source, "score_points") if source else None


def set_score(lead) -> None:
	"""Lead.validate: score the lead with its current data and the cached model."""
	weight, _minimum = settings()
	interactions = 0 if lead.is_new() else interactions_of([lead.name]).get(lead.name, 0)
	values = {fieldname: lead.get(fieldname) for fieldname in SCORED_FIELDS}
	lead.score_rule_points = rule_points(values, interactions, source_points_of(lead.source))
	model = cached_model()
	probability = model.probability(feature_values(values)) if model else None
	lead.score_probability = round(probability * 100, 2) if probability is not None else 0
	lead.lead_score = combine(lead.score_rule_points, probability, weight)
	lead.score_updated_on = now_datetime()


def update_lead_scores() -> int:
	"""Nightly (daily_long): re-learn and store the model, then queue the scoring of the open leads as one
	long-queue job per chunk of CHUNK leads (`score_lead_range`), so every worker on the long queue takes a
	share. Each chunk job scores with the stored model and commits its chunk; a chunk whose worker died is
	scored again by the next run (the result depends only on what is stored). Returns the number of jobs."""
	learn_and_store_model()
	frappe.db.commit()
	bounds = chunk_bounds(chunk_size())
	for first, until in bounds:
		frappe.enqueue(
			"crm_suite.sales.scoring.score_lead_range",
			queue="long",
			job_id=f"crm_suite-lead-scores::{frappe.local.site}::{first}",
			deduplicate=True,
			first=first,
			until=until,
		)
	return len(bounds)


def chunk_size() -> int:
	"""Leads per nightly chunk job: CHUNK, or the site config's `lead_score_chunk_size` (smaller chunks
	spread more evenly over the workers; each job costs a fork and a connection)."""
	return cint(frappe.conf.get("lead_score_chunk_size")) or CHUNK


def chunk_bounds(chunk: int = CHUNK) -> list[tuple[str, str | None]]:
	"""(first name, next chunk's first name or None) for chunks of `chunk` open leads in name order.

	Raw SQL: a window function numbers the open leads in one index scan and keeps every chunk-th name."""
	firsts = frappe.db.sql_list(
		"""select name from (
			select name, row_number() over (order by name) as n from `tabLead` where status in %(open)s
		) t where mod(n - 1, %(chunk)s) = 0 order by name""",
		{"open": OPEN_STATES, "chunk": chunk},
	)
	return list(zip(firsts, [*firsts[1:], None], strict=True))


def score_lead_range(first: str, until: str | None = None) -> int:
	"""One chunk job of the nightly scoring: the open leads named from `first` up to (not including)
	`until`, scored with the stored model, written and committed. Safe to run again."""
	weight, _minimum = settings()
	done = score_leads(open_leads(first, until), cached_model(), weight)
	frappe.db.commit()
	return done


def learn_and_store_model():
	_weight, minimum = settings()
	model = learn_model(minimum)
	store_model(model)
	return model


LEAD_COLUMNS = "name, status, email_id, phone, mobile_no, company_name, job_title, website, industry, source, campaign, territory, country, phone_e164, mobile_e164"


def open_leads(first: str, until: str | None = None, limit: int | None = None, after: bool = False) -> list:
	"""Open leads in name order from `first` (or after it), up to `until` (exclusive), at most `limit`."""
	lead, source = frappe.qb.DocType("Lead"), frappe.qb.DocType("Lead Source")
	condition = lead.status.isin(OPEN_STATES) & (lead.name > first if after else lead.name >= first)
	if until is not None:
		condition &= lead.name < until
	source_points = frappe.qb.from_(source).select(source.score_points).where(source.name == lead.source)
	query = (
		frappe.qb.from_(lead)
		.select(*LEAD_COLUMNS.split(", "), source_points.as_("source_points"))
		.where(condition)
		.orderby(lead.name)
	)
	return (query.limit(limit) if limit else query).run(as_dict=True)


def score_open_leads(after_chunk: Callable[[], None] | None = None) -> int:
	"""Re-learn the model and re-score every open lead in chunks, in this process (the demo and tests; the
	nightly job queues the chunks instead); `after_chunk` runs after the model is stored and after each
	chunk. A lead that fails is logged to the Error Log and skipped (it keeps its old score); the rest go
	on. Returns the number of leads scored."""
	weight, _minimum = settings()
	model = learn_and_store_model()
	if after_chunk:
		after_chunk()
	last, done = "", 0
	while rows := open_leads(last, limit=CHUNK, after=True):
		done += score_leads(rows, model, weight)
		if after_chunk:
			after_chunk()
		last = rows[-1].name
	return done


def score_leads(rows: list, model: Model | None, weight: float) -> int:
	"""Score and write these leads (one UPDATE); a lead that fails is logged and skipped."""
	if not rows:
		return 0
	interactions = interactions_of([r.name for r in rows])
	scores = []
	for r in rows:
		try:
			scores.append(score_of(r, interactions.get(r.name, 0), model, weight))
		except Exception:  # nothing written yet: log and go on
			frappe.log_error(
				_("Scoring lead {0} failed").format(r.name),
				reference_doctype="Lead",
				reference_name=r.name,
			)
	return write_chunk(scores, now_datetime())


def score_of(lead: Mapping, interactions: int, model: Model | None, weight: float) -> tuple:
	"""(name, rule points, probability %, score) of one lead."""
	points = rule_points(lead, interactions, lead.get("source_points"))
	p = model.probability(feature_values(lead)) if model else None
	return (lead["name"], points, round(p * 100, 2) if p is not None else 0, combine(points, p, weight))


def write_chunk(scores: list[tuple[str, int, float, int]], now) -> int:
	"""One UPDATE for the chunk; if that fails, lead by lead, so one lead that can't be written (e.g. a row
	locked past the lock wait timeout) is logged and skipped and the others are still written. Returns
	the number of leads written."""
	save_point = f"crm_{frappe.generate_hash(length=10)}"
	frappe.db.savepoint(save_point)
	try:
		write_scores(scores, now)
	except Exception as e:
		if transaction_lost(e):  # a deadlock: no savepoint left to go back to, the job stops
			raise
		frappe.db.rollback(save_point=save_point)
		return sum(
			run_isolated(
				lambda score=score: write_scores([score], now),
				"Lead",
				score[0],
				_("Saving the score of lead {0} failed").format(score[0]),
			)
			for score in scores
		)
	frappe.db.release_savepoint(save_point)
	return len(scores)


def write_scores(scores: list[tuple[str, int, float, int]], now) -> None:
	"""One UPDATE per chunk: CASE on the name for each score column (raw SQL: a multi-row statement)."""
	if not scores:
		return
	params: dict[str, object] = {"now": now, "names": [s[0] for s in scores]}
	cases = {"score_rule_points": [], "score_probability": [], "lead_score": []}
	for i, (name, points, probability, score) in enumerate(scores):
		params[f"n{i}"], params[f"r{i}"], params[f"p{i}"], params[f"s{i}"] = name, points, probability, score
		cases["score_rule_points"].append(f"when %(n{i})s then %(r{i})s")
		cases["score_probability"].append(f"when %(n{i})s then %(p{i})s")
		cases["lead_score"].append(f"when %(n{i})s then %(s{i})s")
	assignments = ", ".join(f"`{col}` = case name {' '.join(whens)} end" for col, whens in cases.items())
	frappe.db.sql(
		# forced to the primary key: locks these leads only, never a scan of the table (docs/sales.md)
		f"update `tabLead` force index (primary) set {assignments}, score_updated_on = %(now)s where name in %(names)s",
		params,
	)
