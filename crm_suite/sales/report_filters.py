"""The filters every Sales report shares (date range, owner, source, campaign) as parameterised SQL."""

from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import add_days, getdate

from crm_suite.sales.visibility import OWNER_FIELD
from crm_suite.utils.permissions import ALL, readable_condition

OWNER_DOCTYPE = {field: doctype for doctype, field in OWNER_FIELD.items()}


@dataclass(frozen=True)
class Where:
	sql: str
	params: dict


def where(
	filters: dict | None,
	alias: str,
	date_column: str = "creation",
	owner_column: str = "lead_owner",
	date_is_datetime: bool = True,
) -> Where:
	"""The report's filters (`filter_condition`) and only the records the user may read
	(crm_suite/utils/permissions.py: role permissions, User Permissions, the CRM Settings own-records rule,
	every permission query condition), so a report shows them only the leads or opportunities they may
	open."""
	chosen = filter_condition(filters, alias, date_column, owner_column, date_is_datetime)
	doctype = OWNER_DOCTYPE.get(owner_column)
	if doctype and (rule := readable_condition(doctype, f"{alias}.`name`")) != ALL:
		return Where(f"{chosen.sql} and {rule}", chosen.params)
	return chosen


def filter_condition(
	filters: dict | None,
	alias: str,
	date_column: str = "creation",
	owner_column: str = "lead_owner",
	date_is_datetime: bool = True,
) -> Where:
	"""What the user chose: `alias.date_column` in [from_date, to_date], `alias.owner_column` = owner,
	source, campaign; pure SQL with parameters (`where` adds the records the user may read).

	Datetime columns are compared as a half-open range (>= from, < to + 1 day) so their indexes are used.
	"""
	filters = frappe._dict(filters or {})
	parts, params = ["1 = 1"], {}
	from_date = getdate(filters.from_date) if filters.get("from_date") else None
	to_date = getdate(filters.to_date) if filters.get("to_date") else None
	if from_date and to_date and from_date > to_date:
		frappe.throw(_("From Date must be on or before To Date."), title=_("Invalid Filters"))
	if from_date:
		parts.append(f"{alias}.`{date_column}` >= %(from_date)s")
		params["from_date"] = from_date
	if to_date:
		if date_is_datetime:
			parts.append(f"{alias}.`{date_column}` < %(to_date)s")
			params["to_date"] = add_days(to_date, 1)
		else:
			parts.append(f"{alias}.`{date_column}` <= %(to_date)s")
			params["to_date"] = to_date
	for key, column in (("owner", owner_column), ("source", "source"), ("campaign", "campaign")):
		if filters.get(key):
			parts.append(f"{alias}.`{column}` = %({key})s")
			params[key] = filters.get(key)
	return Where(" and ".join(parts), params)


def percent(part: float, whole: float) -> float:
	return round(100.0 * part / whole, 2) if whole else 0.0
