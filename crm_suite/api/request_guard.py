"""Validation of REST requests to the suite's DocTypes before Frappe runs them.

Frappe v15 answers some bad input with HTTP 500 (a `filters` that is not JSON, an `order_by` on an unknown
column, a negative page size, a dict where a text field belongs, a body that is not JSON) and silently drops
unknown fields on create/update. For `/api/resource/<DocType>` of this app's modules this guard answers
those with HTTP 400 and a message instead (413 for an oversized body), before anything runs or is written.

Wired in hooks.py: `auth_hooks` (validate_api_request) and `after_request` (malformed_json_body).
Frappe's `validate_auth` runs the auth hooks right after it checked the request's API key/secret or OAuth
token (a session cookie was resumed before, in `init_request`), so the guard runs once per request, after
authentication, knowing the caller, without authenticating a second time; `before_request` hooks run
before the API key is checked and would not know a token caller. Anything outside `/api/` returns at the
first line. The checks themselves are pure functions of the DocType's fields (unit-tested without a site).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

import frappe
from frappe import _
from frappe.model import optional_fields
from frappe.model.base_document import get_controller

from crm_suite.api.schema import (
	CHILD_STANDARD_FIELDS,
	DATE_TYPES,
	INT_TYPES,
	NUMBER_TYPES,
	STANDARD_FIELDS,
	SYSTEM_FIELDS,
	TABLE_TYPES,
	has_value,
	number_limit,
)

# Bodies above this many bytes are refused on the app's DocTypes (site config `crm_api_max_body_bytes`).
DEFAULT_MAX_BODY_BYTES = 1024 * 1024

RESOURCE_PATH = re.compile(r"^/api/(?:v1/)?resource/(?P<doctype>[^/]+)(?:/(?P<name>.+?))?/?$")
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
FIELD_REF = re.compile(rf"^(?:`?tab(?P<table>[^`.]+)`?\.)?`?(?P<field>{IDENT})`?$")
AGGREGATE = re.compile(
	rf"^(?P<fn>count|sum|avg|min|max)\(\s*(?P<arg>\*|distinct\s+{IDENT}|{IDENT}|`tab[^`]+`\.`?{IDENT}`?)\s*\)$",
	re.I,
)
ALIAS = re.compile(rf"^(?P<expr>.+?)\s+as\s+(?P<alias>{IDENT})$", re.I)
ORDER_TERM = re.compile(r"^(?P<ref>\S+?)(?:\s+(?P<dir>asc|desc))?$", re.I)
OPERATORS = frozenset(
	{
		"=",
		"!=",
		"<",
		">",
		"<=",
		">=",
		"like",
		"not like",
		"in",
		"not in",
		"is",
		"between",
		"timespan",
		"descendants of",
		"ancestors of",
		"not descendants of",
		"not ancestors of",
		"descendants of (inclusive)",
		"previous",
		"next",
	}
)
LIST_OPERATORS = frozenset({"in", "not in", "between"})
INTEGER_PARAMS = ("limit_start", "limit_page_length", "limit", "start", "page_length")
SCALAR = (str, int, float, bool, type(None))


class BadRequest(frappe.ValidationError):
	http_status_code = 400


class PayloadTooLarge(frappe.ValidationError):
	http_status_code = 413


def bad(message: str) -> None:
	frappe.throw(message, BadRequest, title=_("Bad request"))


# ---------------------------------------------------------------- pure checks
FieldLookup = Callable[[str | None], dict[str, str] | None]
"""lookup(table) -> {fieldname: fieldtype} of the main DocType (table None) or a child table, or None."""


def check_field_ref(ref: str, lookup: FieldLookup, what: str) -> None:
	m = FIELD_REF.match(ref.strip())
	if not m:
		bad(_("{0}: {1!r} is not a field name").format(what, ref))
	fields = lookup(m["table"])
	if fields is None:
		bad(_("{0}: unknown table {1!r}").format(what, m["table"]))
	if m["field"] not in fields:
		bad(_("{0}: unknown field {1!r}").format(what, m["field"]))


def check_fields_param(value: Any, lookup: FieldLookup) -> None:
	if isinstance(value, str):
		value = [value]
	if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
		bad(_("fields must be a JSON list of field names"))
	for entry in value:
		entry = entry.strip()
		if entry == "*" or re.fullmatch(r"`?tab[^`.]+`?\.\*", entry):
			continue
		alias = ALIAS.match(entry)
		expr = alias["expr"].strip() if alias else entry
		agg = AGGREGATE.match(expr)
		if agg:
			arg = agg["arg"]
			if arg == "*":
				continue
			arg = re.sub(r"^distinct\s+", "", arg, flags=re.I)
			check_field_ref(arg, lookup, "fields")
		else:
			check_field_ref(expr, lookup, "fields")


def _check_condition(table: str | None, field: Any, operator: Any, value: Any, lookup: FieldLookup) -> None:
	if not isinstance(field, str):
		bad(_("filters: a field name must be text, got {0!r}").format(field))
	check_field_ref(f"`tab{table}`.{field}" if table else field, lookup, "filters")
	if not isinstance(operator, str) or operator.strip().lower() not in OPERATORS:
		bad(_("filters: unknown operator {0!r}").format(operator))
	op = operator.strip().lower()
	if op in LIST_OPERATORS:
		if isinstance(value, str):
			return  # Frappe splits "a,b" itself
		if not isinstance(value, list) or not all(isinstance(v, SCALAR) for v in value):
			bad(_("filters: {0} needs a list of values").format(op))
	elif not isinstance(value, SCALAR):
		bad(_("filters: the value for {0!r} must be a single value").format(field))


def check_filters_param(value: Any, lookup: FieldLookup) -> None:
	if value in (None, "", [], {}):
		return
	if isinstance(value, dict):
		for field, cond in value.items():
			if isinstance(cond, list):
				if len(cond) != 2:
					bad(_("filters: {0!r} must be [operator, value]").format(field))
				_check_condition(None, field, cond[0], cond[1], lookup)
			else:
				_check_condition(None, field, "=", cond, lookup)
		return
	if not isinstance(value, list):
		bad(_("filters must be a JSON object or a JSON list of [field, operator, value]"))
	for cond in value:
		if not isinstance(cond, list) or len(cond) not in (3, 4):
			bad(
				_(
					"filters: each condition must be [field, operator, value] or [doctype, field, operator, value]"
				)
			)
		if len(cond) == 4:
			table, field, op, val = cond
			if not isinstance(table, str):
				bad(_("filters: {0!r} is not a DocType").format(table))
		else:
			table, (field, op, val) = None, cond
		_check_condition(table, field, op, val, lookup)


def check_order_param(value: Any, lookup: FieldLookup, what: str = "order_by") -> None:
	if not isinstance(value, str):
		bad(_("{0} must be text").format(what))
	for term in value.split(","):
		m = ORDER_TERM.match(term.strip())
		if not m:
			bad(_("{0}: {1!r} is not 'field [asc|desc]'").format(what, term))
		check_field_ref(m["ref"], lookup, what)


def check_integer_param(name: str, value: Any) -> None:
	if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
		return
	if not isinstance(value, str) or not value.strip().isdigit():
		bad(_("{0} must be a whole number of zero or more, got {1!r}").format(name, value))


def _check_value(
	fieldname: str, fieldtype: str, value: Any, child_lookup: Callable[[str], Any] | None
) -> None:
	if value is None:
		return
	if fieldtype in TABLE_TYPES:
		if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
			bad(_("{0} must be a list of rows (JSON objects)").format(fieldname))
		if child_lookup:
			child_fields = child_lookup(fieldname)
			for row in value:
				check_body(row, child_fields, None, is_child=True)
		return
	if isinstance(value, dict | list):
		bad(_("{0} must be a single value, not {1}").format(fieldname, type(value).__name__))
	if fieldtype in INT_TYPES | NUMBER_TYPES:
		if isinstance(value, bool):
			return
		if isinstance(value, int | float):
			number = float(value)
		else:
			try:
				number = float(str(value).replace(",", ""))
			except ValueError:
				bad(_("{0} must be a number, got {1!r}").format(fieldname, value))
		if number != number or abs(number) > number_limit(fieldtype):
			bad(_("{0}: {1!r} is out of range").format(fieldname, value))
	elif fieldtype in DATE_TYPES and value != "":
		if not isinstance(value, str):
			bad(_("{0} must be a date/time text").format(fieldname))
		from frappe.utils import get_datetime, get_time, getdate

		parse = {"Date": getdate, "Datetime": get_datetime, "Time": get_time}[fieldtype]
		try:
			parsed = parse(value)
		except Exception:
			bad(_("{0}: {1!r} is not a valid {2}").format(fieldname, value, fieldtype))
		year = getattr(parsed, "year", 2000)
		if not 1000 <= year <= 9999:  # MariaDB's DATE/DATETIME range
			bad(_("{0}: {1!r} is out of range").format(fieldname, value))


def check_body(
	body: Any,
	fields: dict[str, str],
	child_lookup: Callable[[str], dict[str, str]] | None,
	*,
	is_child: bool = False,
) -> None:
	"""fields: {fieldname: fieldtype} of the DocType; child_lookup(table fieldname) -> fields of its rows."""
	if not isinstance(body, dict):
		bad(_("The request body must be a JSON object"))
	standard = CHILD_STANDARD_FIELDS if is_child else STANDARD_FIELDS
	# optional_fields (_user_tags, _liked_by, _assign, _comments, _seen) come back from a GET, so a
	# GET-modify-PUT round trip sends them too.
	unknown = sorted(
		k
		for k in body
		if k not in fields
		and k not in standard
		and k not in optional_fields
		and k not in ("__islocal", "__unsaved")
	)
	if unknown:
		bad(_("Unknown field(s): {0}").format(", ".join(unknown)))
	system = sorted(k for k in body if k in SYSTEM_FIELDS and k in fields)
	if system:
		bad(_("{0} are maintained by the system and cannot be set").format(", ".join(system)))
	for key, value in body.items():
		if key in fields:
			_check_value(key, fields[key], value, child_lookup)
		elif key in ("docstatus", "idx") and value is not None and not isinstance(value, int):
			bad(_("{0} must be a whole number").format(key))
		elif key in standard and isinstance(value, dict | list):
			bad(_("{0} must be a single value").format(key))


# ---------------------------------------------------------------- request hook
def _value_fields(doctype: str) -> dict[str, str]:
	return {df.fieldname: df.fieldtype for df in frappe.get_meta(doctype).fields if has_value(df)}


def _lookup_for(doctype: str) -> FieldLookup:
	meta = frappe.get_meta(doctype)
	tables = {df.options for df in meta.get_table_fields()}
	own = {**_value_fields(doctype), **dict.fromkeys(STANDARD_FIELDS, "Data")}

	def lookup(table: str | None):
		if table in (None, doctype):
			return own
		if table in tables:
			return {**_value_fields(table), **dict.fromkeys(CHILD_STANDARD_FIELDS, "Data")}
		return None

	return lookup


def doctype_module(doctype: str) -> str | None:
	"""The module of a DocType, None if there is none: one primary-key read (plain SQL, which skips the
	query builder's parsing; that made up most of the guard's time per request)."""
	row = frappe.db.sql("select module from `tabDocType` where name = %s", doctype)
	return row[0][0] if row else None


def is_app_doctype(doctype: str) -> bool:
	return doctype_module(doctype) in frappe.get_module_list("crm_suite")


def _parse_json_param(name: str, raw: Any) -> Any:
	if not isinstance(raw, str):
		return raw
	try:
		return json.loads(raw)
	except ValueError:
		if name == "fields":
			bad(_("fields must be a JSON list of field names"))
		bad(_("{0} is not valid JSON").format(name))


METHOD_PATH = re.compile(r"^/api/(?:v1/)?method/(?P<method>crm_suite\.[A-Za-z0-9_.]+)/?$")
RUN_DOC_METHOD_PATH = re.compile(r"^/api/(?:v1/)?method/(?:frappe\.handler\.)?run_doc_method/?$")


def call_parameters(fn: Callable, *, bound: bool = False) -> list[inspect.Parameter]:
	"""The parameters a caller passes by name (`self` of a controller method left out)."""
	params = list(inspect.signature(fn).parameters.values())
	if bound and params:
		params = params[1:]
	return [
		p for p in params if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
	]


def missing_arguments(fn: Callable, given: Iterable[str], *, bound: bool = False) -> list[str]:
	"""Parameters without a default that the call does not pass (Frappe would fail with a TypeError)."""
	given = set(given)
	return [
		p.name
		for p in call_parameters(fn, bound=bound)
		if p.default is inspect.Parameter.empty and p.name not in given
	]


def unknown_arguments(fn: Callable, given: Iterable[str], *, bound: bool = False) -> list[str]:
	"""Arguments the function does not take (none if it takes **kwargs). Frappe drops them for module
	functions, but passes them on to document methods, which then fail with a TypeError."""
	if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in inspect.signature(fn).parameters.values()):
		return []
	names = {p.name for p in call_parameters(fn, bound=bound)}
	return sorted(k for k in given if k not in names)


def desk_style_arguments(fn: Callable, args: dict) -> dict:
	"""Lists and objects sent in a JSON body for parameters WITHOUT a type hint, turned into the JSON text
	the desk's frappe.call sends for them: the method then sees the same input over REST as from the desk
	(annotated parameters are converted and checked by Frappe itself)."""
	out = dict(args)
	for param in inspect.signature(fn).parameters.values():
		if param.annotation is inspect.Parameter.empty and isinstance(out.get(param.name), dict | list):
			out[param.name] = json.dumps(out[param.name])
	return out


def check_argument_shapes(fn: Callable, args: dict) -> None:
	"""A list or object for a parameter typed as text/number is a 400, and so are null for a required
	parameter whose type does not allow None and a number or true/false for a text parameter (Frappe would
	refuse them too, but decorators such as its rate_limit read the value first and fail with a 500). Frappe checks annotations itself, but not string annotations
	(`from __future__ import annotations`): resolve them here."""
	import types
	import typing

	try:
		hints = typing.get_type_hints(fn)
	except Exception:
		return
	params = {p.name: p for p in call_parameters(fn)}
	required = {name for name, p in params.items() if p.default is inspect.Parameter.empty}
	# Frappe also accepts a value of the default's type (`limit: str = 0` takes a number)
	text_only = {name for name, p in params.items() if p.default in (inspect.Parameter.empty, None, "")}
	containers = (list, dict, tuple, set)
	for name, value in args.items():
		hint = hints.get(name)
		if hint is None:
			continue
		options = (
			typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
		)
		if (
			value is None
			and name in required
			and not any(o is typing.Any or o is type(None) for o in options)
		):
			bad(_("{0} is required and cannot be null").format(name))
		if (
			isinstance(value, bool | int | float)
			and name in text_only
			and all(o in (str, type(None)) for o in options)
		):
			bad(_("{0} must be text, not {1}").format(name, json.dumps(value)))
		if not isinstance(value, dict | list):
			continue
		if any(o is typing.Any or (typing.get_origin(o) or o) in containers for o in options):
			continue
		bad(_("{0} must be a single value, not {1}").format(name, type(value).__name__))


def check_method_arguments(fn: Callable, args: dict, *, bound: bool = False) -> None:
	"""Required arguments present and lists/objects only where the signature takes them; for document
	methods (`bound`) also no argument the method does not take."""
	missing = missing_arguments(fn, args, bound=bound)
	if missing:
		bad(_("Missing argument(s): {0}").format(", ".join(missing)))
	unknown = unknown_arguments(fn, args, bound=bound) if bound else []
	if unknown:
		bad(_("Unknown argument(s): {0}").format(", ".join(unknown)))
	check_argument_shapes(fn, args)


def whitelisted_doc_method(doctype: str, method: Any) -> Callable | None:
	"""The function of `method` if the DocType's controller has it and it is whitelisted (the app's own
	methods and Frappe's, such as `add_comment`, which the desk calls too)."""
	if not isinstance(method, str):
		return None
	fn = getattr(get_controller(doctype), method, None)
	fn = getattr(fn, "__func__", fn)
	return fn if fn in frappe.whitelisted else None


