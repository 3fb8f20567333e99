"""The suite's OpenAPI 3.1 contract, generated from the live site (cached per metadata version).

Served at `GET /api/method/crm_suite.api.openapi.get_openapi` (any signed-in desk user; token auth works).
It covers:
- every DocType of the app's modules (modules.txt), including DocTypes an admin created in those modules
  in the desk, with their fields read through `frappe.get_meta` — Custom Fields and Property Setters
  (Customize Form) show up at once;
- every function of the `crm_suite` package whitelisted with `@frappe.whitelist()`, found in
  `frappe.whitelisted` after importing the package, with parameters from its signature;
- Single DocTypes (settings) as the one document they are, and the whitelisted methods the app defines on
  its DocTypes' controllers, as the bodies of `/api/method/run_doc_method` (what the desk's frm.call sends).
"""

import importlib
import inspect
import json
import pkgutil
from typing import Any

import frappe
from frappe import _
from frappe.model.base_document import get_controller
from werkzeug.wrappers import Response

from crm_suite.api.schema import doc_schema

APP = "crm_suite"
OPENAPI_VERSION = "3.1.0"
# Parts of the package that never hold API methods and must not be imported at run time.
SKIP_MODULE_PREFIXES = ("crm_suite.patches", "crm_suite.commands")

ERROR_SCHEMA = {
	"type": "object",
	"description": "Frappe's error body. `_server_messages` is a JSON string of a list of JSON messages; "
	"`exc_type` names the exception (ValidationError, DoesNotExistError, PermissionError, ...).",
	"properties": {
		"exc_type": {"type": "string"},
		"exception": {"type": "string"},
		"_server_messages": {"type": "string"},
	},
}
ERROR_RESPONSES = {
	"400": "Malformed request: bad JSON, unknown field, malformed filter, wrong value type",
	"401": "Invalid API key or secret",
	"403": "Not permitted",
	"404": "No such document",
	"409": "Duplicate name",
	"413": "Payload too large",
	"417": "Validation failed (mandatory field, value too long, link not found, business rule)",
}


def app_modules() -> list[str]:
	return frappe.get_module_list(APP)


def app_doctypes() -> list[dict[str, Any]]:
	"""DocTypes of the app's modules (standard and desk-created), sorted by name."""
	return frappe.get_all(
		"DocType",
		filters={"module": ["in", app_modules()]},
		fields=["name", "istable", "issingle", "is_virtual", "description"],
		order_by="name asc",
	)


def component_name(doctype: str) -> str:
	return "".join(ch for ch in doctype.title() if ch.isalnum())


def import_app_modules() -> list[str]:
	"""Import every module of the package so that `frappe.whitelisted` holds all its methods.
	Returns the modules that failed to import (the document lists them under `x-import-errors`)."""
	failed = []
	package = importlib.import_module(APP)
	for info in pkgutil.walk_packages(package.__path__, prefix=f"{APP}."):
		if info.name.startswith(SKIP_MODULE_PREFIXES) or ".test_" in info.name:
			continue
		try:
			importlib.import_module(info.name)
		except Exception:
			failed.append(info.name)
	return failed


def app_doc_methods(doctype: str) -> list[Any]:
	"""Whitelisted methods the app defines on a DocType's controller that run_doc_method may call with
	POST (a controller that fails to import is listed under `x-import-errors` already)."""
	try:
		controller = get_controller(doctype)
	except ImportError:
		return []
	return [
		fn
		for _name, fn in inspect.getmembers(controller, inspect.isfunction)
		if fn in frappe.whitelisted
		and (fn.__module__ or "").startswith(f"{APP}.")
		and "POST" in (frappe.allowed_http_methods_for_whitelisted_func.get(fn) or ["POST"])
	]


def signature_schema(fn: Any, *, bound: bool = False) -> dict[str, Any]:
	"""Object schema of a function's named parameters (type hints through pydantic)."""
	properties: dict[str, Any] = {}
	required: list[str] = []
	params = list(inspect.signature(fn).parameters.values())[1 if bound else 0 :]
	for param in params:
		if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
			continue
		properties[param.name] = annotation_schema(param.annotation)
		if param.default is inspect.Parameter.empty:
			required.append(param.name)
	schema: dict[str, Any] = {"type": "object", "properties": properties}
	if required:
		schema["required"] = required
	return schema


