"""Activity Settings (a Single): reminder lead time, the morning digest, My Day's thresholds."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint

from crm_suite.activities import rules

SETTINGS = "Activity Settings"
DEFAULTS = {
	"reminder_minutes": 15,
	"reminder_email": 1,
	"send_digest": 1,
	"digest_hour": 7,
	"hot_lead_score": 70,
	"hot_lead_idle_days": 3,
	"ticket_at_risk_minutes": 120,
	"at_risk_segments": "At Risk\nCan't Lose Them\nAbout to Sleep",
	"include_churn_risk": 1,
	"missed_call_days": 7,
}


def get_settings() -> frappe._dict:
	"""The settings with their defaults for values never saved (a site migrated before the Single had them)."""
	stored = frappe.db.get_singles_dict(SETTINGS, cast=True)
	values = frappe._dict(DEFAULTS)
	for key in DEFAULTS:
		if stored.get(key) is not None and stored.get(key) != "":
			values[key] = stored[key]
	for key in DEFAULTS:
		if key != "at_risk_segments":
			values[key] = cint(values[key])
	values.segments = rules.at_risk_segments(values.at_risk_segments)
	return values


def validate_settings(doc) -> None:
	if not 0 <= cint(doc.digest_hour) <= 23:
		frappe.throw(_("The digest hour is between 0 and 23."), title=_("Invalid Hour"))
	if not 0 <= cint(doc.hot_lead_score) <= 100:
		frappe.throw(_("The hot lead score is between 0 and 100."), title=_("Invalid Score"))
	for field in ("reminder_minutes", "hot_lead_idle_days", "ticket_at_risk_minutes", "missed_call_days"):
		if cint(doc.get(field)) < 0:
			frappe.throw(
				_("{0} cannot be negative.").format(_(doc.meta.get_label(field))), title=_("Invalid Value")
			)
	known = set((frappe.get_meta("Customer").get_field("rfm_segment").options or "").split("\n")) - {""}
	unknown = [s for s in rules.at_risk_segments(doc.at_risk_segments) if s not in known]
	if unknown:
		frappe.throw(
			_("Unknown RFM segment(s): {0}. Known: {1}.").format(
				", ".join(unknown), ", ".join(sorted(known))
			),
			title=_("Invalid Segments"),
		)
