"""Checks shared by the suite's doctypes. Each raises `frappe.ValidationError` with a translated message."""

import frappe
from frappe import _
from frappe.utils import getdate


def validate_percent(value: float | None, label: str) -> None:
	if value is not None and not 0 <= value <= 100:
		frappe.throw(
			_("{0} must be between 0 and 100, not {1}.").format(_(label), value), title=_("Invalid Value")
		)


def validate_non_negative(value: float | None, label: str) -> None:
	if value is not None and value < 0:
		frappe.throw(_("{0} cannot be negative ({1}).").format(_(label), value), title=_("Invalid Value"))


def validate_date_order(start, end, start_label: str, end_label: str) -> None:
	if start and end and getdate(end) < getdate(start):
		frappe.throw(
			_("{0} ({1}) cannot be before {2} ({3}).").format(_(end_label), end, _(start_label), start),
			title=_("Invalid Dates"),
		)
