"""SQL on session-scoped temporary tables inside a running transaction."""

import frappe


def temp_table_sql(query: str, values=None):
	"""CREATE/DROP TEMPORARY TABLE never commits in MariaDB (the manual: "CREATE TABLE causes an implicit
	commit, except when used with the TEMPORARY keyword"), but Frappe's implicit-commit guard looks only at
	the first word. The leading comment tells the guard what the server already guarantees, so only
	statements on temporary tables may come here."""
	if not query.lstrip().lower().startswith(("create temporary table", "drop temporary table")):
		raise ValueError("temp_table_sql is for CREATE/DROP TEMPORARY TABLE only")
	return frappe.db.sql("/* temporary table: no implicit commit */ " + query, values or ())
