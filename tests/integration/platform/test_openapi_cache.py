"""The OpenAPI document is built once per metadata version, and again after any metadata change."""

import json

import frappe

import crm_suite.api.openapi as openapi


def test_the_document_is_cached_per_metadata_version(monkeypatch):
	builds = []
	real_build = openapi.build_openapi

	def counting_build(server_url=None):
		builds.append(server_url)
		return real_build(server_url)

	monkeypatch.setattr(openapi, "build_openapi", counting_build)
	url = "http://cache-test.invalid"
	first = openapi.openapi_text(url)
	assert json.loads(first)["servers"][0]["url"] == url
	assert openapi.openapi_text(url) == first
	assert len(builds) <= 1  # built at most once (an earlier request may have built it)

	builds.clear()
	frappe.clear_cache(doctype="Lead")  # what saving a DocType, Custom Field or Property Setter does
	assert json.loads(openapi.openapi_text(url)) == json.loads(first)
	assert builds == [url]
	openapi.openapi_text(url)
	assert builds == [url]
