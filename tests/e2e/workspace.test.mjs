// Day one in a real browser: on a site with the demo data, a CRM user opens the CRM workspace (its number
// cards and charts), clicks every shortcut, opens every link of its cards (lists, settings, pages, reports)
// and every other list of the app. Fails on any JavaScript error, any failed request (HTTP 4xx/5xx), a card
// or chart without data, a report without rows, and on anything of the workspace's definition the desk
// does not show. Run through pytest (tests/integration/platform/test_e2e_workspace.py), which makes the demo
// data and hands over what to open (CRM_E2E_WORKSPACE: enumerated from the Workspace and the app's DocTypes).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { config, deskIdle, goto, launch, login, screenshot } from "./lib/harness.mjs";

const manifest = JSON.parse(process.env.CRM_E2E_WORKSPACE || "null");
let h;
const failedRequests = [];
const jsErrors = [];
// frappe-charts (bundled in Frappe's desk) redraws a chart from its ResizeObserver after the workspace has
// re-rendered the chart's node and then throws this; a known library bug (frappe/charts#347, still open),
// not the app's, so only this exact error from that exact place is let through.
const CHARTS_RESIZE_BUG = (stack) =>
	stack.includes("Failed to execute 'removeChild' on 'Node'") && stack.includes("ResizeObserver.boundDrawFn");

const sorted = (values) => [...values].sort();

function assertClean(where) {
	assert.deepEqual(jsErrors, [], `JavaScript errors on ${where}`);
	assert.deepEqual(failedRequests, [], `failed requests on ${where}`);
}

async function openWorkspace(page) {
	await goto(page, "/app/crm");
	await page.waitForFunction(
		() =>
			document.querySelectorAll(".links-widget-box a.link-item").length > 0 &&
			document.querySelectorAll(".widget.shortcut-widget-box").length > 0,
		null,
		{ timeout: 90_000 },
	);
}

/** A report is loaded when its table or its message is shown; returns its row count. */
async function reportRows(page, name) {
	await page.waitForFunction(
		(report) => {
			const qr = window.frappe?.query_report;
			return (
				qr?.report_name === report &&
				((qr.$report?.is(":visible") && qr.$report.find(".dt-scrollable").length > 0) || qr.$message?.is(":visible"))
			);
		},
		name,
		{ timeout: 90_000 },
	);
	await deskIdle(page);
	return page.evaluate(() => (frappe.query_report.data || []).length);
}

async function pageTitle(page) {
	await page.waitForFunction(() => document.querySelector(".page-title .title-text, .page-head .title-text"), null, {
		timeout: 60_000,
	});
}

