"""Field-to-JSON-Schema mapping and the request guard's pure checks (no site needed)."""

import frappe
import pytest

from crm_suite.api.request_guard import (
	BadRequest,
	check_argument_shapes,
	check_body,
	check_fields_param,
	check_filters_param,
	check_integer_param,
	check_method_arguments,
	check_order_param,
	desk_style_arguments,
	missing_arguments,
	unknown_arguments,
)
from crm_suite.api.schema import doc_schema, field_schema

FIELDS = {
	"status": "Select",
	"amount": "Currency",
	"closed_on": "Date",
	"title": "Data",
	"items": "Table",
	"name": "Data",
	"modified": "Datetime",
	"qty": "Int",
}
ITEM_FIELDS = {"item": "Link", "qty": "Float", "name": "Data", "parent": "Data"}


def lookup(table):
	if table in (None, "Opportunity"):
		return FIELDS
	if table == "Opportunity Item":
		return ITEM_FIELDS
	return None


@pytest.fixture(autouse=True)
def no_translation(monkeypatch):
	monkeypatch.setattr(frappe, "_", lambda msg, *a, **k: msg)
	monkeypatch.setattr("crm_suite.api.request_guard._", lambda msg, *a, **k: msg)

	def throw(msg, exc=frappe.ValidationError, title=None, **kw):
		raise exc(msg)

	monkeypatch.setattr(frappe, "throw", throw)


def test_field_schema_types():
	assert field_schema({"fieldtype": "Data", "fieldname": "x", "reqd": 1}) == {
		"type": "string",
		"maxLength": 140,
	}
	assert field_schema({"fieldtype": "Data", "options": "Email", "length": 200})["format"] == "email"
	assert field_schema({"fieldtype": "Data", "length": 200})["maxLength"] == 200
	assert field_schema({"fieldtype": "Int"})["type"] == ["integer", "null"]
	assert field_schema({"fieldtype": "Int", "reqd": 1})["maximum"] == 2**31 - 1
	assert field_schema({"fieldtype": "Currency", "reqd": 1})["maximum"] == 999_999_999_999.0
	assert field_schema({"fieldtype": "Check"}) == {"type": "integer", "enum": [0, 1]}
	assert field_schema({"fieldtype": "Select", "options": "A\nB"})["enum"] == ["", "A", "B", None]
	assert field_schema({"fieldtype": "Select", "options": "A\nB", "reqd": 1})["enum"] == ["A", "B"]
	assert field_schema({"fieldtype": "Date", "reqd": 1}) == {"type": "string", "format": "date"}
	assert field_schema({"fieldtype": "Text Editor", "label": "Notes"}) == {
		"type": ["string", "null"],
		"title": "Notes",
	}
	assert field_schema({"fieldtype": "Table", "options": "Row"}, "#/x/Row") == {
		"type": "array",
		"items": {"$ref": "#/x/Row"},
	}
	assert field_schema({"fieldtype": "Read Only", "read_only": 1})["readOnly"] is True


def test_doc_schema_input_requires_mandatory_fields_and_refuses_unknown_keys():
	fields = [
		{"fieldname": "title", "fieldtype": "Data", "reqd": 1},
		{"fieldname": "status", "fieldtype": "Select", "options": "Open\nWon", "reqd": 1, "default": "Open"},
		{"fieldname": "sb", "fieldtype": "Section Break"},
		{"fieldname": "custom_band", "fieldtype": "Data"},
	]
	full = doc_schema(fields)
	assert {"name", "owner", "modified", "title", "status", "custom_band"} <= set(full["properties"])
	assert "sb" not in full["properties"] and "required" not in full
	create = doc_schema(fields, for_input=True)
	assert create["required"] == ["title"] and create["additionalProperties"] is False
	assert "owner" not in create["properties"] and "name" in create["properties"]


@pytest.mark.parametrize(
	"fields",
	[
		["name", "status"],
		["*"],
		"name",
		["count(name) as n"],
		["sum(amount) as total", "status"],
		["`tabOpportunity`.`amount`"],
		["`tabOpportunity Item`.qty"],
		["count(distinct status) as c"],
	],
)
def test_good_fields_pass(fields):
	check_fields_param(fields, lookup)


@pytest.mark.parametrize(
	"fields",
	[
		["nofield"],
		[1],
		{"a": 1},
		["name; drop table x"],
		["sleep(5)"],
		["`tabUser`.`password`"],
		["sum(nofield)"],
	],
)
def test_bad_fields_are_400(fields):
	with pytest.raises(BadRequest):
		check_fields_param(fields, lookup)


@pytest.mark.parametrize(
	"filters",
	[
		{"status": "Open"},
		{"amount": [">", 10]},
		[["status", "=", "Open"]],
		[["Opportunity", "amount", ">=", 1]],
		[["Opportunity Item", "qty", ">", 1]],
		{"status": ["in", ["Open", "Won"]]},
		[["status", "in", "Open,Won"]],
		{"closed_on": ["between", ["2026-01-01", "2026-12-31"]]},
		{"title": ["is", "set"]},
		None,
		[],
	],
)
def test_good_filters_pass(filters):
	check_filters_param(filters, lookup)


