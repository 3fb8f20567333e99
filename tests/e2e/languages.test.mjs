// The users' languages in a real browser (docs/i18n.md): an Italian Sales User sees the CRM workspace, a
// Lead form and the Sales Funnel in Italian; a Bosnian portal user sees /support in Bosnian. Run through
// pytest (tests/integration/platform/test_e2e_languages.py), which makes the two users and their records.
//
// Environment (besides the harness's CRM_E2E_URL / CRM_E2E_CHROMIUM / CRM_E2E_SCREENSHOTS):
//   CRM_E2E_IT_USER, CRM_E2E_IT_PASSWORD   a Sales User whose language is Italian
//   CRM_E2E_IT_LEAD                        a lead it owns, from the lead source Cold Call
//   CRM_E2E_BS_USER, CRM_E2E_BS_PASSWORD   a portal user (Support Customer) whose language is Bosnian
//   CRM_E2E_BS_TICKET                      a ticket of that user's customer
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { config, contextOptions, deskIdle, goto, launch, screenshot } from "./lib/harness.mjs";

const env = (name) => {
	const value = process.env[name];
	assert.ok(value, `${name} is not set (run through tests/integration/platform/test_e2e_languages.py)`);
	return value;
};

async function signIn(page, user, password) {
	await page.goto(`${config.url}/login`);
	await page.fill("#login_email", user);
	await page.fill("#login_password", password);
	await Promise.all([
		page.waitForURL((url) => !url.pathname.startsWith("/login"), { timeout: 30_000 }),
		page.click(".form-signin .btn-login"),
	]);
}

// frappe-charts' resize redraw can run on a chart the workspace has just drawn again and throw
// (https://github.com/frappe/charts/issues/368, open upstream, seen here under load): only that error, by
// its message and its ResizeObserver frame, is not counted; any other JavaScript error fails the journey.
const upstreamChartRace = (error) =>
	error.includes("Failed to execute 'removeChild' on 'Node'") && error.includes("ResizeObserver.boundDrawFn");

async function text(page, selector) {
	return (await page.locator(selector).first().innerText()).trim();
}

describe("CRM Suite in Italian and Bosnian", () => {
	let h;

	before(async () => {
		h = await launch();
	});

	after(async () => {
		await h?.browser.close();
	});

	it("an Italian Sales User sees the workspace, a Lead form and the Sales Funnel in Italian", async () => {
		const { page } = h;
		const errors = [];
		page.on("pageerror", (err) => errors.push(`${page.url()}: ${err}\n${err.stack}`));
		await signIn(page, env("CRM_E2E_IT_USER"), env("CRM_E2E_IT_PASSWORD"));
		await deskIdle(page);
		assert.equal(await page.evaluate(() => frappe.boot.lang), "it");

		await goto(page, "/app/crm");
		// the cards, charts and links render one after the other: wait for the last ones (textContent, as
		// innerText would give the number cards' CSS upper case)
		const content = () => document.querySelector(".layout-main-section")?.textContent || "";
		await page.waitForFunction(
			(fn) =>
				new Function(`return (${fn})()`)().includes("Funnel di vendita") &&
				new Function(`return (${fn})()`)().includes("Chiamata a freddo") &&
				document.querySelector("[number_card_name] .number"),
			content.toString(),
			{ timeout: 60_000 },
		);
		await deskIdle(page);
		const workspace = await page.evaluate(content);
		// cards, links, the report header, and the Leads by Source chart's legend (the lead source Cold Call)
		for (const label of ["Lead aperti", "Funnel di vendita", "Opportunità", "Report e anagrafiche", "Chiamata a freddo"]) {
			assert.ok(workspace.includes(label), `the workspace shows "${label}"`);
		}
		for (const label of ["Open Leads", "Sales Funnel", "Reports & Masters", "Cold Call"]) {
			assert.ok(!workspace.includes(label), `the workspace shows no English "${label}"`);
		}
		await screenshot(page, "i18n-01-workspace-it");

		// the user's own lead, from a shipped lead source: labels, the source (a translated master) and the
		// workflow state in Italian
		await goto(page, `/app/lead/${env("CRM_E2E_IT_LEAD")}`);
		await page.waitForSelector('.frappe-control[data-fieldname="source"]');
		const label = (fieldname) => text(page, `.frappe-control[data-fieldname="${fieldname}"] .control-label`);
		assert.equal(await label("first_name"), "Nome");
		assert.equal(await label("source"), "Origine");
		assert.equal(await label("company_name"), "Organizzazione");
		const source = page.locator('.frappe-control[data-fieldname="source"] input').first();
		await page.waitForFunction(
			(el) => el.value === "Chiamata a freddo",
			await source.elementHandle(),
		);
		assert.equal(await text(page, ".page-head .indicator-pill"), "Nuovo");
		await screenshot(page, "i18n-02-lead-form-it");

		await goto(page, `/app/query-report/${encodeURIComponent("Sales Funnel")}`);
		await page.waitForFunction(() => window.frappe?.query_report?.report_name === "Sales Funnel");
		// rendered with rows, no request pending, and still so a second later (setting the default filters
		// runs the report again)
		const rendered = () =>
			frappe.query_report.$report?.is(":visible") &&
			frappe.query_report.$report.find(".dt-scrollable .dt-row").length > 0 &&
			!(frappe.request && frappe.request.ajax_count > 0);
		for (let settled = 0; settled < 2; settled++) {
			await page.waitForFunction(rendered, null, { timeout: 60_000 });
			await page.waitForTimeout(1000);
		}
		await page.waitForFunction(rendered, null, { timeout: 60_000 });
		await deskIdle(page);
		assert.equal(await text(page, ".page-title .title-text"), "Funnel di vendita");
		const headers = await page.locator(".dt-header .dt-cell__content").allInnerTexts();
		assert.ok(headers.some((h) => h.includes("Fase")), `an Italian column header in ${headers}`);
		const rows = await page.locator(".dt-scrollable .dt-row").count();
		assert.ok(rows > 0, "the funnel has rows");
		await screenshot(page, "i18n-03-sales-funnel-it");
		assert.deepEqual(errors.filter((e) => !upstreamChartRace(e)), [], "JavaScript errors");
	});

	it("a Bosnian portal user sees /support in Bosnian", async () => {
		const context = await h.browser.newContext(contextOptions({ width: 1280, height: 800 }));
		const page = await context.newPage();
		const errors = [];
		page.on("pageerror", (err) => errors.push(String(err)));
		await signIn(page, env("CRM_E2E_BS_USER"), env("CRM_E2E_BS_PASSWORD"));
		await page.goto(`${config.url}/support`);
		assert.equal(await text(page, "h2"), "Tiketi podrške");
		const body = await page.locator("body").innerText();
		for (const label of ["Otvorite novi tiket", "Predmet", "Pošalji", env("CRM_E2E_BS_TICKET"), "Otvoren"]) {
			assert.ok(body.includes(label), `/support shows "${label}"`);
		}
		assert.ok(!body.includes("Support Tickets") && !body.includes("Open a New Ticket"), "no English left");
		await screenshot(page, "i18n-04-support-bs");
		assert.deepEqual(errors, [], "JavaScript errors");
		await context.close();
	});
});
