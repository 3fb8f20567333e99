"""hooks.py is read as a module: a hook assigned twice (two branches each adding their own
`override_doctype_class = {...}`) or a key given twice in one dict keeps only the last one, silently."""

import ast
from pathlib import Path

import crm_suite
from crm_suite import hooks

HOOKS = Path(crm_suite.__file__).parent / "hooks.py"


def test_no_hook_is_assigned_twice():
	tree = ast.parse(HOOKS.read_text())
	names = [
		t.id
		for node in tree.body
		if isinstance(node, ast.Assign)
		for t in node.targets
		if isinstance(t, ast.Name)
	]
	assert sorted({n for n in names if names.count(n) > 1}) == []


def test_no_key_is_given_twice_in_a_hook_dict():
	twice = []
	for node in ast.walk(ast.parse(HOOKS.read_text())):
		if isinstance(node, ast.Dict):
			keys = [ast.unparse(k) for k in node.keys if k is not None]
			twice += [(node.lineno, k) for k in set(keys) if keys.count(k) > 1]
	assert twice == []


def test_every_doctype_class_override_is_kept():
	assert hooks.override_doctype_class == {
		"Data Import": "crm_suite.sales.bulk_import.BulkDataImport",
		"Personal Data Deletion Request": "crm_suite.crm.privacy.CRMPersonalDataDeletionRequest",
		"Email Account": "crm_suite.service.inbound_mail.account.SupportEmailAccount",
		"Notification Log": "crm_suite.service.inbound_mail.notification_log.SupportNotificationLog",
		"Scheduled Job Type": "crm_suite.utils.scheduled_jobs.CRMScheduledJobType",
	}
