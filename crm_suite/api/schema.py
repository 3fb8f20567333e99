"""Pure mapping from Frappe field definitions to JSON Schema (OpenAPI 3.1) — no site needed.

A "field" here is anything with the attributes of a DocField row (`fieldname`, `fieldtype`, `options`,
`reqd`, `length`, `read_only`, `label`, `description`); the OpenAPI builder passes frappe.get_meta rows,
unit tests pass plain dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from frappe.model import (
	child_table_fields,
	datetime_fields,
	display_fieldtypes,
	float_like_fields,
	numeric_fieldtypes,
	table_fields,
)

# Frappe's own lists: layout-only types (no column), table types, date/time types, numbers.
NO_VALUE_TYPES = frozenset(display_fieldtypes)
TABLE_TYPES = frozenset(table_fields)
DATE_TYPES = frozenset(datetime_fields)
NUMBER_TYPES = frozenset(float_like_fields) | {"Rating", "Duration"}
INT_TYPES = frozenset(numeric_fieldtypes) - NUMBER_TYPES
# What the MariaDB columns hold (int(11), bigint(20), decimal(21,9), decimal(3,2)): larger values are
# refused with HTTP 400 by the request guard instead of failing in the database.
NUMBER_LIMITS: dict[str, float] = {
	"Int": 2**31 - 1,
	"Check": 2**31 - 1,
	"Long Int": 2**63 - 1,
	"Rating": 9.99,
}
DECIMAL_LIMIT = 999_999_999_999.0  # decimal(21,9): 12 digits before the point


def number_limit(fieldtype: str) -> float:
	return NUMBER_LIMITS.get(fieldtype, DECIMAL_LIMIT)


# Free text without a varchar limit.
LONG_TEXT_TYPES = frozenset(
	{
		"Small Text",
		"Text",
		"Long Text",
		"Text Editor",
		"Code",
		"HTML Editor",
		"Markdown Editor",
		"JSON",
		"Geolocation",
		"Signature",
		"Attach",
		"Attach Image",
	}
)
# varchar columns: Frappe rejects longer values with "Value too big" (HTTP 417).
VARCHAR_TYPES = frozenset(
	{
		"Data",
		"Link",
		"Dynamic Link",
		"Select",
		"Read Only",
		"Phone",
		"Autocomplete",
		"Color",
		"Barcode",
		"Password",
		"Icon",
	}
)
DEFAULT_VARCHAR_LENGTH = 140

# Columns every document has (Frappe's default_fields, described); the API returns them and ignores them
# (or rejects them) on write.
STANDARD_FIELDS: dict[str, dict[str, Any]] = {
	"name": {"type": "string", "description": "Document name (primary key)"},
	"owner": {"type": "string", "readOnly": True},
	"creation": {"type": "string", "readOnly": True, "description": "YYYY-MM-DD HH:MM:SS.ffffff"},
	"modified": {"type": "string", "readOnly": True, "description": "YYYY-MM-DD HH:MM:SS.ffffff"},
	"modified_by": {"type": "string", "readOnly": True},
	"docstatus": {"type": "integer", "enum": [0, 1, 2], "readOnly": True},
	"idx": {"type": "integer", "readOnly": True},
	"doctype": {"type": "string", "readOnly": True},
}
CHILD_STANDARD_FIELDS: dict[str, dict[str, Any]] = {
	**STANDARD_FIELDS,
	**{f: {"type": "string", "readOnly": True} for f in child_table_fields},
}


def _get(field: Any, key: str, default: Any = None) -> Any:
	if isinstance(field, Mapping):
		return field.get(key, default)
	return getattr(field, key, default)


def has_value(field: Any) -> bool:
	return _get(field, "fieldtype") not in NO_VALUE_TYPES and bool(_get(field, "fieldname"))


def select_options(field: Any) -> list[str]:
	return [o for o in (_get(field, "options") or "").split("\n")]


def field_schema(field: Any, child_ref: str | None = None) -> dict[str, Any]:
	"""The JSON Schema of one field's value as the REST API accepts and returns it."""
	fieldtype = _get(field, "fieldtype")
	nullable = not _get(field, "reqd")
	schema: dict[str, Any]
	if fieldtype in TABLE_TYPES:
		items = {"$ref": child_ref} if child_ref else {"type": "object"}
		schema = {"type": "array", "items": items}
		nullable = False
	elif fieldtype == "Check":
		schema = {"type": "integer", "enum": [0, 1]}
		nullable = False
	elif fieldtype in INT_TYPES:
		limit = int(number_limit(fieldtype))
		schema = {"type": "integer", "minimum": -limit - 1, "maximum": limit}
	elif fieldtype in NUMBER_TYPES:
		limit = number_limit(fieldtype)
		schema = {"type": "number", "minimum": -limit, "maximum": limit}
	elif fieldtype == "Date":
		schema = {"type": "string", "format": "date"}
	elif fieldtype == "Datetime":
		schema = {"type": "string", "description": "YYYY-MM-DD HH:MM:SS"}
	elif fieldtype == "Time":
		schema = {"type": "string", "description": "HH:MM:SS"}
	elif fieldtype == "Select":
		options = select_options(field)
		if not _get(field, "reqd") and "" not in options:
			options = ["", *options]
		schema = {"type": "string", "enum": options}
	elif fieldtype in LONG_TEXT_TYPES:
		schema = {"type": "string"}
	else:
		schema = {"type": "string", "maxLength": int(_get(field, "length") or DEFAULT_VARCHAR_LENGTH)}
		if fieldtype == "Data" and _get(field, "options") == "Email":
			schema["format"] = "email"
		if fieldtype == "Link" and _get(field, "options"):
			schema["description"] = f"Name of a {_get(field, 'options')}"
	if nullable and "enum" not in schema:
		schema["type"] = [schema["type"], "null"]
	elif nullable:
		schema["enum"] = [*schema["enum"], None]
		schema["type"] = [schema["type"], "null"]
	title = _get(field, "label")
	if title:
		schema["title"] = title
	description = _get(field, "description")
	if description and "description" not in schema:
		schema["description"] = description
	if _get(field, "read_only") and fieldtype not in TABLE_TYPES:
		schema["readOnly"] = True
	return schema


