# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class ActivityDigestLog(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass


def on_doctype_update():
	frappe.db.add_unique(
		"Activity Digest Log", ["user", "digest_date"], constraint_name="crm_digest_user_date"
	)
