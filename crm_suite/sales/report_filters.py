"""The filters every Sales report shares (date range, owner, source, campaign), written once.

`criterion` is the report's filters and the records the user may read as a `frappe.qb` criterion on a table
(the reports built with `frappe.qb`); `where` is the same criterion as parameterised SQL on a table alias
(the reports that stay raw SQL for their window functions or FORCE INDEX)."""

from dataclasses import dataclass

import frappe
from frappe import _
from frappe.query_builder.terms import NamedParameterWrapper
from frappe.utils import add_days, getdate
from pypika import Table
from pypika.terms import Criterion, EmptyCriterion

from crm_suite.sales.visibility import OWNER_FIELD
from crm_suite.utils.permissions import readable_criterion

OWNER_DOCTYPE = {field: doctype for doctype, field in OWNER_FIELD.items()}


@dataclass(frozen=True)
class Where:
	sql: str
	params: dict


def criterion(
	filters: dict | None,
	table: Table,
	date_column: str = "creation",
	owner_column: str = "lead_owner",
	date_is_datetime: bool = True,
	readable: bool = True,
) -> Criterion:
	"""What the user chose: `date_column` in [from_date, to_date], `owner_column` = owner, source, campaign;
	and (`readable`) only the records the user may read (crm_suite/utils/permissions.py: role permissions,
	User Permissions, the CRM Settings own-records rule, every permission query condition), so a report shows
	them only the leads or opportunities they may open.

	Datetime columns are compared as a half-open range (>= from, < to + 1 day) so their indexes are used.
	"""
	filters = frappe._dict(filters or {})
	from_date = getdate(filters.from_date) if filters.get("from_date") else None
	to_date = getdate(filters.to_date) if filters.get("to_date") else None
	if from_date and to_date and from_date > to_date:
		frappe.throw(_("From Date must be on or before To Date."), title=_("Invalid Filters"))
	parts = []
	if from_date:
		parts.append(table[date_column] >= from_date)
	if to_date:
		parts.append(
			table[date_column] < add_days(to_date, 1) if date_is_datetime else table[date_column] <= to_date
		)
	for key, column in (("owner", owner_column), ("source", "source"), ("campaign", "campaign")):
		if filters.get(key):
			parts.append(table[column] == filters.get(key))
	if readable and (doctype := OWNER_DOCTYPE.get(owner_column)):
		parts.append(readable_criterion(doctype, table.name))
	return Criterion.all(parts)


def where(filters: dict | None, alias: str, *args, **kwargs) -> Where:
	"""`criterion` on the table alias `alias`, as SQL with parameters (%(param1)s, …)."""
	return as_sql(criterion(filters, Table(alias), *args, **kwargs))


def as_sql(condition: Criterion) -> Where:
	if isinstance(condition, EmptyCriterion):  # no filter
		return Where("1 = 1", {})
	params = NamedParameterWrapper()
	sql = condition.get_sql(param_wrapper=params, with_namespace=True, quote_char="`")
	return Where(sql, params.get_parameters())


def percent(part: float, whole: float) -> float:
	return round(100.0 * part / whole, 2) if whole else 0.0
