"""The REST API's answers to bad input: a 4xx with a message, never a 500.

List queries are Frappe's alone: it parses `fields`, `filters`, `or_filters`, `group_by`, `order_by` and
paging itself and refuses unknown fields and operators (417), so the app's DocTypes answer every list
request Frappe answers on its own (tests/integration/platform/test_rest_parity.py).

Two hooks (hooks.py):
- `after_request` bad_request_responses, on every DocType: a request that failed with a 500 because of
  its own input (a parameter that is not JSON or of the wrong shape, a column that does not exist in
  `order_by`/`group_by`, a negative limit, a body that is not valid JSON or not an object, POST to a
  document without run_method) gets a 400 and a message instead. The cause is confirmed after the fact
  (a database error is confirmed by running the list query again); anything else stays a 500.
- `auth_hooks` validate_api_request, on the app's DocTypes and methods: bodies over 1 MiB (413); create and
  update bodies (unknown fields, also in child rows, lists/objects where one value belongs, numbers outside
  the column, unparsable dates: Frappe drops the first and fails with a 500 in the database on the rest);
  a list of a Single; and calls of the app's whitelisted functions and document methods (missing or
  unknown arguments, which Frappe fails on with a TypeError). Frappe's `validate_auth` runs auth hooks
  right after it checked the API key/secret or OAuth token, so this runs once per request, knowing the
  caller; guests and users without read permission are left to Frappe's 401/403.
"""

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


class BadRequest(frappe.ValidationError):
	http_status_code = 400


class PayloadTooLarge(frappe.ValidationError):
	http_status_code = 413


def bad(message: str) -> None:
	frappe.throw(message, BadRequest, title=_("Bad request"))


# ---------------------------------------------------------------- pure checks
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


def doctype_module(doctype: str) -> str | None:
	"""The module of a DocType, None if there is none: from its meta, which Frappe's handler of the request
	loads anyway (cached in Redis and for the request), so it costs no query."""
	try:
		return frappe.get_meta(doctype).module
	except frappe.DoesNotExistError:
		frappe.clear_last_message()  # Frappe's own "not found" answers the request (once)
		return None


def is_app_doctype(doctype: str) -> bool:
	return doctype_module(doctype) in frappe.get_module_list("crm_suite")


def _parse_json_param(name: str, raw: Any) -> Any:
	if not isinstance(raw, str):
		return raw
	try:
		return json.loads(raw)
	except ValueError:
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


def check_method_arguments(fn: Callable, args: dict, *, bound: bool = False) -> None:
	"""Required arguments present (Frappe fails on a missing one with a TypeError) and, for document
	methods (`bound`), no argument the method does not take (Frappe passes those on: a TypeError too).
	The types of annotated arguments are Frappe's to check (417)."""
	missing = missing_arguments(fn, args, bound=bound)
	if missing:
		bad(_("Missing argument(s): {0}").format(", ".join(missing)))
	unknown = unknown_arguments(fn, args, bound=bound) if bound else []
	if unknown:
		bad(_("Unknown argument(s): {0}").format(", ".join(unknown)))


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
	method_call = METHOD_PATH.match(request.path)
	if doctype or method_call:  # the app's DocTypes and methods, its guest webhooks included
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
	elif method_call:
		validate_method_call(method_call["method"], guest)


def validate_resource_request(request, doctype: str, name: str | None) -> None:
	"""Document methods, a list of a Single, and create/update bodies of the app's DocTypes. List queries
	are Frappe's alone (it checks fields and filters itself); the few it fails on with a 500 are answered
	by bad_request_responses."""
	if not frappe.has_permission(doctype, "read"):
		return
	form = frappe.local.form_dict
	if request.method in ("GET", "POST") and name and form.get("run_method"):
		args = {k: v for k, v in form.items() if k not in ("run_method", "cmd")}
		validate_doc_method_call(doctype, form.get("run_method"), args)
	elif request.method == "GET" and not name and frappe.get_meta(doctype).issingle:
		bad(_("{0} is a Single: read it at /api/resource/{0}/{0}").format(doctype))
	elif request.method == "PUT" or (request.method == "POST" and not name):
		data = form.get("data")
		if data is None:
			raw = frappe.safe_decode(request.get_data())
			try:
				body = json.loads(raw) if raw.strip() else dict(form)
			except ValueError:
				body = dict(form)  # form-encoded: Frappe reads form_dict
		else:
			body = _parse_json_param("data", data)
		if isinstance(body, dict):
			body = {k: v for k, v in body.items() if k not in ("cmd", "flags")}
		tables = {df.fieldname: df.options for df in frappe.get_meta(doctype).get_table_fields()}
		check_body(body, _value_fields(doctype), lambda fieldname: _value_fields(tables[fieldname]))


