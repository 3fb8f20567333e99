# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

# import frappe
from frappe.model.document import Document


class CustomerSegmentHistory(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		changed_on: DF.Datetime
		customer: DF.Link
		f_score: DF.Int
		from_segment: DF.Literal[
			"",
			"Champions",
			"Loyal",
			"Potential Loyalist",
			"New",
			"Promising",
			"Need Attention",
			"About to Sleep",
			"At Risk",
			"Can't Lose Them",
			"Hibernating",
			"Lost",
		]
		m_score: DF.Int
		name: DF.Int | None
		r_score: DF.Int
		to_segment: DF.Literal[
			"",
			"Champions",
			"Loyal",
			"Potential Loyalist",
			"New",
			"Promising",
			"Need Attention",
			"About to Sleep",
			"At Risk",
			"Can't Lose Them",
			"Hibernating",
			"Lost",
		]
	# end: auto-generated types
	pass
