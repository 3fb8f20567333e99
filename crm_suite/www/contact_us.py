"""/contact-us: the public lead capture form (posts to crm_suite.crm.web_to_lead.capture_lead).

UTM parameters in the page's URL (?utm_source=…&utm_campaign=…) travel with the submission.
"""

import frappe
from frappe import _

no_cache = 1

UTM = ("utm_source", "utm_medium", "utm_campaign", "campaign")


def get_context(context):
	context.title = _("Contact Us")
	context.utm = {k: (frappe.form_dict.get(k) or "")[:140] for k in UTM}
	return context
