"""Which rows a caller may read, as SQL that the app's reports, counts, number cards, previews and
cross-sell add to their own set-based queries.

`readable_condition(doctype, column)` is "<column> in (<Frappe's own list query for doctype>)": the query
`frappe.get_list` would run for the user, so it carries every record rule Frappe applies there (role
permissions, User Permissions, `permission_query_conditions` hooks such as the portal rules and the
own-records option of CRM Settings, permission-query Server Scripts, if-owner rules, shares). It is
"1 = 1" when no record rule applies to the user and "1 = 0" when they may read no record of the doctype.
docs/security.md lists where each rule is enforced.
"""

from __future__ import annotations

import frappe

from crm_suite.activities.permissions import readable_subquery

ALL, NONE = "1 = 1", "1 = 0"


def may_read_doctype(doctype: str, user: str | None = None) -> bool:
	user = user or frappe.session.user
	return bool(frappe.has_permission(doctype, "read", user=user))


def readable_condition(doctype: str, column: str, user: str | None = None, params: bool = True) -> str:
	"""SQL keeping the rows whose `column` names a `doctype` record `user` (default: the session user) may
	read. `params`: the caller runs the statement with parameters (its literal % must be doubled)."""
	user = user or frappe.session.user
	if not may_read_doctype(doctype, user):
		return NONE
	rule = readable_subquery(doctype, user)
	if not rule:
		return ALL
	return f"{column} in ({rule.replace('%', '%%') if params else rule})"


def readable_criterion(doctype: str, field, user: str | None = None):
	"""`readable_condition` for a `frappe.qb` query: a criterion on the qb field `field`."""
	from pypika.terms import Criterion

	class _Raw(Criterion):
		def __init__(self, sql: str):
			super().__init__()
			self.sql = sql

		def get_sql(self, **kwargs) -> str:
			return self.sql

	column = field.get_sql(with_namespace=True, quote_char="`")
	return _Raw(readable_condition(doctype, column, user))
