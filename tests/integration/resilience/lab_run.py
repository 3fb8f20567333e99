"""Runs functions in lab sites for the resilience tests: one process (Frappe imported once) that reads
one JSON request a line from stdin and answers each with one JSON line on stdout:

	{"site": "lab.localhost", "method": "dotted.path", "kwargs": {...}}  ->  {"result": ...} or {"error": "..."}

Each call runs in a fresh Frappe context of its site (as `bench --site SITE execute` would) and commits.
Started by LabBench from the lab's sites folder."""

import contextlib
import importlib
import json
import sys
import traceback

import frappe


def call(site: str, method: str, kwargs: dict):
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	try:
		module, name = method.rsplit(".", 1)  # frappe.get_attr only imports installed apps' modules
		result = getattr(importlib.import_module(module), name)(**kwargs)
		frappe.db.commit()
		return result
	finally:
		frappe.destroy()


def main() -> None:
	answers = sys.stdout
	for line in sys.stdin:
		request = json.loads(line)
		try:
			with contextlib.redirect_stdout(sys.stderr):  # what the function prints is not an answer
				answer = {"result": call(request["site"], request["method"], request.get("kwargs") or {})}
		except Exception:
			answer = {"error": traceback.format_exc()}
		answers.write(json.dumps(answer, default=str) + "\n")
		answers.flush()


if __name__ == "__main__":
	main()