# ---------------------------------------------------------------- response side
# MariaDB errors that only a list request's own parameters cause (Frappe builds the query from them):
# unknown or ambiguous column, SQL syntax (a negative limit), misuse of an aggregate, a column that is
# neither grouped nor aggregated, operand shape, illegal mix of collations.
BAD_QUERY_ERRORS = frozenset({1052, 1054, 1055, 1056, 1064, 1111, 1241, 1247, 1267, 1271})
JSON_LIST_PARAMS = ("fields", "filters", "or_filters")
LIMIT_PARAMS = ("limit_start", "limit_page_length", "limit", "start", "page_length")


def _filters_shape_ok(value: Any) -> bool:
	"""An object of field: value, or a list of conditions whose names are text: what Frappe's filter
	parser can iterate (anything else fails inside it with a TypeError)."""
	if isinstance(value, dict):
		return True
	if not isinstance(value, list):
		return False
	return all(
		isinstance(c, str) or (isinstance(c, list) and all(isinstance(x, str) for x in c[:-1])) for c in value
	)


def list_request_fault(form: dict, db_error: Callable[[], tuple[int, str] | None]) -> str | None:
	"""Why a list request (GET /api/resource/{DocType}) that failed was the caller's fault, or None.
	`form` is the query string; `db_error()` the (code, message) MariaDB reports for its query, asked
	only when the parameters themselves are well-formed."""
	for key in JSON_LIST_PARAMS:
		raw = form.get(key)
		if not isinstance(raw, str) or not raw.strip():
			continue
		try:
			value = json.loads(raw)
		except ValueError:
			return _("{0} is not valid JSON").format(key)
		if key == "fields" and not (
			isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
		):
			return _("fields must be a JSON list of field names")
		if key != "fields" and not _filters_shape_ok(value):
			return _("{0} must be a JSON object or a JSON list of [field, operator, value]").format(key)
	for key in LIMIT_PARAMS:
		if str(form.get(key) or "").strip().startswith("-"):
			return _("{0} must be a whole number of zero or more, got {1}").format(key, form[key])
	error = db_error()
	if error and error[0] in BAD_QUERY_ERRORS:
		return _("The list could not be read: {0}").format(error[1])
	return None


def write_request_fault(
	body: bytes, *, is_json: bool, method: str, name: str | None, form: dict
) -> str | None:
	"""Why an API call with a body (a create, update or document method on /api/resource, or any call
	with a JSON body) that failed was the caller's fault, or None (pure)."""
	if is_json and body.strip():
		try:
			json.loads(body)
		except ValueError as e:
			return _("The request body is not valid JSON: {0}").format(e)
	if method == "POST" and name and not form.get("run_method"):
		return _("POST to a document runs one of its methods and needs run_method; update it with PUT")
	data = form.get("data")
	if data is None and is_json and body.strip():
		data = body
	if isinstance(data, str | bytes):
		try:
			data = json.loads(data)
		except ValueError:
			return None  # form-encoded: Frappe reads form_dict
	if method in ("POST", "PUT") and data is not None and not isinstance(data, dict):
		return _("The request body must be a JSON object")
	return None


def rerun_list_query(doctype: str, args: dict) -> tuple[int, str] | None:
	"""Run the failed list request's query again as Frappe's document_list ran it, and return MariaDB's
	(code, message) if it fails in the database. Only called for a list request that failed with a
	database error: those fail while MariaDB prepares the statement, before reading any row."""
	args = dict(args)
	try:
		if args.get("fields"):
			args["fields"] = json.loads(args["fields"])
		args.setdefault("limit_page_length", args.get("limit") or 20)
		frappe.call(frappe.client.get_list, doctype, **args)
	except Exception as e:
		code = e.args[0] if e.args and isinstance(e.args[0], int) else None
		return (code, str(e.args[1])) if code and len(e.args) > 1 else None
	return None


def bad_request_responses(response=None, request=None) -> None:
	"""after_request hook: an API request that failed with a 500 because of its own input (a parameter
	that is not JSON or of the wrong shape, a column that does not exist, a negative limit, a body that
	is not a JSON object, POST to a document without run_method) is answered with a 400 and a message, on
	every DocType. Anything else stays a 500 (and in the Error Log)."""
	if response is None or request is None or response.status_code != 500:
		return
	if not request.path.startswith("/api/"):
		return
	form = frappe.local.form_dict or {}
	m = RESOURCE_PATH.match(request.path)
	message = write_request_fault(
		request.get_data(),
		is_json=request.is_json,
		method=request.method if m else "",
		name=m and m["name"],
		form=form,
	)
	if not message and m and request.method == "GET" and not m["name"]:
		doctype = unquote(m["doctype"])
		db_failed = (frappe.local.response or {}).get("exc_type") in ("OperationalError", "ProgrammingError")
		message = list_request_fault(
			request.args, lambda: rerun_list_query(doctype, request.args) if db_failed else None
		)
	if message:
		_answer(response, 400, message)


def _answer(response, status: int, message: str) -> None:
	response.status_code = status
	response.mimetype = "application/json"
	response.set_data(
		json.dumps(
			{
				"exc_type": "BadRequest",
				"exception": f"BadRequest: {message}",
				"_server_messages": json.dumps(
					[
						json.dumps(
							{
								"message": message,
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
