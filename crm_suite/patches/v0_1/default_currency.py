from crm_suite.setup.install import ensure_default_currency


def execute():
	"""Sites without a default currency format money in the first currency there is; give them one."""
	ensure_default_currency()
