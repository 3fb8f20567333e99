"""The app's languages: the message catalogue checks, and the language each recipient reads.

Catalogue (docs/i18n.md): `fresh_template()` extracts the app's messages exactly as
`bench generate-pot-file --app crm_suite` does (Frappe's extractors plus the app's babel_extractors.csv),
into memory; `untranslated()` lists the messages of that template a locale's .po file has no translation
for; `missed_by_gettext()` lists the `_("...")` calls of the Python code that gettext cannot see (inside an
f-string), so they never reach the template.

Recipients: `email_language()` / `user_language()` pick the language of whoever reads a text (a
Contact's Language, else the User's, else the site's); `in_language()` renders within it.
"""

import ast
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import frappe

APP = "crm_suite"
LOCALES = ("it", "bs")


# ---------------------------------------------------------------------------------------------- catalogue
def fresh_template(app: str = APP):
	"""The template (a babel Catalog) `bench generate-pot-file --app app` would write, not written."""
	from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
	from frappe.gettext.translate import get_is_gitignored_function_for_app, get_method_map, new_catalog

	try:
		is_gitignored = get_is_gitignored_function_for_app(app)
	except Exception:
		# not a git checkout (an installed copy): only the dot and underscore folders are skipped

		def is_gitignored(_dirpath: str) -> bool:
			return False

	def directory_filter(dirpath: str | os.PathLike[str]) -> bool:
		if is_gitignored(str(dirpath)):
			return False
		subdir = os.path.basename(dirpath)
		return not (subdir.startswith(".") or subdir.startswith("_"))

	keywords = DEFAULT_KEYWORDS.copy()
	keywords["_lt"] = None
	catalog = new_catalog(app)
	method_map = get_method_map(app) + get_method_map("frappe")
	for filename, lineno, message, comments, context in extract_from_dir(
		frappe.get_pymodule_path(app, ".."), method_map, directory_filter=directory_filter, keywords=keywords
	):
		if message:
			catalog.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
	return catalog


def untranslated(locale: str, template=None, app: str = APP) -> list[tuple[str, str | None]]:
	"""(msgid, msgctxt) of every message of the template without a translation in the app's locale.po
	(missing, empty or fuzzy)."""
	from babel.messages.pofile import read_po
	from frappe.gettext.translate import get_po_path

	template = template if template is not None else fresh_template(app)
	po_path = get_po_path(app, locale)
	po = None
	if po_path.exists():
		with open(po_path, "rb") as f:
			po = read_po(f)
	missing = []
	for message in template:
		if not message.id:
			continue
		found = po.get(message.id, message.context) if po else None
		if not found or not found.string or found.fuzzy:
			missing.append((message.id, message.context))
	return sorted(missing, key=lambda m: (m[0], m[1] or ""))


def missed_by_gettext(app: str = APP) -> list[str]:
	"""`_("...")` calls the Python extractor cannot see (inside f-strings), as "path:line: message"."""
	root = Path(frappe.get_app_path(app))
	found = []
	for path in sorted(root.rglob("*.py")):
		tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
		for fstring in (n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)):
			for node in ast.walk(fstring):
				if (
					isinstance(node, ast.Call)
					and isinstance(node.func, ast.Name)
					and node.func.id in ("_", "_lt")
					and node.args
					and isinstance(node.args[0], ast.Constant)
					and isinstance(node.args[0].value, str)
				):
					found.append(f"{path.relative_to(root.parent)}:{node.lineno}: {node.args[0].value}")
	return found


# `__("…")` / `__('…')` with a plain literal (no `${}` inside), as the desk's scripts and pages call it
JS_CALL = re.compile(r"""\b__\(\s*(["'])((?:\\.|(?!\1)[^\\\n])*)\1\s*[,)]""")


def missed_in_javascript(template, app: str = APP) -> list[str]:
	"""`__("...")` calls of the app's .js and .html files whose message is not in the template (Frappe's
	JavaScript extractor skips some, e.g. one nested in a template literal's `${}`), as "path: message"."""
	root = Path(frappe.get_app_path(app))
	ids = {m.id for m in template if m.id}
	found = []
	for path in sorted([*root.rglob("*.js"), *root.rglob("*.html")]):
		if "node_modules" in path.parts or "dist" in path.parts:
			continue
		for match in JS_CALL.finditer(path.read_text(encoding="utf-8")):
			message = re.sub(r"\\(.)", r"\1", match.group(2))
			if message and message not in ids:
				found.append(f"{path.relative_to(root.parent)}: {message}")
	return found


