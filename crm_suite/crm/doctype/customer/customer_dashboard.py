from frappe import _


def get_data():
	return {
		"fieldname": "customer",
		"transactions": [
			{"label": _("Sales"), "items": ["Lead", "Opportunity"]},
			{"label": _("Support"), "items": ["Ticket"]},
		],
	}
