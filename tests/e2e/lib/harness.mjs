// Harness for the browser journeys: Debian's Chromium driven by playwright-core against a served site.
//
// Environment:
//   CRM_E2E_URL        base URL of the site (default http://127.0.0.1:8000)
//   CRM_E2E_USER       desk user to log in as (default Administrator)
//   CRM_E2E_PASSWORD   its password (default admin)
//   CRM_E2E_CHROMIUM   browser binary (default /usr/bin/chromium)
//   CRM_E2E_SCREENSHOTS  folder for screenshots (default tests/e2e/screenshots)
//   CRM_E2E_TIME_ZONE  the browser's time zone, as a user of the site has it (the site's; default the
//                      machine's): the desk's calendar opens on the browser's today
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));

export const config = {
	url: (process.env.CRM_E2E_URL || "http://127.0.0.1:8000").replace(/\/$/, ""),
	user: process.env.CRM_E2E_USER || "Administrator",
	password: process.env.CRM_E2E_PASSWORD || "admin",
	chromium: process.env.CRM_E2E_CHROMIUM || "/usr/bin/chromium",
	screenshots: process.env.CRM_E2E_SCREENSHOTS || path.resolve(here, "..", "screenshots"),
	timeZone: process.env.CRM_E2E_TIME_ZONE || undefined,
};

/** A browser context as a user of the site has it: its viewport, English, the site's time zone. */
export function contextOptions(viewport) {
	return { viewport, locale: "en-US", timezoneId: config.timeZone };
}

export const CHROMIUM_ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-dev-shm-usage",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--no-first-run",
];

export async function launch() {
	mkdirSync(config.screenshots, { recursive: true });
	const browser = await chromium.launch({
		executablePath: config.chromium,
		headless: true,
		args: CHROMIUM_ARGS,
	});
	const context = await browser.newContext(contextOptions({ width: 1400, height: 900 }));
	context.setDefaultTimeout(30_000);
	const page = await context.newPage();
	const errors = [];
	page.on("pageerror", (err) => errors.push(String(err)));
	return { browser, context, page, errors };
}

export async function screenshot(page, name) {
	const file = path.join(config.screenshots, `${name}.png`);
	await page.screenshot({ path: file, fullPage: false });
	return file;
}

/** The desk is ready when Frappe's boot is done and no freeze overlay or request is pending. Frappe's
 * overlay is `#freeze`; list and Kanban views keep a hidden "Loading..." `.freeze` element in the page
 * (shown only while they fetch), so only a visible one counts: waiting for any `.freeze` to vanish
 * waited for nothing and ran into the timeout whenever a view kept its element. */
export async function deskIdle(page) {
	await page.waitForFunction(
		() =>
			window.frappe &&
			frappe.boot &&
			!document.querySelector("#freeze") &&
			![...document.querySelectorAll(".freeze")].some((el) => el.offsetParent !== null) &&
			!(frappe.request && frappe.request.ajax_count > 0),
		null,
		{ timeout: 90_000 }, // a wait, not a speed check: the CI machine may be busy
	);
}

export async function login(page) {
	await page.goto(`${config.url}/login`);
	await page.fill("#login_email", config.user);
	await page.fill("#login_password", config.password);
	await Promise.all([
		page.waitForURL(/\/app(\/|$)/, { timeout: 30_000 }),
		page.click(".form-signin .btn-login"),
	]);
	await deskIdle(page);
}

export async function goto(page, route) {
	await page.goto(`${config.url}${route}`);
	await deskIdle(page);
}

/** Type into a form field of the current form (Data, Select, Link...). */
export async function fillField(page, fieldname, value) {
	const input = page.locator(
		`.frappe-control[data-fieldname="${fieldname}"] input:visible, .frappe-control[data-fieldname="${fieldname}"] select:visible`,
	).first();
	if ((await input.evaluate((el) => el.tagName)) === "SELECT") {
		await input.selectOption(value);
	} else {
		await input.fill(value);
		await input.press("Tab");
	}
}

export async function saveForm(page) {
	await page.keyboard.press("Control+s");
	await page.waitForFunction(() => cur_frm && !cur_frm.is_new() && !cur_frm.is_dirty(), null, { timeout: 30_000 });
	await deskIdle(page);
	return page.evaluate(() => cur_frm.doc.name);
}

/** Call a whitelisted method through the desk's own session (reads the state the UI produced). */
export async function call(page, method, args = {}) {
	return page.evaluate(
		async ({ method, args }) => (await frappe.call({ method, args })).message,
		{ method, args },
	);
}

export async function getValue(page, doctype, name, fieldname) {
	const result = await call(page, "frappe.client.get_value", { doctype, filters: name, fieldname });
	return result && result[fieldname];
}

export async function docExists(page, doctype) {
	return page.evaluate(async (dt) => {
		const r = await frappe.call({ method: "frappe.client.get_count", args: { doctype: "DocType", filters: { name: dt } } });
		return r.message > 0;
	}, doctype);
}

export async function reportExists(page, name) {
	return page.evaluate(async (report) => {
		const r = await frappe.call({ method: "frappe.client.get_count", args: { doctype: "Report", filters: { name: report } } });
		return r.message > 0;
	}, name);
}
