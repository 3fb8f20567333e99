"""Requests while a part of the platform is away: a clean HTTP 503 instead of a 500 or a hang.

Wired in hooks.py (`before_request`, `before_job`, `after_request`); docs/operations.md says what keeps
working and what waits while MariaDB, Redis or the replica is down.

MariaDB down (a restart, a crash, a failover): requests get a 503 at once.

Frappe connects to the database lazily, at a request's first query, and answers a refused connection with
HTTP 500 and the driver's traceback; for a POST, PUT or DELETE its closing rollback then fails a second time
and the client gets gunicorn's bare "Internal Server Error" page. `require_database` (a `before_request`
hook, wired in hooks.py) opens the request's connection first instead: the connection Frappe would open
at the first query anyway, so a reachable database costs nothing extra. If MariaDB does not answer, the
request stops there with 503, a translatable message and a Retry-After header; the request's database
handle is dropped, so nothing later in the request (Frappe's rollback, the error log) tries it again.
Nothing was written, because nothing could be. A request that was already running when the server went
away fails with Frappe's own 5xx, and its transaction is rolled back by MariaDB (InnoDB recovery after a
crash): tests/integration/resilience/test_database_restart.py shows both, under load.

Only the database's own unavailability is caught here (a refused or lost connection, a server shutting
down or starting): a wrong password or a missing database is a configuration error and stays a 500.
"""

import json

import frappe
from frappe import _

RETRY_AFTER_SECONDS = 5
# MariaDB client and server error codes that mean "the server is not there right now":
# 2002/2003 can't connect (socket/TCP), 2006 server has gone away, 2013 lost connection during query,
# 1053 server shutdown in progress, 1927 connection killed (shutdown), 2055 lost connection at handshake.
UNAVAILABLE_CODES = frozenset({2002, 2003, 2006, 2013, 1053, 1927, 2055})


class DatabaseUnavailableError(frappe.ValidationError):
	http_status_code = 503


def database_unavailable(e: BaseException) -> bool:
	"""Whether a database error means the server is down or unreachable (not a query's or a login's fault)."""
	import pymysql

	if isinstance(e, pymysql.err.InterfaceError):  # the connection is closed: (0, '')
		return True
	if not isinstance(e, pymysql.err.OperationalError):
		return False
	return not e.args or e.args[0] in UNAVAILABLE_CODES


def require_database() -> None:
	"""before_request hook: connect now; a database that is down ends the request with 503."""
	db = getattr(frappe.local, "db", None)
	if db is None or getattr(db, "_conn", None):
		return
	try:
		db.connect()
	except Exception as e:
		if not database_unavailable(e):
			raise
		frappe.local.db = None  # nothing after this may try the database again in this request
		frappe.local.flags.crm_database_unavailable = True
		frappe.throw(message(), DatabaseUnavailableError, title=title())


def message() -> str:
	try:
		return _(
			"The database is not reachable right now, so nothing was read or saved. Please try again in a moment."
		)
	except Exception:  # translations of the user's language not cached, and the database is away
		return "The database is not reachable right now, so nothing was read or saved. Please try again in a moment."


def title() -> str:
	try:
		return _("Service Unavailable")
	except Exception:
		return "Service Unavailable"


def unavailable_responses(response=None, request=None) -> None:
	"""after_request hook: a 503 for an unreachable database tells clients when to try again, and a 500
	that Redis caused (see below) becomes such a 503 too."""
	if response is None:
		return
	if frappe.local.flags.crm_database_unavailable:
		response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
	elif response.status_code == 500 and redis_failed(response):
		answer_redis_unavailable(response)


# --------------------------------------------------------------------------------------------- Redis
# Frappe's cache wrapper reads through to MariaDB when Redis does not answer, so the desk, the REST API,
# reports and logins keep working without Redis (slower). What needs Redis itself fails: queueing a
# background job (frappe.enqueue: "Recompute now", "Send Due Steps Now", webhooks, SLA recomputes) and the
# rate limits of the public endpoints (web-to-lead, feedback). Frappe answers those with a 500 and the
# driver's traceback after rolling the request back; they become a 503 with a message here.
REDIS_ERRORS = ("ConnectionError", "TimeoutError", "BusyLoadingError")


def redis_failed(response) -> bool:
	"""Whether this 500 came from Redis: a redis-py connection error type, and Redis does not answer."""
	try:
		body = json.loads(response.get_data(as_text=True) or "{}")
	except ValueError:
		return False
	if not isinstance(body, dict) or body.get("exc_type") not in REDIS_ERRORS:
		return False
	if "redis." in str(body.get("exception", "")):
		return True
	try:  # the traceback is not always in the answer: ask Redis
		frappe.cache.ping()
		return False
	except Exception:
		return True


def answer_redis_unavailable(response) -> None:
	text = redis_message()
	response.status_code = 503
	response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
	response.set_data(
		json.dumps(
			{
				"exc_type": "RedisUnavailableError",
				"_server_messages": json.dumps(
					[json.dumps({"message": text, "title": title(), "indicator": "red"})]
				),
			}
		)
	)


def redis_message() -> str:
	try:
		return _(
			"The job queue is not reachable right now, so nothing was saved. Please try again in a moment."
		)
	except Exception:
		return "The job queue is not reachable right now, so nothing was saved. Please try again in a moment."


# --------------------------------------------------------------------------------------------- replica
REPLICA_STATE_KEY = "crm_suite:replica_reachable"
REPLICA_PROBE_SECONDS = 5


def use_replica_only_if_reachable(*args, **kwargs) -> None:
	"""before_request and before_job hook: with `read_from_replica` on, a replica that does not answer is
	left out of this request or job, so what is marked @frappe.read_only() (reports, list views, the
	analytics jobs' reads) reads from the primary instead of failing with a 500. Whether the replica
	answers is probed (a TCP connect and login, 2 s at most) at most once every REPLICA_PROBE_SECONDS (or
	the site config's `replica_probe_seconds`) per site and shared through the cache; a replica that stops between two probes fails the reports of those
	seconds."""
	conf = frappe.local.conf
	if not conf.get("read_from_replica") or replica_reachable():
		return
	conf.read_from_replica = 0  # this request's or job's copy of the site config


def replica_reachable() -> bool:
	try:
		state = frappe.cache.get_value(REPLICA_STATE_KEY)
	except Exception:  # Redis away: probe every time
		state = None
	if state is not None:
		return bool(state)
	reachable = probe_replica()
	if not reachable:
		frappe.logger("crm_suite").warning(
			f"replica {frappe.conf.replica_host}:{frappe.conf.replica_db_port} does not answer: reading from the primary"
		)
	try:
		frappe.cache.set_value(REPLICA_STATE_KEY, int(reachable), expires_in_sec=replica_probe_seconds())
	except Exception:
		pass
	return reachable


def replica_probe_seconds() -> int:
	"""How long a probe's verdict holds: REPLICA_PROBE_SECONDS, or the site config's `replica_probe_seconds`."""
	return int(frappe.conf.get("replica_probe_seconds") or REPLICA_PROBE_SECONDS)


def probe_replica() -> bool:
	"""Connect and log in to the replica as frappe.connect_replica would."""
	import pymysql

	conf = frappe.conf
	user, password = conf.db_name, conf.db_password
	if conf.different_credentials_for_replica:
		user, password = conf.replica_db_name, conf.replica_db_password
	try:
		pymysql.connect(
			host=conf.replica_host,
			port=int(conf.replica_db_port or 3306),
			user=user,
			password=password,
			database=conf.db_name,
			connect_timeout=2,
		).close()
		return True
	except pymysql.err.MySQLError:
		return False