def validate_doc_method_call(doctype: str, method: Any, args: Any) -> None:
	"""A whitelisted method of one of the app's documents, called with the arguments Frappe will pass."""
	if not isinstance(method, str) or not method:
		bad(_("Missing argument(s): {0}").format("method"))
	fn = whitelisted_doc_method(doctype, method)
	if fn is None:
		bad(_("{0} has no method {1!r} that can be called").format(doctype, method))
	if not isinstance(args, dict):
		bad(_("The arguments of {0} must be a JSON object").format(method))
	check_method_arguments(fn, args, bound=True)


def validate_run_doc_method(form: dict) -> None:
	"""`/api/method/run_doc_method` (what the desk's frm.call sends): dt and dn (or docs), method, args.
	Its shape is checked for every DocType (Frappe fails with a 500 on a missing method or an unknown
	DocType); the method and its arguments only for the app's DocTypes."""
	if not form.get("method"):
		bad(_("Missing argument(s): {0}").format("method"))
	if not isinstance(form["method"], str):
		bad(_("method must be the name of a document method"))
	if form.get("docs") is not None:
		docs = _parse_json_param("docs", form.get("docs"))
		doctype = docs.get("doctype") if isinstance(docs, dict) else None
		if not isinstance(doctype, str):
			bad(_("docs must be a JSON object with a doctype"))
	else:
		doctype = form.get("dt")
		if not isinstance(doctype, str) or not doctype:
			bad(_("run_doc_method needs dt (and dn for a document that is not a Single) or docs"))
		if form.get("dn") is not None and not isinstance(form.get("dn"), str | int):
			bad(_("dn must be the name of a document"))
	module = doctype_module(doctype)
	if not module:
		frappe.throw(_("DocType {0} not found").format(doctype), frappe.DoesNotExistError)
	if module not in frappe.get_module_list("crm_suite") or not frappe.has_permission(doctype, "read"):
		return
	args = form.get("args") if form.get("args") is not None else form.get("arg")
	if isinstance(args, str):
		try:
			args = json.loads(args)
		except ValueError:
			pass
	args = {} if args in (None, "") else args
	fn = whitelisted_doc_method(doctype, form["method"])
	if fn is not None:
		params = call_parameters(fn, bound=True)
		# Frappe calls a method without parameters without arguments, whatever was sent, and hands a
		# method with an `args` parameter (or anything but an object) over as one positional argument
		if not params or "args" in {p.name for p in params}:
			return
		if not isinstance(args, dict):
			if sum(p.default is inspect.Parameter.empty for p in params) > 1:
				bad(_("The arguments of {0} must be a JSON object").format(form["method"]))
			return
	validate_doc_method_call(doctype, form["method"], args)


