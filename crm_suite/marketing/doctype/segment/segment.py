# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import json

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime

from crm_suite.marketing.segments import (
	build_filters,
	count_members,
	count_readable_members,
	validate_filters,
)


class Segment(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from crm_suite.marketing.doctype.segment_condition.segment_condition import SegmentCondition
		from crm_suite.marketing.doctype.segment_member.segment_member import SegmentMember

		based_on: DF.Literal["Customer", "Lead"]
		conditions: DF.Table[SegmentCondition]
		counted_on: DF.Datetime | None
		description: DF.SmallText | None
		filters_json: DF.Code | None
		match: DF.Literal["All", "Any"]
		member_count: DF.Int
		members: DF.Table[SegmentMember]
		segment_name: DF.Data
		segment_type: DF.Literal["Filter Conditions", "Static List"]
	# end: auto-generated types

	def _validate_links(self):
		# members are Dynamic Links to the segment's doctype: fill their type before Frappe checks the links
		for m in self.get("members") or []:
			m.member_doctype = self.based_on
		super()._validate_links()

	def validate(self):
		if self.segment_type == "Static List":
			validate_filters(self.based_on, [])
			title_field = frappe.get_meta(self.based_on).title_field or "name"
			names = [m.member for m in self.members if m.member]
			titles = dict(
				frappe.get_all(
					self.based_on,
					filters={"name": ("in", names or [""])},
					fields=["name", title_field],
					as_list=True,
				)
			)
			for m in self.members:
				m.member_doctype = self.based_on
				m.member_title = titles.get(m.member)
			self.filters_json = None
		else:
			self.filters_json = json.dumps(build_filters(self.based_on, self.conditions), indent=1)
		self.member_count = count_members(self)
		self.counted_on = now_datetime()

	@frappe.whitelist()
	def refresh_count(self) -> int:
		"""The members the caller may read (the stored member count is every member)."""
		self.check_permission("read")
		return count_readable_members(self)
