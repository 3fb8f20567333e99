import frappe

from crm_suite.setup.install import LEAD_SOURCE_POINTS


def execute():
	"""Sites from before Lead Source had score_points: the shipped sources get the points the score used to
	give them from a constant (the new column starts at its default, 5, for every existing source)."""
	for source, points in LEAD_SOURCE_POINTS.items():
		frappe.db.set_value("Lead Source", {"name": source, "score_points": 5}, "score_points", points)
