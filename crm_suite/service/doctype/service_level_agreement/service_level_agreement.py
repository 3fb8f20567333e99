# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from crm_suite.service.sla import clear_sla_cache, enqueue_recompute, validate_agreement


class ServiceLevelAgreement(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from crm_suite.service.doctype.sla_priority.sla_priority import SLAPriority
		from crm_suite.service.doctype.sla_service_hours.sla_service_hours import SLAServiceHours

		customer_group: DF.Link | None
		default_sla: DF.Check
		enabled: DF.Check
		holiday_list: DF.Link | None
		priorities: DF.Table[SLAPriority]
		service_hours: DF.Table[SLAServiceHours]
		sla_name: DF.Data
		ticket_type: DF.Link | None
		time_zone: DF.Autocomplete | None
	# end: auto-generated types

	def validate(self):
		validate_agreement(self)

	def on_update(self):
		clear_sla_cache()
		if not self.flags.in_insert:
			# open tickets follow new hours, holidays or times (set-based, in the background)
			enqueue_recompute([self.name])