def validate_method_call(method: str, guest: bool) -> None:
	"""A call of one of the app's whitelisted functions must pass its required arguments."""
	try:
		fn = frappe.get_attr(method)
	except Exception:
		return  # Frappe answers unknown methods itself
	if fn not in frappe.whitelisted or (guest and fn not in frappe.guest_methods):
		return
	form = frappe.local.form_dict
	check_method_arguments(fn, {k: v for k, v in form.items() if k != "cmd"})
	form.update(desk_style_arguments(fn, form))


def validate_api_request() -> None:
	"""auth_hooks entry (see the module docstring): frappe.session.user is the authenticated caller."""
	request = getattr(frappe.local, "request", None)
	if request is None or request.method == "OPTIONS" or not request.path.startswith("/api/"):
		return
	m = RESOURCE_PATH.match(request.path)
	doctype = unquote(m["doctype"]) if m else None
	if doctype and not is_app_doctype(doctype):
		return
	if doctype:
		limit = frappe.conf.get("crm_api_max_body_bytes") or DEFAULT_MAX_BODY_BYTES
		if (request.content_length or 0) > limit:
			frappe.throw(
				_("The request body is {0} bytes; at most {1} are accepted").format(
					request.content_length, limit
				),
				PayloadTooLarge,
				title=_("Payload too large"),
			)
	# Guests get Frappe's own 401/403 and learn nothing about fields or arguments from our messages
	# (except for the app's methods open to guests).
	guest = frappe.session.user in (None, "", "Guest")
	if doctype and not guest:
		validate_resource_request(request, doctype, m["name"])
	elif RUN_DOC_METHOD_PATH.match(request.path) and not guest:
		validate_run_doc_method(frappe.local.form_dict)
	elif method_call := METHOD_PATH.match(request.path):
		validate_method_call(method_call["method"], guest)