# Tree (NestedSet) bookkeeping columns: maintained by Frappe, never written by clients.
SYSTEM_FIELDS = frozenset({"lft", "rgt", "old_parent"})


def doc_schema(
	fields: Iterable[Any],
	child_refs: Mapping[str, str] | None = None,
	*,
	is_child: bool = False,
	for_input: bool = False,
) -> dict[str, Any]:
	"""Object schema of a document: every valued field, custom fields included, plus standard columns.

	`for_input` gives the request-body schema: read-only standard columns left out, unknown keys refused
	(the request guard answers them with HTTP 400), mandatory fields required."""
	child_refs = child_refs or {}
	properties: dict[str, Any] = {}
	required: list[str] = []
	standard = CHILD_STANDARD_FIELDS if is_child else STANDARD_FIELDS
	for name, schema in standard.items():
		if for_input and schema.get("readOnly"):
			continue
		properties[name] = dict(schema)
	for field in fields:
		if not has_value(field):
			continue
		fieldname = _get(field, "fieldname")
		if for_input and fieldname in SYSTEM_FIELDS:
			continue
		properties[fieldname] = field_schema(field, child_refs.get(_get(field, "options") or ""))
		if (
			for_input
			and _get(field, "reqd")
			and _get(field, "default") in (None, "")
			and not _get(field, "read_only")
			and not _get(field, "fetch_from")
		):
			required.append(fieldname)
	schema: dict[str, Any] = {"type": "object", "properties": properties}
	if for_input:
		schema["additionalProperties"] = False
		if required:
			schema["required"] = required
	return schema
