"""Sixteen clients on one lead at once, over REST on gunicorn (2 workers), as the Sales User who owns it:
half edit it, half apply the same workflow transition ("Contact"). No 5xx; the transition happens once
(the others get Frappe's clear refusal); after the deferred automation's job (a real worker) the lead has
one assignee, one open Workflow Action for its new state, no row left waiting and no Error Log (a
deadlock in the job is retried, then logged)."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import frappe
import requests

from crm_suite.devserver import serve
from crm_suite.utils import workflow_actions
from tests.integration.factories import unique
from tests.integration.sales.test_deferred_automation import post_lead, run_worker, sellers  # noqa: F401

CLIENTS = 16


def test_sixteen_clients_on_one_lead_no_5xx_one_transition_nothing_twice(site, sellers):  # noqa: F811
	started = frappe.utils.now_datetime()
	with serve(site, workers=2, log_name="crm-suite-test-one-lead") as url:
		created = post_lead(url, site, sellers.token, unique("one-lead-"))
		assert created.status_code == 200, created.text[:300]
		lead = created.json()["data"]["name"]
		sellers.leads.append(lead)
		headers = {"Host": site, "Accept": "application/json", "Authorization": f"token {sellers.token}"}

		def hit(i: int) -> requests.Response:
			if i % 2:
				return requests.put(
					f"{url}/api/resource/Lead/{lead}",
					json={"company_name": f"Edit {i}"},
					headers=headers,
					timeout=120,
				)
			return requests.post(
				f"{url}/api/method/frappe.model.workflow.apply_workflow",
				json={"doc": {"doctype": "Lead", "name": lead}, "action": "Contact"},
				headers=headers,
				timeout=120,
			)

		with ThreadPoolExecutor(CLIENTS) as pool:
			answers = list(pool.map(hit, range(CLIENTS)))
	codes = Counter(r.status_code for r in answers)
	assert not [r.text[:300] for r in answers if r.status_code >= 500], codes
	transitions = [r for i, r in enumerate(answers) if not i % 2]
	assert sum(r.status_code == 200 for r in transitions) >= 1, codes
	assert all(r.status_code in (200, 409, 417) for r in transitions), codes

	run_worker()
	assert frappe.db.get_value("Lead", lead, "status") == "Contacted"
	assert frappe.db.count("Comment", {"reference_name": lead, "comment_type": "Workflow"}) <= 1
	assert frappe.db.count("ToDo", {"reference_type": "Lead", "reference_name": lead, "status": "Open"}) == 1
	actions = frappe.get_all(
		"Workflow Action", {"reference_name": lead, "status": "Open"}, pluck="workflow_state"
	)
	assert actions == ["Contacted"], actions
	assert not frappe.db.exists(workflow_actions.QUEUE_DOCTYPE, {"reference_name": lead})
	assert not frappe.db.exists("Error Log", {"creation": (">=", started), "reference_name": lead})
