"""Frappe's Data Import between users (crm_suite/api/data_import.py): a Sales Manager's Lead import, with
its file of names and emails, attacked through Frappe's own server calls by another importing role (a
Marketing Manager), a Sales User (who does not import) and a portal user of a customer. Each failed on the
code before the fix: they read the file's rows, the status and the log, and the Sales User started the
import, whose rows Frappe's importer then inserted as leads of theirs.

Frappe's importer commits, so these tests commit and delete what they made (test_lead_import's `world`)."""

import frappe
import pytest

from tests.integration.factories import delete_for_good, make_customer, make_user, make_website_user, unique
from tests.integration.sales import test_lead_import
from tests.integration.security.world import http_request, limit_to_customer

world = test_lead_import.world  # the fixture: a Sales Manager (who imports) and a seller; deleted after

MODULE = "frappe.core.doctype.data_import.data_import"


@pytest.fixture
def others(world):
	"""The attackers: another importing role, a Sales User, a portal user; committed, deleted after."""
	users = {
		"Marketing Manager": make_user("Marketing Manager").name,
		"Sales User": make_user("Sales User").name,
		"portal user": make_website_user().name,
	}
	frappe.db.commit()
	yield users
	frappe.db.rollback()
	frappe.set_user("Administrator")
	for user in users.values():
		delete_for_good("User", user)
	frappe.db.commit()


def call(cmd: str, **args):
	"""A Frappe method as its handler dispatches it (override_whitelisted_methods, whitelist, HTTP verb)."""
	from frappe.handler import is_valid_http_method

	fn = frappe.get_attr(frappe.get_hooks("override_whitelisted_methods", {}).get(cmd, [cmd])[-1])
	http_request("POST")
	frappe.local.form_dict = frappe._dict(args, cmd=cmd)
	try:
		frappe.is_whitelisted(fn)
		is_valid_http_method(fn)
		return frappe.call(fn, **args)
	finally:
		frappe.local.request = None
		frappe.local.form_dict = frappe._dict()


def secret_import(world):
	"""The Sales Manager's Lead import (Frappe's row-by-row path), not started yet."""
	email = f"{unique('secret-')}@example.com"
	data_import = test_lead_import.make_data_import(
		world,
		test_lead_import.HEADER,
		[["Secret", unique(), email, "Hidden Ltd", "Website"]],
		"secret-",
		import_type="Insert New Records",
	)
	frappe.set_user("Administrator")
	return data_import, email


def test_nobody_else_reads_an_import_its_file_or_its_log(world, others):
	data_import, email = secret_import(world)
	file = frappe.db.get_value("File", {"file_url": data_import.import_file}, "name")
	name_calls = {
		"get_preview_from_template": {"data_import": data_import.name},
		"get_import_status": {"data_import_name": data_import.name},
		"download_import_log": {"data_import_name": data_import.name},
		"download_errored_template": {"data_import_name": data_import.name},
		"get_import_logs": {"data_import": data_import.name},
	}
	for who, user in others.items():
		frappe.set_user(user)
		for fn, args in name_calls.items():
			with pytest.raises(frappe.PermissionError):
				call(f"{MODULE}.{fn}", **args)
		assert not frappe.has_permission("Data Import", "read", doc=data_import.name), who
		assert not frappe.has_permission("File", "read", doc=file), who
		if frappe.has_permission("Data Import", "read"):  # the importing role: a list without it
			assert data_import.name not in frappe.get_list("Data Import", pluck="name"), who
			assert call("frappe.client.get_count", doctype="Data Import") == len(
				frappe.get_list("Data Import", pluck="name")
			)
	frappe.set_user(world.manager)  # its owner still has it all
	preview = call(f"{MODULE}.get_preview_from_template", data_import=data_import.name)
	assert email in str(preview["data"])
	assert call(f"{MODULE}.get_import_status", data_import_name=data_import.name)["status"] == "Pending"


def test_only_its_owner_with_the_import_right_starts_an_import(world, others):
	data_import, email = secret_import(world)
	for who in ("Sales User", "Marketing Manager", "portal user"):
		frappe.set_user(others[who])
		with pytest.raises(frappe.PermissionError):
			call(f"{MODULE}.form_start_import", data_import=data_import.name)
	frappe.set_user("Administrator")
	assert not frappe.db.exists("Lead", {"email_id": email}), "no row of the file was inserted"
	assert frappe.db.get_value("Data Import", data_import.name, "status") == "Pending"
	assert not frappe.db.count("Data Import Log", {"data_import": data_import.name})

	frappe.set_user(world.manager)
	call(f"{MODULE}.form_start_import", data_import=data_import.name)  # the job runs at once in tests
	frappe.set_user("Administrator")
	assert frappe.db.get_value("Lead", {"email_id": email}, "owner") == world.manager


def test_an_import_reads_only_a_file_its_user_may_read(world, others):
	"""Frappe's ImportFile reads any File by its URL: another importer's import (or preview) naming the
	Sales Manager's private file is refused."""
	data_import, email = secret_import(world)
	frappe.set_user(others["Marketing Manager"])
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc(
			{
				"doctype": "Data Import",
				"reference_doctype": "Lead",
				"import_type": "Insert New Records",
				"import_file": data_import.import_file,
			}
		).insert()
	own = frappe.get_doc(
		{"doctype": "Data Import", "reference_doctype": "Lead", "import_type": "Insert New Records"}
	).insert()
	with pytest.raises(frappe.PermissionError):
		call(
			f"{MODULE}.get_preview_from_template",
			data_import=own.name,
			import_file=data_import.import_file,
		)
	frappe.db.rollback()


