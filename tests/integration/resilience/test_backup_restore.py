"""`bench backup --with-files`, then `bench restore` into a new site: every record and every file comes back.

A lab site (its own MariaDB) gets the small demo with its nightly results and public and private files
attached to leads and tickets. Frappe's own commands take the backup (database dump, public and private
file archives, site config) and restore it into a new site on the same server. Then every table of the
database is compared (row count and CHECKSUM TABLE), every File's bytes (SHA-256) on disk, and a stored
password decrypts once the new site has the old site's encryption key (from the backed-up site config)."""

import hashlib
import json
from pathlib import Path

import pytest

from tests.integration.resilience.conftest import Lab
from tests.integration.resilience.lab import ROOT_PASSWORD

TASKS = "tests.integration.resilience.lab_tasks"
RESTORED = "restored.localhost"


@pytest.fixture(scope="module")
def backed_up(lab_factory):
	the_lab: Lab = lab_factory("backup")
	# new sites of this bench go to the lab's MariaDB, as a bench's db_host / db_port say
	the_lab.bench.write_common_config({"db_host": "127.0.0.1", "db_port": the_lab.mariadb.port})
	seeded = the_lab.bench.execute(the_lab.SITE, f"{TASKS}.seed_backup")
	assert seeded["files"] == 8
	the_lab.bench.bench("backup", "--with-files", site=the_lab.SITE)
	return the_lab


def backup_files(the_lab: Lab) -> dict[str, Path]:
	"""The backup's four files (bench backup --with-files): database, public files, private files, config."""
	folder = the_lab.bench.sites / the_lab.SITE / "private" / "backups"
	kinds = {
		"database": lambda n: n.endswith("-database.sql.gz"),
		"public": lambda n: n.endswith("-files.tar") and not n.endswith("-private-files.tar"),
		"private": lambda n: n.endswith("-private-files.tar"),
		"config": lambda n: n.endswith("-site_config_backup.json"),
	}
	found = {}
	for kind, matches in kinds.items():
		paths = [p for p in folder.iterdir() if matches(p.name)]
		assert len(paths) == 1, (kind, sorted(p.name for p in folder.iterdir()))
		found[kind] = paths[0]
	return found


def tables(the_lab: Lab, db: str) -> dict[str, tuple[int, int]]:
	"""Every table of the database: (rows, CHECKSUM TABLE)."""
	names = [
		n
		for (n,) in the_lab.mariadb.sql(
			"SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'",
			(db,),
		)
	]
	result = {}
	for name in names:
		rows = the_lab.mariadb.sql(f"SELECT COUNT(*) FROM `{name}`", database=db)[0][0]
		checksum = the_lab.mariadb.sql(f"CHECKSUM TABLE `{name}`", database=db)[0][1]
		result[name] = (rows, checksum)
	return result


def files_on_disk(the_lab: Lab, site: str) -> dict[str, str]:
	"""Every File record's URL -> SHA-256 of its bytes in the site's folder."""
	conf = the_lab.bench.site_config(site)
	urls = the_lab.mariadb.sql(
		"SELECT file_url FROM `tabFile` WHERE is_folder = 0 AND file_url LIKE '/%%files/%%'",
		database=conf["db_name"],
	)
	result = {}
	for (url,) in urls:
		relative = url.lstrip("/")
		path = (
			the_lab.bench.sites
			/ site
			/ (relative if relative.startswith("private/") else f"public/{relative}")
		)
		result[url] = hashlib.sha256(path.read_bytes()).hexdigest()
	return result


def test_restore_into_a_new_site_keeps_every_record_and_file(backed_up):
	the_lab = backed_up
	backup = backup_files(the_lab)
	root_login = ("--db-root-username", "root", "--db-root-password", ROOT_PASSWORD)
	# A new site (Frappe 15 restores into an existing one): made from the dump itself, no app installed.
	the_lab.bench.bench(
		"new-site",
		RESTORED,
		"--source-sql",
		str(backup["database"]),
		"--admin-password",
		"admin",
		"--db-host",
		"127.0.0.1",
		"--db-port",
		str(the_lab.mariadb.port),
		*root_login,
	)
	the_lab.bench.bench(
		"restore",
		str(backup["database"]),
		"--with-public-files",
		str(backup["public"]),
		"--with-private-files",
		str(backup["private"]),
		*root_login,
		site=RESTORED,
	)
	restored_db = the_lab.bench.site_config(RESTORED)["db_name"]

	before, after = tables(the_lab, the_lab.db), tables(the_lab, restored_db)
	assert set(before) == set(after)
	app_tables = {
		f"tab{name}"
		for (name,) in the_lab.mariadb.sql(
			"""SELECT d.name FROM `tabDocType` d JOIN `tabModule Def` m ON m.name = d.module
			WHERE m.app_name = 'crm_suite' AND d.issingle = 0 AND IFNULL(d.is_virtual, 0) = 0""",
			database=the_lab.db,
		)
	}
	assert len(app_tables) > 20 and app_tables <= set(before)
	differ = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
	assert not {t: d for t, d in differ.items() if t in app_tables}, "app tables differ after the restore"
	assert before["tabFile"] == after["tabFile"] and before["tabLead"][0] > 0
	assert set(differ) <= {"tabDefaultValue", "tabSingles", "tabSessions"}, differ  # see below

	files = files_on_disk(the_lab, the_lab.SITE)
	assert len([u for u in files if "/lab-" in u]) == 8
	assert files_on_disk(the_lab, RESTORED) == files

	# Stored passwords decrypt with the old site's key, which the backup keeps in its site config.
	old_key = json.loads(backup["config"].read_text())["encryption_key"]
	the_lab.bench.update_site_config(RESTORED, {"encryption_key": old_key})
	assert the_lab.bench.execute(RESTORED, f"{TASKS}.decrypted_email_password", account="Lab Backup") == (
		"lab-secret-password"
	)