describe("CRM workspace on the demo data", () => {
	before(async () => {
		assert.ok(manifest, "CRM_E2E_WORKSPACE (what to open) is set by test_e2e_workspace.py");
		h = await launch();
		h.page.on("pageerror", (error) => {
			const stack = error.stack || String(error);
			if (!CHARTS_RESIZE_BUG(stack)) jsErrors.push(stack);
		});
		h.page.on("response", (response) => {
			// the test server runs no socket.io (realtime): its polling 404s are not the app's
			if (response.status() >= 400 && !response.url().includes("/socket.io/")) {
				failedRequests.push(`${response.status()} ${response.url()} ${response.request().postData() || ""}`);
			}
		});
		h.page.on("requestfailed", (request) => {
			const reason = request.failure()?.errorText || "";
			if (!reason.includes("ERR_ABORTED") && !request.url().includes("/socket.io/")) failedRequests.push(`${reason} ${request.url()}`); // aborted: we navigated on
		});
		await login(h.page);
	});

	after(async () => {
		await h?.browser.close();
	});

	it("shows every number card and chart with data and real labels", async () => {
		const { page } = h;
		await goto(page, "/app/crm");
		await page
			.waitForFunction(
				({ cards, charts }) => {
					const cardBoxes = [...document.querySelectorAll(".widget.number-widget-box")];
					const chartBoxes = [...document.querySelectorAll(".widget.dashboard-widget-box")];
					return (
						cardBoxes.length === cards &&
						cardBoxes.every((c) => /\d/.test(c.querySelector(".number")?.innerText || "")) &&
						chartBoxes.length === charts &&
						chartBoxes.every((c) => c.querySelector(".frappe-chart svg, .chart-container svg"))
					);
				},
				{ cards: manifest.number_cards.length, charts: manifest.charts.length },
				{ timeout: 90_000 },
			)
			.catch(async (error) => {
				await screenshot(page, "20-workspace-failed");
				const state = await page.evaluate(() => ({
					route: frappe.get_route_str(),
					cards: [...document.querySelectorAll(".widget.number-widget-box")].map((c) => c.innerText),
					charts: [...document.querySelectorAll(".widget.dashboard-widget-box")].map((c) => c.innerHTML.length),
					main: document.querySelector(".layout-main-section")?.innerText.slice(0, 1500),
				}));
				console.log(JSON.stringify(state, null, 1));
				throw error;
			});
		await deskIdle(page);
		const titles = await page.evaluate(() => ({
			// textContent: the desk's CSS shows card titles in capitals
			cards: [...document.querySelectorAll(".widget.number-widget-box .widget-title")].map((t) => t.textContent.trim()),
			charts: [...document.querySelectorAll(".widget.dashboard-widget-box .widget-title")].map((t) => t.textContent.trim()),
		}));
		assert.deepEqual(sorted(titles.cards), sorted(manifest.number_cards), "the workspace's number cards");
		assert.deepEqual(sorted(titles.charts), sorted(manifest.charts), "the workspace's charts");
		const charts = await page.evaluate(() =>
			[...document.querySelectorAll(".widget.dashboard-widget-box")].map((c) => ({
				title: c.querySelector(".widget-title")?.innerText.trim(),
				empty: !!c.querySelector(".chart-empty-state:not(.hide)"),
				labels: [...c.querySelectorAll("svg .x.axis text, svg .chart-legend text, svg .legend-dataset-text")]
					.map((t) => t.textContent.trim())
					.filter(Boolean),
			})),
		);
		for (const chart of charts) {
			assert.ok(!chart.empty, `${chart.title}: no data`);
			assert.ok(chart.labels.length, `${chart.title}: no labels`);
			for (const label of chart.labels) {
				assert.ok(!/^(null|undefined|none|not specified)$/i.test(label), `${chart.title}: label "${label}"`);
			}
		}
		assertClean("/app/crm");
		await screenshot(page, "20-workspace-demo");
	});

	it("opens every shortcut of the workspace", async () => {
		const { page } = h;
		await openWorkspace(page);
		const shown = await page.evaluate(() =>
			[...document.querySelectorAll(".widget.shortcut-widget-box .widget-title")].map((t) => t.textContent.trim()),
		);
		assert.deepEqual(sorted(shown), sorted(manifest.shortcuts.map((s) => s.label)), "the workspace's shortcuts");
		for (const shortcut of manifest.shortcuts) {
			await openWorkspace(page);
			const clicked = await page.evaluate((label) => {
				const box = [...document.querySelectorAll(".widget.shortcut-widget-box")].find(
					(b) => b.querySelector(".widget-title")?.textContent.trim() === label,
				);
				box?.click();
				return !!box;
			}, shortcut.label);
			assert.ok(clicked, `shortcut ${shortcut.label} not on the workspace`);
			await page.waitForFunction(() => frappe.get_route()[0] !== "Workspaces", null, { timeout: 60_000 });
			await deskIdle(page);
			const where = `shortcut ${shortcut.label} (${shortcut.type} ${shortcut.link_to} ${shortcut.doc_view})`;
			if (shortcut.type === "Page") {
				await page.waitForFunction((name) => frappe.get_route()[0] === name, shortcut.link_to, { timeout: 60_000 });
			} else {
				// List, Kanban, Calendar...: the view Frappe routes to, with its own container rendered
				const selector = { Kanban: ".kanban", Calendar: ".fc" }[shortcut.doc_view] || ".frappe-list";
				await page.waitForFunction(
					({ doctype, view, selector }) => {
						const route = frappe.get_route();
						return route[0] === "List" && route[1] === doctype && (route[2] || "List") === view && !!document.querySelector(`.page-container:not([style*="display: none"]) ${selector}`);
					},
					{ doctype: shortcut.link_to, view: shortcut.doc_view, selector },
					{ timeout: 60_000 },
				);
			}
			await deskIdle(page);
			assertClean(where);
		}
		await screenshot(page, "22-workspace-last-shortcut");
	});

	it("opens every link of the workspace's cards", async () => {
		const { page } = h;
		await openWorkspace(page);
		const shown = await page.evaluate(() =>
			[...document.querySelectorAll(".links-widget-box a.link-item")].map((a) => ({
				label: a.getAttribute("title"),
				href: a.getAttribute("href"),
			})),
		);
		assert.deepEqual(
			sorted(shown.map((l) => l.label)),
			sorted(manifest.links.map((l) => l.label)),
			"the desk shows every link of the workspace's cards",
		);
		const emptyReports = [];
		for (const link of manifest.links) {
			const { href } = shown.find((l) => l.label === link.label);
			await goto(page, href);
			if (link.link_type === "Report") {
				if (!(await reportRows(page, link.link_to))) emptyReports.push(link.link_to);
			} else {
				await pageTitle(page);
			}
			assertClean(href);
		}
		assert.deepEqual(emptyReports, [], "reports without rows on the demo data");
		await screenshot(page, "21-workspace-last-link");
	});

	it("opens every other list of the app", async () => {
		const { page } = h;
		for (const list of manifest.other_lists) {
			await goto(page, list.route);
			await pageTitle(page);
			assertClean(list.route);
		}
	});

	it("saw no JavaScript error and no failed request", () => {
		assertClean("the journey");
		assert.ok(config.url);
	});
});