def app_whitelisted_methods() -> list[Any]:
	"""Module-level functions of the app registered by @frappe.whitelist (doc methods excluded)."""
	seen = {}
	for fn in frappe.whitelisted:
		module = getattr(fn, "__module__", "") or ""
		if not (module == APP or module.startswith(f"{APP}.")):
			continue
		if "." in getattr(fn, "__qualname__", ""):  # a method of a class (run via run_doc_method)
			continue
		seen[f"{module}.{fn.__name__}"] = fn
	return [seen[k] for k in sorted(seen)]


def annotation_schema(annotation: Any) -> dict[str, Any]:
	if annotation is inspect.Parameter.empty:
		return {}
	try:
		from pydantic import TypeAdapter

		schema = TypeAdapter(annotation).json_schema()
	except Exception:
		return {}
	if "$defs" in schema:  # nested models: keep the document self-contained and simple
		return {}
	return schema


def method_operation(fn: Any, http_method: str) -> dict[str, Any]:
	path = f"{fn.__module__}.{fn.__name__}"
	doc = inspect.getdoc(fn) or ""
	body = signature_schema(fn)
	properties, required = body["properties"], body.get("required", [])
	operation: dict[str, Any] = {
		"operationId": f"{http_method}_{path}",
		"summary": doc.splitlines()[0] if doc else path,
		"description": doc,
		"tags": [fn.__module__.split(".")[1] if "." in fn.__module__ else APP],
		"responses": {
			"200": {
				"description": "The method's return value, under `message`",
				"content": {
					"application/json": {"schema": {"type": "object", "properties": {"message": {}}}}
				},
			},
			**_error_responses(),
		},
	}
	if http_method == "get":
		operation["parameters"] = [
			{
				"name": name,
				"in": "query",
				"required": name in required,
				"schema": {"type": "string"}
				if schema.get("type") not in (None, "string")
				else schema or {"type": "string"},
			}
			for name, schema in properties.items()
		]
	else:
		operation["requestBody"] = {
			"required": bool(required),
			"content": {"application/json": {"schema": body}},
		}
	if fn in frappe.guest_methods:
		operation["security"] = [{}, {"tokenAuth": []}]
	return operation


def _error_responses() -> dict[str, Any]:
	return {
		code: {
			"description": text,
			"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
		}
		for code, text in ERROR_RESPONSES.items()
	}


def _list_parameters() -> list[dict[str, Any]]:
	def q(name, description, schema=None):
		return {
			"name": name,
			"in": "query",
			"required": False,
			"description": description,
			"schema": schema or {"type": "string"},
		}

	return [
		q(
			"fields",
			'JSON list of fieldnames, e.g. ["name","status"]; aggregates like "count(name) as n" allowed',
		),
		q("filters", 'JSON: {"status": "Open"}, {"amount": [">", 100]} or [["status","=","Open"], ...]'),
		q("or_filters", "JSON, same forms as filters, OR-ed"),
		q("order_by", 'e.g. "modified desc, name asc"'),
		q("group_by", "a fieldname"),
		q("limit_start", "offset", {"type": "integer", "minimum": 0}),
		q("limit_page_length", "page size (default 20; 0 = all)", {"type": "integer", "minimum": 0}),
	]


def _ok_response(data_schema: dict[str, Any]) -> dict[str, Any]:
	"""Responses of a resource operation: `{"data": ...}` and the error bodies."""
	return {
		"200": {
			"description": "OK",
			"content": {
				"application/json": {"schema": {"type": "object", "properties": {"data": data_schema}}}
			},
		},
		**_error_responses(),
	}


def doctype_paths(doctype: str) -> dict[str, Any]:
	ref = component_name(doctype)
	schema_ref = {"$ref": f"#/components/schemas/{ref}"}
	name_param = {
		"name": "name",
		"in": "path",
		"required": True,
		"schema": {"type": "string", "minLength": 1},
	}
	errors = _error_responses()

	collection = f"/api/resource/{doctype}"
	item = f"/api/resource/{doctype}/{{name}}"
	tag = [doctype]
	return {
		collection: {
			"get": {
				"operationId": f"list_{ref}",
				"summary": f"List {doctype}",
				"tags": tag,
				"parameters": _list_parameters(),
				"responses": _ok_response({"type": "array", "items": {"type": "object"}}),
			},
			"post": {
				"operationId": f"create_{ref}",
				"summary": f"Create a {doctype}",
				"tags": tag,
				"requestBody": {
					"required": True,
					"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}Input"}}},
				},
				"responses": _ok_response(schema_ref),
			},
		},
		item: {
			"parameters": [name_param],
			"get": {
				"operationId": f"get_{ref}",
				"summary": f"Read a {doctype}",
				"tags": tag,
				"responses": _ok_response(schema_ref),
			},
			"put": {
				"operationId": f"update_{ref}",
				"summary": f"Update a {doctype}",
				"tags": tag,
				"requestBody": {
					"required": True,
					"content": {
						"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}Update"}}
					},
				},
				"responses": _ok_response(schema_ref),
			},
			"delete": {
				"operationId": f"delete_{ref}",
				"summary": f"Delete a {doctype}",
				"tags": tag,
				"responses": {
					"202": {
						"description": "Deleted",
						"content": {
							"application/json": {
								"schema": {"type": "object", "properties": {"data": {"const": "ok"}}}
							}
						},
					},
					**errors,
				},
			},
		},
	}


