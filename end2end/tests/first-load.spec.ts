import { Browser, BrowserContext, expect, Page, test } from "@playwright/test";
import { addStaff, deploy, enableTwoFactor, hydrated, newEmail, signIn, signUp, watchConsole } from "./helpers";

// Signing in and up have a WebAssembly bundle of their own; in the panel's, every page but the
// instance list is a chunk loaded on demand. From a cold cache, each page must arrive whole and
// become interactive, whether it is the first page of the visit (loaded by the browser, then
// hydrated) or reached by a click (loaded by the app).

const viewports = [
  { name: "desktop", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
];

type Stop = { path: string; heading: string | RegExp; link?: string };

/** Records every WebAssembly or script answer that was not a success. */
function watchChunks(page: Page): string[] {
  const failed: string[] = [];
  page.on("response", (r) => {
    if (/\.(wasm|js)$/.test(new URL(r.url()).pathname) && r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  page.on("requestfailed", (r) => {
    if (/\.(wasm|js)$/.test(new URL(r.url()).pathname)) failed.push(`failed (${r.failure()?.errorText}) ${r.url()}`);
  });
  return failed;
}

/** The app, not the browser, handles a click on the main navigation: nothing reloads. */
async function clientSideNavigation(page: Page, phone: boolean, link: string, heading: string | RegExp) {
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  if (phone) await page.getByRole("button", { name: "Menu" }).click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link, exact: true }).click();
  await expect(page.getByRole("heading", { name: heading, exact: true }).first()).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
}

async function coldContext(browser: Browser, from: BrowserContext, viewport: { width: number; height: number }) {
  // A new context has an empty cache; it keeps only the session cookie.
  return browser.newContext({ viewport, storageState: await from.storageState() });
}

for (const { name, viewport } of viewports) {
  test(`every page of the panel arrives and becomes interactive from a cold cache (${name})`, async ({ browser }) => {
    test.setTimeout(180_000);
    const phone = viewport.width < 600;
    // Set-up on a desktop; the cold loads below use the viewport under test.
    const desktop = viewports[0].viewport;
    const customer = await browser.newContext({ viewport: desktop });
    const setup = await customer.newPage();
    const customerEmail = newEmail(`cold-${name}`);
    await signUp(setup, customerEmail);
    await deploy(setup, "Tokyo", "Agile", `cold-${name}`);
    const instancePath = new URL(setup.url()).pathname;
    await setup.goto("/firewall");
    await setup.getByRole("link", { name: "default", exact: true }).click();
    await expect(setup.getByRole("heading", { name: "default" })).toBeVisible();
    const groupPath = new URL(setup.url()).pathname;

    const staffContext = await browser.newContext({ viewport: desktop });
    const staffSetup = await staffContext.newPage();
    const staffEmail = newEmail(`cold-staff-${name}`);
    addStaff(staffEmail, "support");
    await signIn(staffSetup, staffEmail);
    await expect(staffSetup.getByRole("heading", { name: "Instances", exact: true })).toBeVisible();
    await enableTwoFactor(staffSetup);
    await staffSetup.goto(`/support?q=${encodeURIComponent(customerEmail)}`);
    const customerLink = staffSetup.getByRole("link", { name: customerEmail });
    await expect(customerLink).toBeVisible();
    const customerPath = (await customerLink.getAttribute("href")) ?? "/support";

    const stops: [BrowserContext, Stop[]][] = [
      [
        customer,
        [
          { path: "/", heading: "Instances", link: "Instances" },
          { path: "/instances/new", heading: "Deploy an instance" },
          { path: instancePath, heading: `cold-${name}` },
          { path: "/firewall", heading: "Firewall", link: "Firewall" },
          { path: groupPath, heading: "default" },
          { path: "/keys", heading: "SSH keys", link: "SSH keys" },
          { path: "/billing", heading: "Billing", link: "Billing" },
          { path: "/account", heading: "Account", link: "Account" },
        ],
      ],
      [
        staffContext,
        [
          { path: "/support", heading: "Support", link: "Support" },
          { path: "/support/audit", heading: "Audit log" },
          { path: customerPath, heading: customerEmail },
        ],
      ],
    ];

    for (const [signedIn, pages] of stops) {
      // Each page as the first of a visit: server-rendered, then hydrated with its own chunk.
      for (const stop of pages) {
        const context = await coldContext(browser, signedIn, viewport);
        const page = await context.newPage();
        const errors = watchConsole(page);
        const failed = watchChunks(page);
        await page.goto(stop.path);
        await hydrated(page);
        await expect(page.getByRole("heading", { name: stop.heading, exact: true }).first()).toBeVisible();
        // Interactive: the app answers a click on the navigation without reloading.
        const next = pages.find((p) => p.link && p.path !== stop.path) ?? pages[0];
        await clientSideNavigation(page, phone, next.link ?? "Instances", next.heading);
        expect(errors, `${stop.path}: console`).toEqual([]);
        expect(failed, `${stop.path}: chunks`).toEqual([]);
        await context.close();
      }

      // All of them in one visit, by clicks from the first page: each chunk loads on its first use.
      const context = await coldContext(browser, signedIn, viewport);
      const page = await context.newPage();
      const errors = watchConsole(page);
      const failed = watchChunks(page);
      await page.goto(pages[0].path);
      await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
      for (const stop of pages.slice(1)) {
        if (stop.link) {
          await clientSideNavigation(page, phone, stop.link, stop.heading);
        } else {
          // Pages without a menu entry are reached from the app's own links, as a customer would.
          await page.evaluate((path) => {
            const a = document.createElement("a");
            a.href = path;
            document.querySelector("main")?.appendChild(a);
            a.click();
          }, stop.path);
          await expect(page.getByRole("heading", { name: stop.heading, exact: true }).first()).toBeVisible();
        }
      }
      expect(errors, "one visit: console").toEqual([]);
      expect(failed, "one visit: chunks").toEqual([]);
      await context.close();
    }
  });
}

for (const { name, viewport } of viewports) {
  test(`the sign-in pages work on their own bundle and fetch the panel's while idle (${name})`, async ({ browser }) => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors = watchConsole(page);
    const failed = watchChunks(page);
    // When the page became interactive, by the page's own clock (the same as its resource timings).
    await page.addInitScript(() => {
      new MutationObserver((_, o) => {
        if (document.documentElement?.hasAttribute("data-hydrated")) {
          (window as unknown as { hydratedAt: number }).hydratedAt = performance.now();
          o.disconnect();
        }
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
    });
    await page.goto("/login");
    await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
    // Idle: the panel's code is fetched for the page that follows signing in, but only after the
    // sign-in page works.
    await page.waitForLoadState("networkidle");
    const started = () =>
      page.evaluate(() => {
        const at = (file: string) =>
          performance
            .getEntriesByType("resource")
            .filter((e) => new URL(e.name).pathname === `/pkg/${file}`)
            .map((e) => e.startTime);
        return {
          hydratedAt: (window as unknown as { hydratedAt: number }).hydratedAt,
          public: at("public.wasm"),
          panel: [...at("zenith.js"), ...at("zenith.wasm")],
        };
      });
    await expect.poll(async () => (await started()).panel.length).toBe(2);
    const { hydratedAt, public: own, panel } = await started();
    expect(own.length).toBe(1);
    expect(own[0]).toBeLessThan(hydratedAt);
    for (const start of panel) expect(start, "the panel's code is not waited for").toBeGreaterThanOrEqual(hydratedAt);

    // Interactive: signing up is the same bundle, so the app handles the click.
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    await page.getByRole("link", { name: "Create an account" }).click();
    await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);

    // Signed up, the panel loads afresh with its own bundle and works.
    await page.getByLabel("Email").fill(newEmail(`bundles-${name}`));
    await page.getByLabel("Password").fill("plum orbit falcon ninety3 kettle");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByRole("heading", { name: "Instances", exact: true })).toBeVisible();
    await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBeUndefined();
    await clientSideNavigation(page, viewport.width < 600, "Firewall", "Firewall");

    expect(failed).toEqual([]);

    // Signing out is a page of the other bundle again, loaded from the server. Leaving the panel
    // may cut its prefetching short: the browser aborts what the page it leaves still fetches.
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
    await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
    expect(new URL(page.url()).pathname).toBe("/login");
    expect(errors).toEqual([]);
    expect(failed.filter((f) => !f.startsWith("failed (net::ERR_ABORTED)"))).toEqual([]);
    await context.close();
  });
}
