# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

# import frappe
from frappe.model.document import Document


class AssociationRule(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		antecedent: DF.Link
		antecedent_count: DF.Int
		basket_count: DF.Int
		computed_on: DF.Datetime | None
		confidence: DF.Float
		consequent: DF.Link
		consequent_count: DF.Int
		conviction: DF.Float
		lift: DF.Float
		name: DF.Int | None
		pair_count: DF.Int
		support: DF.Float
	# end: auto-generated types
	pass
