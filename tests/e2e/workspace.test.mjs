// Day one in a real browser: on a site with the demo data, a CRM user opens the CRM workspace (its number
// cards and charts), then every link of its cards (lists, settings, pages, reports). Fails on any JavaScript
// error, any failed request (HTTP 4xx/5xx), a card or chart without data, and a report without rows.
// Run through pytest (tests/integration/platform/test_e2e_workspace.py), which makes the demo data.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { config, deskIdle, goto, launch, login, screenshot } from "./lib/harness.mjs";

let h;
const failedRequests = [];
const jsErrors = [];
// frappe-charts (bundled in Frappe's desk) redraws a chart from its ResizeObserver after the workspace has
// re-rendered the chart's node and then throws this; a known library bug (frappe/charts#347, still open),
// not the app's, so only this exact error from that exact place is let through.
const CHARTS_RESIZE_BUG = (stack) =>
	stack.includes("Failed to execute 'removeChild' on 'Node'") && stack.includes("ResizeObserver.boundDrawFn");

describe("CRM workspace on the demo data", () => {
	before(async () => {
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
			() => {
				const cards = [...document.querySelectorAll(".widget.number-widget-box")];
				const charts = [...document.querySelectorAll(".widget.dashboard-widget-box")];
				return (
					cards.length >= 4 &&
					cards.every((c) => /\d/.test(c.querySelector(".number")?.innerText || "")) &&
					charts.length >= 4 &&
					charts.every((c) => c.querySelector(".frappe-chart svg, .chart-container svg"))
				);
			},
			null,
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
			for (const label of chart.labels) {
				assert.ok(!/^(null|undefined|none|not specified)$/i.test(label), `${chart.title}: label "${label}"`);
			}
		}
		await screenshot(page, "20-workspace-demo");
	});

	it("opens every link of the workspace's cards", async () => {
		const { page } = h;
		await goto(page, "/app/crm");
		await page.waitForFunction(() => document.querySelectorAll(".links-widget-box a.link-item").length > 0, null, {
			timeout: 90_000,
		});
		const links = await page.evaluate(() =>
			[...new Set([...document.querySelectorAll(".links-widget-box a.link-item")].map((a) => a.getAttribute("href")))].filter(
				Boolean,
			),
		);
		assert.ok(links.length >= 30, `only ${links.length} links on the workspace`);
		const emptyReports = [];
		for (const href of links) {
			await goto(page, href);
			if (href.includes("/query-report/")) {
				const name = decodeURIComponent(href.split("/query-report/")[1]);
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
				const rows = await page.evaluate(() => (frappe.query_report.data || []).length);
				if (!rows) emptyReports.push(name);
			} else {
				await page.waitForFunction(() => document.querySelector(".page-title .title-text, .page-head .title-text"), null, {
					timeout: 60_000,
				});
			}
			assert.deepEqual(jsErrors, [], `JavaScript errors on ${href}`);
			assert.deepEqual(failedRequests, [], `failed requests on ${href}`);
		}
		assert.deepEqual(emptyReports, [], "reports without rows on the demo data");
		await screenshot(page, "21-workspace-last-link");
	});

	it("saw no JavaScript error and no failed request", () => {
		assert.deepEqual(jsErrors, []);
		assert.deepEqual(failedRequests, []);
		assert.ok(config.url);
	});
});
