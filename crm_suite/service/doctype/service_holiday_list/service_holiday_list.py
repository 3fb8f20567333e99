# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class ServiceHolidayList(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from crm_suite.service.doctype.service_holiday.service_holiday import ServiceHoliday

		holiday_list_name: DF.Data
		holidays: DF.Table[ServiceHoliday]
	# end: auto-generated types

	def validate(self):
		seen = set()
		for row in self.holidays:
			if row.holiday_date in seen:
				frappe.throw(
					_("Row {0}: {1} is listed twice").format(
						row.idx, frappe.format(row.holiday_date, "Date")
					),
					title=_("Duplicate Holiday"),
				)
			seen.add(row.holiday_date)
		self.holidays.sort(key=lambda r: str(r.holiday_date))
		for i, row in enumerate(self.holidays, 1):
			row.idx = i

	def on_update(self):
		from crm_suite.service.sla import clear_sla_cache, enqueue_recompute

		clear_sla_cache()
		# open tickets under the agreements using this list follow the new holidays (in the background)
		enqueue_recompute(
			frappe.get_all("Service Level Agreement", filters={"holiday_list": self.name}, pluck="name")
		)
