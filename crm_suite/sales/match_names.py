"""Blanking the names of stored duplicate matches once they are no longer kept.

A lead's Matches rows (Lead Duplicate, `duplicates.flag_duplicates`) name the matched record only while
every reader of the lead may read it (`duplicates.names_kept`). When that stops -- the site's first User
Permission is created, or CRM Settings' own-records option is switched on -- the rows stored before still
name their matches, and so do the lead's Versions that recorded them: the list and report view's child
columns, their group-by, the export, REST with child fields and the timeline's change history (Frappe's
docinfo reads a document's Versions for anyone who may read the document, whatever the Version doctype's
own permission) would show them to a reader who may not read the match.

So the change that stops names being kept (`request`, in its own transaction) marks the site's matches as
to be blanked and queues `run` on the `long` queue after the commit. The job blanks the name and title of
the stored matches on every doctype whose names are no longer kept, then the same values in the lead's
Versions (rows added, removed or changed in the Matches table), a chunk at a time on the primary key, each
chunk one SELECT and one UPDATE and committed with its position. A job that stops (its timeout, a lost
worker) is queued again by the hourly `sweep` while the mark is there and resumes at that position; the
mark is cleared at the end unless a newer request came in meanwhile (then it runs again)."""

from __future__ import annotations

import json

import frappe

from crm_suite.sales import duplicates

CHUNK = 2_000
JOB_ID = "crm_suite_blank_match_names"
JOB_METHOD = "crm_suite.sales.match_names.run"
TIMEOUT = 4 * 3600  # a killed job resumes anyway (sweep): this only spares the restarts on a big site
PARENT = "__crm_suite"  # DefaultValue rows of the app's own bookkeeping (no user's or global default)
PENDING = "match_names_pending"  # a new token per request
PROGRESS = "match_names_progress"  # "token step after": where the job's last committed chunk ended
TABLE = "duplicates"  # Lead's Matches table field
NAMED_FIELDS = ("reference_name", "match_title")


def hidden_doctypes() -> list[str]:
	"""The matched doctypes whose stored matches keep no name now (`duplicates.names_kept`)."""
	limited = duplicates.user_permissions_exist()
	return [d for d in duplicates.MATCHED_DOCTYPES if not duplicates.names_kept(d, limited)]


def on_user_permission_insert(doc, method=None) -> None:
	"""User Permission after_insert: the site's first one stops every match keeping its name."""
	up = frappe.qb.DocType("User Permission")
	if not frappe.qb.from_(up).select(up.name).where(up.name != doc.name).limit(1).run():
		request()


def request() -> None:
	"""Mark the stored names to be blanked (in the caller's transaction) and queue the job after its commit."""
	_set(PENDING, frappe.generate_hash(length=12))
	enqueue()


def enqueue() -> None:
	frappe.enqueue(
		JOB_METHOD,
		queue="long",
		timeout=TIMEOUT,
		job_id=JOB_ID,
		deduplicate=True,
		enqueue_after_commit=True,
	)


def sweep() -> None:
	"""Hourly: queue the job again while a request is not done (a job that stopped, a worker down)."""
	if _get(PENDING):
		enqueue()


def run(chunk: int = CHUNK, chunks: int | None = None) -> None:
	"""The job: blank what the pending request asks for, `chunk` rows per committed step; `chunks` stops
	it after that many (as a job stopped by its timeout: the next run resumes)."""
	steps = (blank_rows, scrub_versions)
	while token := _get(PENDING):
		hidden = hidden_doctypes()
		saved = (_get(PROGRESS) or "").split(" ")
		start, after = (int(saved[1]), saved[2]) if len(saved) == 3 and saved[0] == token else (0, "")
		for index in range(start, len(steps) if hidden else 0):
			while (after := steps[index](hidden, after, chunk)) is not None:
				_set(PROGRESS, f"{token} {index} {after}")
				frappe.db.commit()
				if chunks is not None:
					chunks -= 1
					if chunks <= 0:
						return
			after = ""
		# done, unless a newer request came in meanwhile: then the loop runs again for it
		frappe.db.delete("DefaultValue", {"parent": PARENT, "defkey": PENDING, "defvalue": token})
		_set(PROGRESS, None)
		frappe.db.commit()