def single_paths(doctype: str) -> dict[str, Any]:
	"""A Single (settings) is one document named like its DocType: read and update it, nothing else."""
	ref = component_name(doctype)

	tag = [doctype]
	return {
		f"/api/resource/{doctype}/{doctype}": {
			"get": {
				"operationId": f"get_{ref}",
				"summary": f"Read {doctype}",
				"tags": tag,
				"responses": _ok_response({"$ref": f"#/components/schemas/{ref}"}),
			},
			"put": {
				"operationId": f"update_{ref}",
				"summary": f"Update {doctype}",
				"tags": tag,
				"requestBody": {
					"required": True,
					"content": {
						"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}Update"}}
					},
				},
				"responses": _ok_response({"$ref": f"#/components/schemas/{ref}"}),
			},
		}
	}


def doc_method_variant(doctype: str, fn: Any, single: bool) -> dict[str, Any]:
	"""The run_doc_method body that calls one document method: the desk's `frm.call` with dt/dn."""
	doc = inspect.getdoc(fn) or ""
	dn = (
		{"const": doctype}
		if single
		else {"type": "string", "minLength": 1, "description": f"Name of the {doctype}"}
	)
	return {
		"title": f"{doctype}.{fn.__name__}",
		"description": doc,
		"type": "object",
		"properties": {
			"dt": {"const": doctype},
			"dn": dn,
			"method": {"const": fn.__name__},
			"args": signature_schema(fn, bound=True),
		},
		"required": ["dt", "dn", "method"],
		"additionalProperties": False,
	}


def run_doc_method_path(variants: list[dict[str, Any]]) -> dict[str, Any]:
	return {
		"/api/method/run_doc_method": {
			"post": {
				"operationId": "run_doc_method",
				"summary": "Call a whitelisted method of a CRM Suite document",
				"description": "What the desk's `frm.call` runs: loads the document `dn` of DocType `dt` "
				"(read permission needed) and calls `method` with `args`. One body schema per method.",
				"tags": ["Document methods"],
				"requestBody": {
					"required": True,
					"content": {"application/json": {"schema": {"oneOf": variants}}},
				},
				"responses": {
					"200": {
						"description": "The method's return value under `message`, the document under `docs`",
						"content": {
							"application/json": {
								"schema": {
									"type": "object",
									"properties": {
										"message": {},
										"docs": {"type": "array", "items": {"type": "object"}},
									},
								}
							}
						},
					},
					**_error_responses(),
				},
			}
		}
	}


