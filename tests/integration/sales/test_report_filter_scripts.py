"""The Sales reports' filters are written once (crm_suite/sales/report/sales_report_filters.js) and each
report's script includes them: the script Frappe serves to the desk, run in Node, defines the five
filters with the report's own date labels."""

import json
import subprocess

import pytest
from frappe.desk.query_report import get_script

REPORTS = {
	"Sales Funnel": "Created From",
	"Lead Conversion Time": "Lead Created From",
	"Lead Source Effectiveness": "Lead Created From",
	"Pipeline Forecast": "Expected Close From",
	"Win Loss Analysis": "Closed From",
}
HARNESS = """
const __ = (s) => s;
const frappe = {
	query_reports: {},
	datetime: {
		get_today: () => "2026-06-15",
		add_months: (d, n) => `${d}${n >= 0 ? "+" : ""}${n}m`,
		month_start: () => "2026-06-01",
		month_end: () => "2026-06-30",
	},
};
eval(require("fs").readFileSync(0, "utf8"));
console.log(JSON.stringify(frappe.query_reports));
"""


@pytest.mark.parametrize("report, from_label", REPORTS.items())
def test_each_sales_report_gets_the_shared_filters(report, from_label):
	script = get_script(report)["script"]
	assert "{% include" not in script
	out = subprocess.run(
		["node", "-e", HARNESS], input=script, capture_output=True, text=True, timeout=60, check=True
	)
	filters = json.loads(out.stdout)[report]["filters"]
	assert [f["fieldname"] for f in filters] == ["from_date", "to_date", "owner", "source", "campaign"]
	assert filters[0]["label"] == from_label and filters[0]["default"]
	assert [f.get("options") for f in filters[2:]] == ["User", "Lead Source", "Campaign"]