def report(app: str = APP, locales: tuple[str, ...] = LOCALES) -> tuple[str, bool]:
	"""A readable report of every gap (for the bench command and the test); True when there is none."""
	template = fresh_template(app)
	lines, ok = [f"{len([m for m in template if m.id])} messages in a fresh template of {app}"], True
	for locale in locales:
		missing = untranslated(locale, template, app)
		ok = ok and not missing
		lines.append(f"{locale}: {len(missing)} untranslated")
		lines.extend(f"  {msgid!r}" + (f" (context {ctx!r})" if ctx else "") for msgid, ctx in missing)
	hidden = missed_by_gettext(app) + missed_in_javascript(template, app)
	if hidden:
		ok = False
		lines.append(
			f"{len(hidden)} _() / __() calls gettext did not extract (move them out of the f-string or ${{}}):"
		)
		lines.extend(f"  {h}" for h in hidden)
	return "\n".join(lines), ok


def compile_catalogues(app: str = APP) -> None:
	"""Compile the app's .po files to the bench's .mo files when a .po is newer (what `bench build` does),
	so a site has its translations after install and migrate without a build; then drop the cached
	translations."""
	from frappe.gettext.translate import _compile_translation, get_locales
	from frappe.translate import clear_cache

	for locale in get_locales(app):
		try:
			_compile_translation(app, locale)
		except OSError:
			# a read-only assets folder (a deployment that builds elsewhere) must not stop a migrate
			frappe.log_error(title=f"Could not compile the {locale} translations of {app}")
	clear_cache()


# ---------------------------------------------------------------------------------------------- recipients
def site_language() -> str:
	"""The site's language (System Settings), else English."""
	return frappe.db.get_default("lang") or "en"


def user_language(user: str | None) -> str:
	"""The User's language, else the site's."""
	lang = frappe.db.get_value("User", user, "language") if user else None
	return lang or site_language()


def email_language(email: str | None) -> str:
	"""The language of whoever reads mail at this address: a Contact's Language (the CRM's own choice for
	that contact), else the language of the User with that address or of the Contact's User, else the
	site's. (Frappe gives every new User the site's language, so a User's language cannot tell a choice
	from the default: the Contact's, set on purpose, comes first.) Indexed look-ups only (User name,
	Contact email_id, Contact Email email_id), so a campaign can ask once per recipient."""
	email = (email or "").strip()
	if not email:
		return site_language()
	contact = frappe.qb.DocType("Contact")
	contact_email = frappe.qb.DocType("Contact Email")
	names = (
		frappe.qb.from_(contact).select(contact.name).where(contact.email_id == email)
		+ frappe.qb.from_(contact_email)
		.select(contact_email.parent)
		.where((contact_email.email_id == email) & (contact_email.parenttype == "Contact"))
	).run(pluck=True)
	rows = (
		(
			frappe.qb.from_(contact)
			.select(contact.email_language, contact.user)
			.where(contact.name.isin(names))
			.orderby(contact.modified, order=frappe.qb.desc)
		).run(as_dict=True)
		if names
		else []
	)
	for row in rows:
		if row.email_language:
			return row.email_language
	for user in [email, *(row.user for row in rows if row.user)]:
		if lang := frappe.db.get_value("User", user, "language"):
			return lang
	return site_language()


@contextmanager
def in_language(lang: str | None) -> Iterator[str]:
	"""Render (with `_()` and templates) in this language, then go back to the caller's."""
	previous = getattr(frappe.local, "lang", None)
	frappe.local.lang = lang or site_language()
	try:
		yield frappe.local.lang
	finally:
		frappe.local.lang = previous


# ---------------------------------------------------------------------------------------------- desk
@frappe.whitelist()
def dashboard_chart(chart_name=None, chart=None, **kwargs):
	"""Frappe's dashboard chart data (`override_whitelisted_methods` in hooks.py), with the labels of a
	Group By chart (record names and Select values: lead sources, ticket statuses, segments) in the reader's
	language: Frappe shows them as stored. The call, its permission checks and its cache (one per chart,
	shared by every language, so translated here after it) are Frappe's."""
	from frappe.desk.doctype.dashboard_chart.dashboard_chart import get
	from frappe.utils import cstr

	# Frappe's own answers through its cache wrapper, which reads the chart by name only: without a name
	# (or with a `chart` alone) it fails with an AttributeError, a 500
	if not chart_name or not isinstance(chart_name, str):
		frappe.throw(frappe._("Give the name of a Dashboard Chart."), frappe.ValidationError)
	result = get(chart_name=chart_name, chart=chart, **kwargs)
	if chart_name:
		chart_type = frappe.db.get_value("Dashboard Chart", chart_name, "chart_type")
	else:
		chart_type = (frappe.parse_json(chart) or {}).get("chart_type")
	if chart_type == "Group By" and isinstance(result, dict) and result.get("labels"):
		result = {
			**result,
			"labels": [frappe._(cstr(label)) if label else label for label in result["labels"]],
		}
	return result
