# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class LeadImportChunk(Document):
	"""Written by crm_suite.sales.bulk_import in the transaction of the chunk's leads (the Data Import Log
	is MyISAM: its rows survive a rollback, so they cannot say which rows went in)."""

	pass