def test_an_importer_still_reads_their_file_once_another_uploads_the_same_content(world, others):
	"""Frappe gives an upload of the same content the same file_url: the Marketing Manager uploading the
	Sales Manager's CSV again does not make the Sales Manager's preview and save refused."""
	data_import, email = secret_import(world)
	own_file = frappe.get_doc("File", {"file_url": data_import.import_file})
	frappe.set_user(others["Marketing Manager"])
	copy = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{unique('copy-')}.csv",
			"content": own_file.get_content(),
			"is_private": 1,
		}
	).insert()
	frappe.db.commit()
	try:
		assert copy.file_url == data_import.import_file
		frappe.set_user(world.manager)
		preview = call(
			f"{MODULE}.get_preview_from_template",
			data_import=data_import.name,
			import_file=data_import.import_file,
		)
		assert email in str(preview["data"])
		frappe.get_doc("Data Import", data_import.name).save()
		frappe.set_user(others["Marketing Manager"])  # their copy is theirs to import
		frappe.get_doc(
			{
				"doctype": "Data Import",
				"reference_doctype": "Lead",
				"import_type": "Insert New Records",
				"import_file": copy.file_url,
			}
		).insert()
	finally:
		frappe.db.rollback()
		frappe.set_user("Administrator")
		frappe.db.delete("File", {"name": copy.name})  # the row only: the file on disk is the manager's
		frappe.db.commit()


def test_nobody_else_lists_or_reads_the_file_of_an_import(world, others):
	"""/api/resource/File listed the file of another user's import (attached to its Data Import) to the other
	importing roles: Frappe shows a private file attached to any doctype the user may read, and they read
	Data Import. Its name and URL opened it. Now a file attached to an import is listed and readable only for
	who may read the import, and an import's file is private (Frappe lists a public one to everyone)."""
	data_import, _email = secret_import(world)
	file = frappe.db.get_value(
		"File", {"attached_to_doctype": "Data Import", "attached_to_name": data_import.name}
	)
	assert file, "Frappe attaches an import's file to it"
	fields = ["name", "file_name", "file_url", "attached_to_doctype", "attached_to_name"]
	for who in ("Sales User", "Marketing Manager"):
		frappe.set_user(others[who])
		listed = call("frappe.client.get_list", doctype="File", fields=fields, limit_page_length=0)
		assert not [f for f in listed if f["name"] == file or f["attached_to_name"] == data_import.name], who
		count = call(
			"frappe.client.get_count", doctype="File", filters={"attached_to_doctype": "Data Import"}
		)
		assert count == len([f for f in listed if f["attached_to_doctype"] == "Data Import"]), who
		assert not frappe.has_permission("File", "read", doc=file), who
	frappe.set_user(world.manager)  # the importer still lists and reads it
	assert file in frappe.get_list("File", filters={"attached_to_name": data_import.name}, pluck="name")
	assert frappe.has_permission("File", "read", doc=file)

	public = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{unique('public-')}.csv",
			"content": f"First Name,Last Name,Email\nOpen,{unique()},open@example.com\n".encode(),
			"is_private": 0,
		}
	).insert()
	try:
		with pytest.raises(frappe.ValidationError, match="must be private"):
			frappe.get_doc(
				{
					"doctype": "Data Import",
					"reference_doctype": "Lead",
					"import_type": "Insert New Records",
					"import_file": public.file_url,
				}
			).insert()
		assert not frappe.db.exists("Data Import", {"import_file": public.file_url})
	finally:
		public.delete(ignore_permissions=True, delete_permanently=True)  # its content on disk too
		frappe.db.rollback()
		frappe.set_user("Administrator")


@pytest.mark.parametrize("bulk", [0, 1], ids=["row by row", "bulk insert"])
def test_a_skipped_repeat_names_only_a_lead_the_importer_may_read(world, bulk):
	"""With repeats = Skip, the log of a row repeating a lead said "repeats lead CRM-LEAD-…": the name of
	a lead of a customer the importing Sales Manager is not allowed (a User Permission) came back. Now
	the log says only that the row repeats a lead they may not open (the row is still left out)."""
	frappe.set_user("Administrator")
	allowed, other = make_customer(), make_customer()
	email = f"{unique('hidden-')}@example.com"
	hidden = frappe.get_doc(
		{"doctype": "Lead", "first_name": "Hidden", "last_name": unique(), "email_id": email}
	).insert(ignore_permissions=True)
	frappe.db.set_value("Lead", hidden.name, "customer", other.name)
	limit_to_customer(world.manager, allowed.name)
	frappe.db.set_single_value("CRM Settings", "import_duplicates", "Skip")
	frappe.db.commit()
	try:
		data_import = test_lead_import.make_data_import(
			world,
			test_lead_import.HEADER,
			[["Again", unique(), email, "", ""]],
			"repeat-",
			import_type="Insert New Records",
			crm_bulk_insert=bulk,
		)
		assert not frappe.has_permission("Lead", "read", doc=hidden.name, user=world.manager)
		frappe.set_user(world.manager)
		call(f"{MODULE}.form_start_import", data_import=data_import.name)
		frappe.set_user("Administrator")
		result = test_lead_import.import_results(data_import.name)
		assert list(result.failed) == [2] and not result.ok
		assert hidden.name not in result.failed[2]
		assert "may not open" in result.failed[2]
	finally:
		frappe.db.rollback()
		frappe.set_user("Administrator")
		frappe.db.delete("User Permission", {"user": world.manager})
		for doctype, name in (("Lead", hidden.name), ("Customer", allowed.name), ("Customer", other.name)):
			delete_for_good(doctype, name)
		frappe.db.commit()
