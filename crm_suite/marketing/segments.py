"""Segments: who a campaign talks to.

A segment's members are the Customers (or Leads) matching its filter conditions, or a static list.
Conditions are rows of field / operator / value that the desk edits without code; on save they are
checked against the document type's fields and stored as Frappe filters JSON, so membership is one
`frappe.get_all` query (set-based, never a loop over documents). Any field of Customer works, including
analytical ones added later (e.g. `rfm_segment = Champions`).
"""

import json
from collections.abc import Iterable, Mapping

import frappe
from frappe import _
from frappe.model import default_fields, no_value_fields

SEGMENT_DOCTYPES = ("Customer", "Lead")
OPERATORS = ("=", "!=", ">", ">=", "<", "<=", "like", "not like", "in", "not in", "is")
LIST_OPERATORS = ("in", "not in")
IS_VALUES = ("set", "not set")
# Standard columns every document has and a condition may use.
STANDARD_FIELDS = tuple(f for f in default_fields if f not in ("doctype", "docstatus", "idx"))


class SegmentConditionError(frappe.ValidationError):
	"""Raised by the pure functions with an untranslated template and its arguments; `message` translates."""

	@property
	def message(self) -> str:
		template, *args = self.args
		return _(template).format(*args)


def condition_to_filter(doctype: str, fieldname: str, operator: str, value: str | None) -> list:
	"""One condition row as a Frappe filter `[doctype, field, operator, value]` (pure: no database)."""
	fieldname = (fieldname or "").strip()
	operator = (operator or "=").strip()
	if not fieldname:
		raise SegmentConditionError("A segment condition needs a field.")
	if operator not in OPERATORS:
		raise SegmentConditionError("Unknown operator {0} in a segment condition.", operator)
	value = (value or "").strip()
	if operator in LIST_OPERATORS:
		items = [v.strip() for v in value.split(",") if v.strip()]
		if not items:
			raise SegmentConditionError(
				"The condition on {0} needs at least one comma-separated value.", fieldname
			)
		return [doctype, fieldname, operator, items]
	if operator == "is":
		if value.lower() not in IS_VALUES:
			raise SegmentConditionError(
				"The condition on {0} uses 'is': its value must be 'set' or 'not set'.", fieldname
			)
		return [doctype, fieldname, "is", value.lower()]
	return [doctype, fieldname, operator, value]


def conditions_to_filters(doctype: str, conditions: Iterable[Mapping]) -> list[list]:
	return [
		condition_to_filter(doctype, c.get("fieldname"), c.get("operator"), c.get("value"))
		for c in conditions
	]


def filterable_fields(doctype: str) -> list[str]:
	"""Fields a condition may use: every stored field of the doctype plus the standard columns."""
	meta = frappe.get_meta(doctype)
	fields = [df.fieldname for df in meta.fields if df.fieldtype not in no_value_fields]
	return sorted(set(fields) | set(STANDARD_FIELDS))


def validate_filters(doctype: str, filters: list[list]) -> None:
	if doctype not in SEGMENT_DOCTYPES:
		frappe.throw(
			_("Segments can hold {0}, not {1}.").format(", ".join(SEGMENT_DOCTYPES), doctype),
			title=_("Invalid Segment"),
		)
	allowed = set(filterable_fields(doctype))
	unknown = [f[1] for f in filters if f[1] not in allowed]
	if unknown:
		frappe.throw(
			_("{0} has no field {1}: a segment condition must use one of its fields.").format(
				_(doctype), ", ".join(frappe.bold(u) for u in unknown)
			),
			exc=SegmentConditionError,
			title=_("Unknown Field"),
		)


def build_filters(doctype: str, conditions: Iterable[Mapping]) -> list[list]:
	"""Checked Frappe filters for condition rows; throws (nothing saved) on a bad condition."""
	try:
		filters = conditions_to_filters(doctype, conditions)
	except SegmentConditionError as e:
		frappe.throw(e.message, exc=SegmentConditionError, title=_("Invalid Condition"))
	validate_filters(doctype, filters)
	return filters


def _query_args(segment, after: str | None = None) -> dict:
	"""`frappe.get_all` arguments selecting the segment's members (those named after `after`, if given)."""
	if segment.segment_type == "Static List":
		names = [m.member for m in segment.members if m.member]
		args = {"filters": [["name", "in", names or [""]]]}
	else:
		filters = json.loads(segment.filters_json or "[]")
		args = (
			{"or_filters": filters} if segment.match == "Any" and len(filters) > 1 else {"filters": filters}
		)
	if after:
		args["filters"] = [*args.get("filters", []), ["name", ">", after]]
	return args