def validate_resource_request(request, doctype: str, name: str | None) -> None:
	if not frappe.has_permission(doctype, "read"):
		return
	form = frappe.local.form_dict
	if request.method in ("GET", "POST") and name and form.get("run_method"):
		args = {k: v for k, v in form.items() if k not in ("run_method", "cmd")}
		validate_doc_method_call(doctype, form.get("run_method"), args)
		return
	if request.method == "POST" and name:
		bad(_("POST to a document runs one of its methods and needs run_method; update it with PUT"))
	lookup = _lookup_for(doctype)
	if request.method == "GET" and not name:
		if frappe.get_meta(doctype).issingle:
			bad(_("{0} is a Single: read it at /api/resource/{0}/{0}").format(doctype))
		if form.get("fields") not in (None, ""):
			check_fields_param(_parse_json_param("fields", form.get("fields")), lookup)
		for key in ("filters", "or_filters"):
			if form.get(key) not in (None, ""):
				check_filters_param(_parse_json_param(key, form.get(key)), lookup)
		for key in ("order_by", "group_by"):
			if form.get(key) not in (None, ""):
				check_order_param(form.get(key), lookup, key)
		for key in INTEGER_PARAMS:
			if form.get(key) not in (None, ""):
				check_integer_param(key, form.get(key))
	elif request.method in ("POST", "PUT") and (request.method == "PUT" or not name):
		data = form.get("data")
		if data is None:
			raw = frappe.safe_decode(request.get_data())
			if not raw.strip():
				body = dict(form)
			else:
				try:
					body = json.loads(raw)
				except ValueError:
					body = dict(form)  # form-encoded: Frappe reads form_dict
		else:
			body = _parse_json_param("data", data)
		if isinstance(body, dict):
			body = {k: v for k, v in body.items() if k not in ("cmd", "flags")}
		fields = _value_fields(doctype)
		meta = frappe.get_meta(doctype)
		tables = {df.fieldname: df.options for df in meta.get_table_fields()}
		check_body(body, fields, lambda fieldname: _value_fields(tables[fieldname]))


def malformed_json_body(response=None, request=None) -> None:
	"""after_request hook: Frappe parses a JSON body before any hook runs and answers a malformed one with
	HTTP 500. For API calls, turn exactly that case into a 400 with a message."""
	if response is None or request is None or response.status_code != 500:
		return
	if not request.path.startswith("/api/") or not request.is_json:
		return
	try:
		json.loads(request.get_data(as_text=True) or "null")
	except ValueError as e:
		response.status_code = 400
		response.set_data(
			json.dumps(
				{
					"exc_type": "BadRequest",
					"exception": f"BadRequest: {e}",
					"_server_messages": json.dumps(
						[
							json.dumps(
								{
									"message": _("The request body is not valid JSON: {0}").format(e),
									"title": _("Bad request"),
									"indicator": "red",
									"raise_exception": 1,
								}
							)
						]
					),
				}
			)
		)
		response.mimetype = "application/json"
