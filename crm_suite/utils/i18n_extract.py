"""Babel extractors for the messages Frappe's own extractors don't see (mapped in babel_extractors.csv).

`bench generate-pot-file --app crm_suite` reads the app's `babel_extractors.csv` before Frappe's own map,
so these run first for the files they match:

- `hooks.py` goes to the plain Python extractor: Frappe's navbar extractor imports hooks from a path taken
  relative to the bench, which fails when the app folder is a symlink out of the bench (CI, worktrees); the
  app has no navbar items to extract anyway.
- the fixtures (workspace, number cards, charts, dashboard, Kanban board, workflows with their states and
  actions, roles, custom fields): Frappe extracts a workspace only from `workspace/*/*.json`, and the rest
  not at all, though the desk shows all of them through `__()`.
- the masters a new site starts with (`setup/install.py`: sales stages, lead sources, lost reasons, ticket
  types, ...): their names are values, shown through `__()` where the desk translates link titles and
  Select-like values, so they must be in the catalogue too.

Each extractor yields Babel's (lineno, funcname, message, comments) tuples.
"""

import io
import json
from collections.abc import Iterator

from frappe.gettext.extractors import python as python_extractor
from frappe.gettext.extractors import workspace as workspace_extractor

Message = tuple[int | None, str, str, list[str]]

# fixture doctype -> (fields whose value is shown, child table -> fields)
FIXTURE_FIELDS: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, ...]]]] = {
	"Number Card": (("label",), {}),
	"Dashboard Chart": (("chart_name",), {}),
	"Dashboard": (("dashboard_name",), {}),
	"Kanban Board": (("kanban_board_name",), {"columns": ("column_name",)}),
	"Workflow": (("workflow_name",), {"states": ("state",), "transitions": ("action",)}),
	"Workflow State": (("workflow_state_name",), {}),
	"Workflow Action Master": (("workflow_action_name",), {}),
	"Role": (("role_name",), {}),
	"Custom Field": (("label", "description"), {}),
}


def extract_python(fileobj, keywords, comment_tags, options) -> Iterator:
	"""Frappe's Python extractor (`_()` with a context) for hooks.py."""
	yield from python_extractor.extract(fileobj, keywords, comment_tags, options)


def extract_fixtures(fileobj, *args, **kwargs) -> Iterator[Message]:
	"""Messages of the records shipped in `fixtures/*.json` (a list of documents per file)."""
	docs = json.load(fileobj)
	if not isinstance(docs, list):
		return
	for doc in docs:
		doctype = doc.get("doctype")
		if doctype == "Workspace":
			for _lineno, funcname, message, comments in workspace_extractor.extract(
				io.StringIO(json.dumps(doc))
			):
				if message:
					yield None, funcname, message, comments
			continue
		fields, tables = FIXTURE_FIELDS.get(doctype, ((), {}))
		for field in fields:
			if value := doc.get(field):
				yield None, "_", value, [f"{field} of the {doctype} '{doc.get('name')}' (fixture)"]
		for table, table_fields in tables.items():
			for row in doc.get(table) or []:
				for field in table_fields:
					if value := row.get(field):
						yield None, "_", value, [f"{field} in the {doctype} '{doc.get('name')}' (fixture)"]


def extract_install(fileobj, keywords, comment_tags, options) -> Iterator:
	"""`_()` calls of setup/install.py, and the names of the default masters it creates."""
	yield from python_extractor.extract(fileobj, keywords, comment_tags, options)
	from crm_suite.setup.install import DEFAULT_MASTERS

	for doctype, (key, records) in DEFAULT_MASTERS.items():
		for record in records:
			yield None, "_", record[key], [f"Name of a default {doctype} created on install"]
