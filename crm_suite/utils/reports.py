"""What the app's script reports build the same way: their columns, their charts and conditional sums."""

from frappe.query_builder import Case
from frappe.query_builder.functions import Sum


def column(fieldname: str, label: str, fieldtype: str = "Data", width: int = 120, **extra) -> dict:
	"""A report column; `label` is already translated, `extra` is e.g. options= or precision=."""
	return {"fieldname": fieldname, "label": label, "fieldtype": fieldtype, "width": width, **extra}


def chart(labels: list, datasets: dict[str, list], kind: str = "bar", **extra) -> dict:
	"""A Frappe chart: one dataset per translated name, in order."""
	return {
		"data": {
			"labels": labels,
			"datasets": [{"name": name, "values": values} for name, values in datasets.items()],
		},
		"type": kind,
		**extra,
	}


def count_if(condition, value=1):
	"""`frappe.qb` SUM of `value` over the rows that meet `condition` (a count when `value` is 1)."""
	return Sum(Case().when(condition, value).else_(0))
