from crm_suite.setup.install import ensure_default_address_template


def execute():
	"""Sites installed before the app made a default Address Template get one (idempotent)."""
	ensure_default_address_template()
