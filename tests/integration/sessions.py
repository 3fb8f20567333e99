"""Other database sessions for the concurrency tests: each runs in a thread with its own frappe context and
connection, as another web worker or background job would; and waiting for another process's commits."""

import threading
import time

import frappe


def in_own_session(site, sites_path, work, results: list, user: str = "Administrator", barrier=None) -> None:
	"""Run `work()` in a new session as `user` and commit; append its result to `results`, or the exception
	(after a rollback). With `barrier`, the session waits there first (the sessions start together) and
	breaks it on an error, so no other session waits for this one."""
	frappe.init(site=site, sites_path=sites_path)
	try:
		frappe.connect()
		frappe.set_user(user)
		frappe.flags.in_test = True
		if barrier:
			barrier.wait()
		result = work()
		frappe.db.commit()
		results.append(result)
	except Exception as e:
		frappe.db.rollback()
		if barrier:
			barrier.abort()
		results.append(e)
	finally:
		frappe.destroy()


def run_in_threads(site, works, barrier=None, timeout: float = 90, users=None) -> list:
	"""Every one of `works` in its own session (`in_own_session`, as the matching one of `users`, default
	Administrator), at once; their results or exceptions, in the order they finished. The caller's
	transaction is rolled back afterwards: a fresh snapshot sees the sessions' commits."""
	sites_path = frappe.local.sites_path
	results: list = []
	users = users or ["Administrator"] * len(works)
	threads = [
		threading.Thread(target=in_own_session, args=(site, sites_path, work, results, user, barrier))
		for work, user in zip(works, users, strict=True)
	]
	for t in threads:
		t.start()
	for t in threads:
		t.join(timeout=timeout)
	assert not any(t.is_alive() for t in threads)
	frappe.db.rollback()
	return results


def run_together(site, works) -> list:
	"""`run_in_threads` with the sessions lined up at a barrier before they start their work."""
	return run_in_threads(site, works, barrier=threading.Barrier(len(works), timeout=30))


def wait_until(condition, timeout: float, interval: float = 0.1):
	"""Call `condition()` on a fresh snapshot (the transaction rolled back first) every `interval` seconds
	until it returns something true or `timeout` seconds have passed; its last result. For a worker or a
	job in another process whose commits the test waits for."""
	deadline = time.monotonic() + timeout
	while True:
		frappe.db.rollback()
		result = condition()
		if result or time.monotonic() > deadline:
			return result
		time.sleep(interval)
