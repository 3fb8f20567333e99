"""Shared pytest set-up. Unit tests (tests/unit) need nothing; integration tests need a site (--site)."""

import os
from pathlib import Path


def pytest_addoption(parser):
	parser.addoption(
		"--site",
		default=os.environ.get("CRM_SITE"),
		help="Frappe site the integration tests run against (or set CRM_SITE)",
	)


def bench_path() -> Path:
	"""The bench this interpreter belongs to."""
	from crm_suite.devserver import bench_folder

	return bench_folder()