# each chunk a range on the primary key from where the last one ended: the tables are read once per run,
# whatever the size of the site (a scan for what is left would read the blanked rows again every chunk)
NAMED_ROWS = """select name from `tabLead Duplicate` force index (primary)
	where name > %(after)s and reference_doctype in %(hidden)s
		and (reference_name is not null or match_title is not null)
	order by name limit %(limit)s"""
LEAD_VERSIONS = """select name, data from `tabVersion` force index (primary)
	where name > %(after)s and ref_doctype = 'Lead' and data like %(table)s
	order by name limit %(limit)s"""


def blank_rows(hidden: list[str], after: str, limit: int = CHUNK) -> str | None:
	"""Blank the name and title of the next `limit` named matches on `hidden` doctypes after row `after`;
	the last row's name, or None when none is left."""
	names = frappe.db.sql_list(NAMED_ROWS, {"after": after, "hidden": hidden, "limit": limit})
	if not names:
		return None
	frappe.db.sql(
		"""update `tabLead Duplicate` force index (primary) set reference_name = null, match_title = null
		where name in %(names)s""",
		{"names": names},
	)
	return names[-1]


def scrub_versions(hidden: list[str], after: str, limit: int = CHUNK) -> str | None:
	"""Blank the match names in the next `limit` Versions of leads that recorded Matches rows, after
	Version `after`; the last Version's name, or None when none is left."""
	rows = frappe.db.sql(LEAD_VERSIONS, {"after": after, "table": f'%"{TABLE}"%', "limit": limit})
	if not rows:
		return None
	scrubbed = {name: data for name, old in rows if (data := scrub_version_data(old, hidden)) is not None}
	if scrubbed:
		cases = " ".join("when %s then %s" for _ in scrubbed)
		values = [value for pair in scrubbed.items() for value in pair]
		frappe.db.sql(
			f"""update `tabVersion` force index (primary) set data = case name {cases} end
			where name in %s""",
			[*values, list(scrubbed)],
		)
	return rows[-1][0]


def scrub_version_data(data: str | None, hidden: list[str]) -> str | None:
	"""A Version's data (Frappe's diff: `added`/`removed` rows, `row_changed` values) with the name and
	title of Matches rows on `hidden` doctypes blanked; None when nothing changes. A changed row's values
	are blanked whatever it matches (the change does not say)."""
	try:
		diff = json.loads(data or "")
	except ValueError:
		return None
	if not isinstance(diff, dict):
		return None
	changed = False
	for key in ("added", "removed"):
		for entry in diff.get(key) or []:
			if (
				isinstance(entry, list)
				and len(entry) == 2
				and entry[0] == TABLE
				and isinstance(entry[1], dict)
			):
				row = entry[1]
				if row.get("reference_doctype") in hidden and any(row.get(f) for f in NAMED_FIELDS):
					row.update(dict.fromkeys(NAMED_FIELDS))
					changed = True
	for entry in diff.get("row_changed") or []:
		# [table field, row index, row name, [[field, old, new], ...]]
		if isinstance(entry, list) and len(entry) == 4 and entry[0] == TABLE:
			for change in entry[3] or []:
				if isinstance(change, list) and len(change) == 3 and change[0] in NAMED_FIELDS:
					if change[1] or change[2]:
						change[1] = change[2] = None
						changed = True
	return frappe.as_json(diff, indent=None, separators=(",", ":")) if changed else None


def _get(key: str) -> str | None:
	return frappe.db.get_value("DefaultValue", {"parent": PARENT, "defkey": key}, "defvalue")


def _set(key: str, value: str | None) -> None:
	frappe.db.delete("DefaultValue", {"parent": PARENT, "defkey": key})
	if value is not None:
		frappe.get_doc(
			{
				"doctype": "DefaultValue",
				"parent": PARENT,
				"parenttype": PARENT,
				"defkey": key,
				"defvalue": value,
			}
		).db_insert()
