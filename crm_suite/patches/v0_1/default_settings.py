from crm_suite.setup.install import apply_default_settings


def execute():
	"""Sites installed before the settings' lead-source defaults existed get them (only where unset)."""
	apply_default_settings()