def get_member_rows(
	segment, fields: Iterable[str] = ("name",), limit: int = 0, after: str | None = None
) -> list[dict]:
	"""The members of a segment (a Segment document or name) as dicts with `fields`, in one query, by name.

	`limit` and `after` (the last name of the previous chunk) read a large segment a chunk at a time."""
	if isinstance(segment, str):
		segment = frappe.get_doc("Segment", segment)
	return frappe.get_all(
		segment.based_on,
		fields=list(fields),
		order_by="name asc",
		limit_page_length=limit,
		**_query_args(segment, after),
	)


def count_members(segment) -> int:
	"""Every member, whoever asks (the stored member count, outreach); callers answering a user use
	`count_readable_members`."""
	if isinstance(segment, str):
		segment = frappe.get_doc("Segment", segment)
	row = frappe.get_all(segment.based_on, fields=["count(name) as n"], **_query_args(segment))
	return int(row[0].n) if row else 0


def count_readable_members(segment, user: str | None = None) -> int:
	"""The members the user may read (Frappe's list query: role permissions, User Permissions, permission
	query conditions such as the own-records option), so a preview tells nobody about records they may
	not open."""
	user = user or frappe.session.user
	if not frappe.has_permission(segment.based_on, "read", user=user):
		return 0
	row = frappe.get_list(
		segment.based_on, fields=["count(*) as n"], order_by="", user=user, **_query_args(segment)
	)
	return int(row[0].n) if row else 0


def check_readable_fields(doctype: str, filters: list[list], user: str | None = None) -> None:
	"""A condition may only use fields the user may read (field-level permissions): otherwise counting
	with `like 'a%'` would spell out a hidden field letter by letter."""
	meta = frappe.get_meta(doctype)
	readable = set(meta.get_permitted_fieldnames(user=user or frappe.session.user)) | set(STANDARD_FIELDS)
	hidden = [f[1] for f in filters if f[1] not in readable]
	if hidden:
		frappe.throw(
			_("You may not filter {0} on {1}.").format(_(doctype), ", ".join(frappe.bold(h) for h in hidden)),
			exc=frappe.PermissionError,
			title=_("Not Permitted"),
		)


def _json_list(value, label: str) -> list[dict]:
	if isinstance(value, str):
		try:
			value = json.loads(value) if value.strip() else []
		except ValueError:
			frappe.throw(_("{0} must be a JSON list.").format(label), title=_("Invalid Request"))
	value = value or []
	if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
		frappe.throw(_("{0} must be a list of objects.").format(label), title=_("Invalid Request"))
	return value


@frappe.whitelist()
def preview_count(
	based_on: str,
	segment_type: str = "Filter Conditions",
	match: str = "All",
	conditions: str | list | None = None,
	members: str | list | None = None,
) -> dict:
	"""How many records an (unsaved) segment definition selects among those the caller may read. Used by
	the form's Preview button."""
	frappe.has_permission("Segment", "read", throw=True)
	if based_on not in SEGMENT_DOCTYPES:
		validate_filters(based_on, [])
	frappe.has_permission(based_on, "read", throw=True)
	conditions = _json_list(conditions, "conditions")
	members = _json_list(members, "members")
	segment = frappe._dict(
		based_on=based_on,
		segment_type=segment_type,
		match=match,
		members=[frappe._dict(m) for m in members],
	)
	if segment_type != "Static List":
		filters = build_filters(based_on, conditions)
		check_readable_fields(based_on, filters)
		segment.filters_json = json.dumps(filters)
	return {
		"count": count_readable_members(segment),
		"filters": json.loads(segment.get("filters_json") or "[]"),
	}


@frappe.whitelist()
def get_filterable_fields(doctype: str) -> list[dict]:
	"""Field names and labels for the condition editor's field picker."""
	frappe.has_permission("Segment", "read", throw=True)
	if doctype not in SEGMENT_DOCTYPES or not frappe.has_permission(doctype, "read"):
		return []
	meta = frappe.get_meta(doctype)
	readable = set(meta.get_permitted_fieldnames(user=frappe.session.user)) | set(STANDARD_FIELDS)
	out = []
	for fieldname in filterable_fields(doctype):
		if fieldname not in readable:
			continue
		df = meta.get_field(fieldname)
		out.append({"value": fieldname, "label": f"{_(df.label) if df else fieldname} ({fieldname})"})
	return out
