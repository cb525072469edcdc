import { Browser, BrowserContext, expect, Page, test } from "@playwright/test";
import { addStaff, deploy, enableTwoFactor, hydrated, newEmail, PASSWORD, signIn, signUp, watchConsole } from "./helpers";

// Every page of the panel loaded as the first page of a visit (a reload, a bookmark, a new tab) by
// each kind of viewer — the customer, support in a read-only view, an admin in an acting view — on a
// desktop and a phone: no console error, the controls the viewer may not use are disabled with the
// note saying why (rendered by the server and kept by the browser), and the app answers a click.

const READ_ONLY = "Read-only support session: changes are turned off.";
const OWNER_ONLY = "Only the customer can change this, not support (not even in an acting session).";

const viewports = [
  { name: "desktop", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
];

type Viewer = "customer" | "read-only support" | "acting admin";
/** A page, and which guard note a viewer must find on it (none: the page has no guarded controls). */
type Stop = { path: string; heading: string | RegExp; guards?: "resources" | "account" };

async function staffWithTwoFactor(browser: Browser, role: "support" | "admin"): Promise<BrowserContext> {
  const email = newEmail(`viewer-${role}`);
  addStaff(email, role);
  const context = await browser.newContext({ viewport: viewports[0].viewport });
  const page = await context.newPage();
  await signIn(page, email);
  await expect(page.getByRole("heading", { name: "Instances", exact: true })).toBeVisible();
  await enableTwoFactor(page);
  await page.close();
  return context;
}

async function openView(context: BrowserContext, customerId: string, mode: "read_only" | "acting") {
  const page = await context.newPage();
  await page.goto("/support");
  const origin = new URL(page.url()).origin;
  const r = await page.request.post("/api/support/impersonate/start", {
    data: { customer_id: customerId, reason: "Customer reports the panel misbehaves after a reload", ticket: "T-2201", mode, password: PASSWORD },
    headers: { Origin: origin },
  });
  expect(r.status(), await r.text()).toBe(200);
  await page.close();
}

/** The note a viewer must read on a page, or null when every control is theirs. */
function expectedNote(viewer: Viewer, stop: Stop): string | null {
  if (viewer === "customer" || !stop.guards) return null;
  if (stop.guards === "account") return OWNER_ONLY;
  return viewer === "read-only support" ? READ_ONLY : null;
}

async function navigateByClick(page: Page, phone: boolean, to: string) {
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  if (phone) await page.getByRole("button", { name: "Menu" }).click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: to, exact: true }).click();
  await expect(page.getByRole("heading", { name: to, exact: true })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed), "navigated by the app, not reloaded").toBe(true);
}

test("every page loads as a first page for the customer, read-only support and an acting admin, on desktop and phone", async ({ browser }) => {
  test.setTimeout(420_000);
  const customer = await browser.newContext({ viewport: viewports[0].viewport });
  const setup = await customer.newPage();
  const customerEmail = newEmail("viewed");
  await signUp(setup, customerEmail);
  await deploy(setup, "Amsterdam", "Stamina", "reloaded");
  const instancePath = new URL(setup.url()).pathname;
  await setup.goto("/firewall");
  await setup.getByRole("link", { name: "default", exact: true }).click();
  await expect(setup.getByRole("heading", { name: "default", level: 1 })).toBeVisible();
  const groupPath = new URL(setup.url()).pathname;
  await setup.close();

  const support = await staffWithTwoFactor(browser, "support");
  const admin = await staffWithTwoFactor(browser, "admin");
  const lookup = await support.newPage();
  await lookup.goto(`/support?q=${encodeURIComponent(customerEmail)}`);
  const link = lookup.getByRole("link", { name: customerEmail });
  await expect(link).toBeVisible();
  const customerId = ((await link.getAttribute("href")) ?? "").split("/").pop() ?? "";
  await lookup.close();
  await openView(support, customerId, "read_only");
  await openView(admin, customerId, "acting");

  const stops: Stop[] = [
    { path: "/", heading: "Instances" },
    { path: "/instances/new", heading: "Deploy an instance", guards: "resources" },
    { path: instancePath, heading: "reloaded", guards: "resources" },
    { path: "/firewall", heading: "Firewall", guards: "resources" },
    { path: groupPath, heading: "default", guards: "resources" },
    { path: "/keys", heading: "SSH keys", guards: "account" },
    { path: "/billing", heading: "Billing" },
    { path: "/account", heading: "Account", guards: "account" },
  ];
  const viewers: [Viewer, BrowserContext][] = [
    ["customer", customer],
    ["read-only support", support],
    ["acting admin", admin],
  ];
  for (const { name, viewport } of viewports) {
    const phone = viewport.width < 600;
    for (const [viewer, signedIn] of viewers) {
      for (const stop of stops) {
        const what = `${viewer}, ${name}, ${stop.path}`;
        const context = await browser.newContext({ viewport, storageState: await signedIn.storageState() });
        const page = await context.newPage();
        const errors = watchConsole(page);
        await page.goto(stop.path);
        // A hydration failure never marks the page: fail on this page, not at the test's timeout.
        await page.locator("html[data-hydrated]").waitFor({ state: "attached", timeout: 20_000 }).catch(() => {
          throw new Error(`${what}: the page never became interactive (hydration failed?): ${errors.join(" | ")}`);
        });
        await hydrated(page);
        await expect(page.getByRole("heading", { name: stop.heading, exact: true }).first(), what).toBeVisible();
        if (viewer !== "customer") {
          await expect(page.getByRole("region", { name: "Support session" }), what).toContainText(customerEmail);
        }
        const note = expectedNote(viewer, stop);
        const notes = page.locator(".guard-note");
        if (note) {
          await expect(page.getByText(note).first(), what).toBeVisible();
          await expect(page.locator("fieldset.guard[disabled]").first(), what).toBeAttached();
        } else if (viewer === "customer") {
          await expect(notes, what).toHaveCount(0);
          await expect(page.locator("fieldset.guard[disabled]"), what).toHaveCount(0);
        }
        if (viewer === "acting admin" && stop.guards === "resources") {
          await expect(page.getByText(READ_ONLY), `${what}: an acting session may change resources`).toHaveCount(0);
        }
        await navigateByClick(page, phone, stop.path === "/billing" ? "Instances" : "Billing");
        expect(errors, `${what}: console`).toEqual([]);
        await context.close();
      }
    }
  }
});
