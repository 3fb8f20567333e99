# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from crm_suite.setup import indexes


class ActivityDigestLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		digest_date: DF.Date
		due_today: DF.Int
		overdue: DF.Int
		user: DF.Link
	# end: auto-generated types
	pass


def on_doctype_update():
	"""Its indexes (crm_suite/setup/indexes.py)."""
	indexes.apply("Activity Digest Log")