@pytest.mark.parametrize(
	"filters",
	[
		{"nofield": 1},
		[[1, 2]],
		[1, 2],
		"x",
		{"status": ["=", "a", "b"]},
		[["status", "~=", "a"]],
		[["status", "=", {"a": 1}]],
		[["status", "in", [{"a": 1}]]],
		[["User", "name", "=", "x"]],
		{"status": {"a": 1}},
	],
)
def test_bad_filters_are_400(filters):
	with pytest.raises(BadRequest):
		check_filters_param(filters, lookup)


def test_order_by_and_limits():
	check_order_param("modified desc, name asc", lookup)
	check_order_param("`tabOpportunity`.`amount` DESC", lookup)
	for bad in ("nofield", "name; drop", "name desc desc", "rand()"):
		with pytest.raises(BadRequest):
			check_order_param(bad, lookup)
	check_integer_param("limit_start", "20")
	check_integer_param("limit_page_length", 0)
	for bad in ("-5", "abc", "1.5", -1, True):
		with pytest.raises(BadRequest):
			check_integer_param("limit_start", bad)


def test_body_checks():
	children = {"items": ITEM_FIELDS}.__getitem__
	check_body(
		{
			"title": "x",
			"amount": "12.5",
			"qty": 3,
			"closed_on": "2026-11-23",
			"items": [{"item": "P", "qty": 2}],
		},
		FIELDS,
		children,
	)
	check_body({"title": None, "name": "OPP-1", "doctype": "Opportunity"}, FIELDS, children)
	# what a GET returns can be PUT back: tags, likes, assignments
	check_body({"title": "x", "_user_tags": ",vip", "_liked_by": "[]", "_assign": "[]"}, FIELDS, children)
	bad_bodies = [
		[],
		{"nofield": 1},
		{"title": {"a": 1}},
		{"title": ["a"]},
		{"amount": "lots"},
		{"amount": 10**13},
		{"qty": 2**31},
		{"closed_on": "yesterday-ish"},
		{"closed_on": "0999-12-31"},
		{"items": {"item": "P"}},
		{"items": [{"nofield": 1}]},
		{"items": [{"qty": "x"}]},
		{"docstatus": "1"},
	]
	with pytest.raises(BadRequest):
		check_body({"lft": 1}, {**FIELDS, "lft": "Int"}, children)
	for body in bad_bodies:
		with pytest.raises(BadRequest):
			check_body(body, FIELDS, children)


def test_missing_arguments():
	def fn(lead, create_opportunity=0, *args, **kwargs):
		pass

	assert missing_arguments(fn, []) == ["lead"]
	assert missing_arguments(fn, ["lead"]) == []


def test_document_method_arguments_leave_self_out_and_refuse_unknown_ones():
	class Doc:
		def plain(self, limit: int, label: str = ""):
			pass

		def open_ended(self, **kwargs):
			pass

	assert missing_arguments(Doc.plain, [], bound=True) == ["limit"]
	assert unknown_arguments(Doc.plain, ["limit", "self", "colour"], bound=True) == ["colour", "self"]
	assert unknown_arguments(Doc.open_ended, ["anything"], bound=True) == []
	check_method_arguments(Doc.plain, {"limit": 3}, bound=True)
	for args in ({}, {"limit": 3, "colour": "red"}, {"limit": [3]}):
		with pytest.raises(BadRequest):
			check_method_arguments(Doc.plain, args, bound=True)


def test_unannotated_arguments_arrive_as_the_desk_sends_them():
	def fn(subject, tags: list | None = None, count: int = 0):
		pass

	args = desk_style_arguments(fn, {"subject": [None, None], "tags": ["a"], "count": 3, "cmd": "x"})
	assert args == {"subject": "[null, null]", "tags": ["a"], "count": 3, "cmd": "x"}


def test_argument_shapes_follow_type_hints_even_as_strings():
	def fn(subject: "str", tags: "list | None" = None, data: "dict | str | None" = None, anything=None):
		pass

	check_argument_shapes(fn, {"subject": "x", "tags": ["a"], "data": {"a": 1}, "anything": [1]})
	check_argument_shapes(fn, {"subject": "x", "tags": None, "data": None, "anything": None})
	for args in ({"subject": None}, {"subject": False}, {"subject": 3}):  # required text
		with pytest.raises(BadRequest):
			check_argument_shapes(fn, args)
	check_argument_shapes(fn, {"subject": "x", "anything": False})

	def counted(limit: str = 0):  # Frappe accepts the default's type too
		pass

	check_argument_shapes(counted, {"limit": 5})
	for args in ({"subject": [None]}, {"subject": {"a": 1}}):
		with pytest.raises(BadRequest):
			check_argument_shapes(fn, args)