def build_openapi(server_url: str | None = None) -> dict[str, Any]:
	"""The whole document, from the site's current metadata and the app's code."""
	import_errors = import_app_modules()
	doctypes = app_doctypes()
	schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
	paths: dict[str, Any] = {}

	child_refs: dict[str, str] = {}
	for dt in doctypes:
		if dt.istable:
			child_refs[dt.name] = f"#/components/schemas/{component_name(dt.name)}"
	# child tables of other apps used by our doctypes get a component too
	for dt in doctypes:
		if dt.istable or dt.is_virtual:
			continue
		for df in frappe.get_meta(dt.name).get_table_fields():
			child_refs.setdefault(df.options, f"#/components/schemas/{component_name(df.options)}")

	for child, ref in child_refs.items():
		fields = frappe.get_meta(child).fields
		schemas[ref.rsplit("/", 1)[1]] = doc_schema(fields, is_child=True)
		schemas[ref.rsplit("/", 1)[1] + "Input"] = doc_schema(fields, is_child=True, for_input=True)
	input_refs = {k: v + "Input" for k, v in child_refs.items()}

	doc_methods: list[dict[str, Any]] = []
	for dt in doctypes:
		if dt.istable or dt.is_virtual:
			continue
		meta = frappe.get_meta(dt.name)
		ref = component_name(dt.name)
		schemas[ref] = doc_schema(meta.fields, child_refs)
		schemas[ref]["description"] = dt.description or meta.get("description") or ""
		create = doc_schema(meta.fields, input_refs, for_input=True)
		schemas[f"{ref}Update"] = {k: v for k, v in create.items() if k != "required"}
		if dt.issingle:
			paths.update(single_paths(dt.name))
		else:
			schemas[f"{ref}Input"] = create
			paths.update(doctype_paths(dt.name))
		doc_methods += [doc_method_variant(dt.name, fn, bool(dt.issingle)) for fn in app_doc_methods(dt.name)]
	if doc_methods:
		paths.update(run_doc_method_path(doc_methods))

	methods = app_whitelisted_methods()
	for fn in methods:
		allowed = frappe.allowed_http_methods_for_whitelisted_func.get(fn) or ["POST"]
		explicit = set(allowed) != {"GET", "POST", "PUT", "DELETE"}
		verbs = [m.lower() for m in allowed if m in ("GET", "POST")] if explicit else ["post"]
		if not verbs:
			continue
		paths[f"/api/method/{fn.__module__}.{fn.__name__}"] = {v: method_operation(fn, v) for v in verbs}

	document: dict[str, Any] = {
		"openapi": OPENAPI_VERSION,
		"info": {
			"title": "CRM Suite API",
			"version": _app_version(),
			"description": (
				"Generated at run time from this site's DocType metadata (custom fields included) and the "
				"crm_suite app's whitelisted methods. Authenticate with `Authorization: token "
				"<api_key>:<api_secret>`. Errors are JSON with `exc_type` and `_server_messages`."
			),
		},
		"servers": [{"url": server_url or frappe.utils.get_url()}],
		"security": [{"tokenAuth": []}],
		"paths": paths,
		"components": {
			"schemas": schemas,
			"securitySchemes": {
				"tokenAuth": {
					"type": "apiKey",
					"in": "header",
					"name": "Authorization",
					"description": "`token <api_key>:<api_secret>` (generate keys in User > API Access)",
				}
			},
		},
	}
	if import_errors:
		document["x-import-errors"] = import_errors
	return document


def _app_version() -> str:
	try:
		return str(importlib.import_module(APP).__version__)
	except Exception:
		return "0.0.0"


@frappe.whitelist(methods=["GET"])
def get_openapi():
	"""The OpenAPI 3.1 document of the CRM Suite REST API (raw JSON, not wrapped in `message`)."""
	if (
		frappe.session.user == "Guest"
		or frappe.db.get_value("User", frappe.session.user, "user_type") != "System User"
	):
		frappe.throw(_("Only desk users may read the API contract"), frappe.PermissionError)
	server_url = frappe.request.host_url.rstrip("/") if getattr(frappe.local, "request", None) else None
	return Response(openapi_text(server_url), mimetype="application/json")


def openapi_text(server_url: str | None = None) -> str:
	"""The document as JSON text, built once per metadata version and server URL. Frappe gives the site's
	metadata a new `metadata_version` whenever a DocType, Custom Field or Property Setter changes (and on
	every cache clear, which `bench migrate` does), so a change in Customize Form shows at once."""
	version = frappe.cache.get_value("metadata_version") or frappe.reset_metadata_version()
	key = f"crm_suite:openapi:{version}:{server_url}"
	text = frappe.cache.get_value(key, expires=True)
	if text is None:
		text = json.dumps(build_openapi(server_url), default=str, indent=1)
		frappe.cache.set_value(key, text, expires_in_sec=24 * 3600)
	return text


@frappe.whitelist(methods=["GET"])
def get_doctype_schema(doctype: str) -> dict:
	"""The JSON Schema of one of the suite's DocTypes as the REST API returns it (custom fields included)."""
	if doctype not in {d.name for d in app_doctypes() if not d.istable}:
		frappe.throw(_("{0} is not a DocType of the CRM Suite").format(doctype), frappe.DoesNotExistError)
	if not frappe.has_permission(doctype, "read"):
		frappe.throw(_("Not permitted to read {0}").format(doctype), frappe.PermissionError)
	meta = frappe.get_meta(doctype)
	child_refs = {
		df.options: f"#/components/schemas/{component_name(df.options)}" for df in meta.get_table_fields()
	}
	return doc_schema(meta.fields, child_refs)
