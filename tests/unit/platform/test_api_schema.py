"""Field-to-JSON-Schema mapping and the request guard's pure checks (no site needed)."""

import frappe
import pytest

from crm_suite.api.request_guard import (
	BadRequest,
	check_body,
	check_method_arguments,
	desk_style_arguments,
	list_request_fault,
	missing_arguments,
	unknown_arguments,
	write_request_fault,
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


@pytest.fixture(autouse=True)
def no_translation(monkeypatch):
	monkeypatch.setattr(frappe, "_", lambda msg, *a, **k: msg)
	monkeypatch.setattr("crm_suite.api.request_guard._", lambda msg, *a, **k: msg)

	def throw(msg, exc=frappe.ValidationError, title=None, **kw):
		raise exc(msg)

	monkeypatch.setattr(frappe, "throw", throw)


def test_standard_columns_are_frappes():
	from frappe.model import child_table_fields, default_fields

	from crm_suite.api.schema import CHILD_STANDARD_FIELDS, STANDARD_FIELDS

	assert set(STANDARD_FIELDS) == set(default_fields)
	assert set(CHILD_STANDARD_FIELDS) == {*default_fields, *child_table_fields}


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
	"form",
	[
		{},
		{"fields": '["name", "customer.customer_name", "count(name) as n"]', "order_by": "n desc"},
		{"filters": '{"status": "Open"}', "or_filters": '[["status", "=", "Won"]]'},
		{"filters": '[["Opportunity Item", "qty", ">", 1]]'},
		{"filters": '[["status", "=", {"a": 1}]]'},  # Frappe's to judge
		{"fields": '"name"'},
		{"filters": "[]"},
	],
)
def test_a_failed_list_request_is_not_blamed_on_good_parameters(form):
	assert list_request_fault(form, lambda: None) is None
	assert list_request_fault(form, lambda: (2013, "Lost connection to server during query")) is None


@pytest.mark.parametrize(
	"form, needle",
	[
		({"filters": "status=Open"}, "filters is not valid JSON"),
		({"or_filters": "[["}, "or_filters is not valid JSON"),
		({"fields": "name,status"}, "fields is not valid JSON"),
		({"fields": '{"a": 1}'}, "fields must be a JSON list"),
		({"fields": "[1]"}, "fields must be a JSON list"),
		({"filters": "5"}, "filters must be a JSON object or a JSON list"),
		({"filters": '[[1, "=", 1]]'}, "filters must be a JSON object or a JSON list"),
		({"or_filters": "[1, 2]"}, "or_filters must be a JSON object or a JSON list"),
	],
)
def test_a_failed_list_request_with_bad_parameters_is_the_callers_fault(form, needle):
	assert needle in list_request_fault(form, lambda: None)


def test_database_errors_of_the_query_itself_are_the_callers_fault():
	unknown = (1054, "Unknown column 'nofield' in 'ORDER BY'")
	assert list_request_fault({"order_by": "nofield"}, lambda: unknown).endswith(unknown[1])
	syntax = (1064, "You have an error in your SQL syntax")
	assert "syntax" in list_request_fault({"order_by": "name desc desc"}, lambda: syntax)
	assert "limit_start must be a whole number" in list_request_fault({"limit_start": "-1"}, lambda: syntax)
	assert list_request_fault({}, lambda: (1205, "Lock wait timeout exceeded")) is None


def test_write_request_faults():
	fault = write_request_fault
	assert "not valid JSON" in fault(b'{"a":', is_json=True, method="POST", name=None, form={})
	assert "not valid JSON" in fault(b"[", is_json=True, method="", name=None, form={})
	assert "needs run_method" in fault(b"{}", is_json=True, method="POST", name="X", form={})
	assert "must be a JSON object" in fault(
		b"[1]", is_json=True, method="POST", name=None, form={"data": [1]}
	)
	assert "must be a JSON object" in fault(b"", is_json=False, method="PUT", name="X", form={"data": "[1]"})
	assert fault(b'{"a": 1}', is_json=True, method="POST", name=None, form={"a": 1}) is None
	assert fault(b"a=1", is_json=False, method="POST", name=None, form={"a": "1"}) is None
	assert fault(b"[1]", is_json=True, method="", name=None, form={"data": [1]}) is None  # a method call
	assert fault(b"", is_json=False, method="POST", name="X", form={"run_method": "m"}) is None


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
	check_method_arguments(Doc.plain, {"limit": [3]}, bound=True)  # the type is Frappe's to check
	for args in ({}, {"limit": 3, "colour": "red"}):
		with pytest.raises(BadRequest):
			check_method_arguments(Doc.plain, args, bound=True)


def test_unannotated_arguments_arrive_as_the_desk_sends_them():
	def fn(subject, tags: list | None = None, count: int = 0):
		pass

	args = desk_style_arguments(fn, {"subject": [None, None], "tags": ["a"], "count": 3, "cmd": "x"})
	assert args == {"subject": "[null, null]", "tags": ["a"], "count": 3, "cmd": "x"}
