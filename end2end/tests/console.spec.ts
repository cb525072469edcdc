import { expect, Page, test } from "@playwright/test";
import { addStaff, deploy, enableTwoFactor, hydrated, newEmail, signIn, signUp, watchConsole } from "./helpers";

/** The instance's screen as text, read from the simulator (what the VM shows, whatever noVNC drew). */
async function screenText(id: string): Promise<string> {
  const sim = process.env.ZENITH_E2E_SIM_URL;
  if (!sim) throw new Error("ZENITH_E2E_SIM_URL names the simulator of the server under test (see .ci/test)");
  const r = await fetch(`${sim}/sim/console/${id}`);
  expect(r.status).toBe(200);
  return (await r.json()).text as string;
}

async function screenShows(id: string, pattern: RegExp) {
  await expect.poll(() => screenText(id), { timeout: 15_000 }).toMatch(pattern);
}

function instanceId(page: Page): string {
  return new URL(page.url()).pathname.split("/")[2];
}

/** From the instance page: the console, loaded only now (the instance page fetched no noVNC). */
async function openConsole(page: Page, name: string) {
  const fetched: string[] = [];
  page.on("request", (r) => fetched.push(new URL(r.url()).pathname));
  await page.getByRole("link", { name: "Console" }).click();
  await expect(page.getByRole("heading", { name: `Console: ${name}` })).toBeVisible();
  await hydrated(page);
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  expect(fetched.filter((p) => p.startsWith("/novnc/") || p === "/console.js").length).toBeGreaterThan(0);
  return fetched;
}

for (const device of [
  { label: "desktop", viewport: { width: 1280, height: 800 }, colorScheme: "light" as const },
  { label: "phone", viewport: { width: 390, height: 844 }, colorScheme: "dark" as const },
]) {
  test(`${device.label}: the console shows the login prompt, types, pastes through the layout, and sends Ctrl-C and Ctrl-Alt-Del`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: device.viewport, colorScheme: device.colorScheme, hasTouch: device.label === "phone" });
    const page = await context.newPage();
    const errors = watchConsole(page);
    const beforeConsole: string[] = [];
    page.on("request", (r) => beforeConsole.push(new URL(r.url()).pathname));
    await signUp(page, newEmail(`console-${device.label}`));
    const name = `con-${device.label}`;
    await deploy(page, "Amsterdam", "Agile", name);
    await hydrated(page);
    // The instance list and page never download the console's code.
    expect(beforeConsole.filter((p) => p.startsWith("/novnc/") || p === "/console.js")).toEqual([]);
    const id = instanceId(page);

    await openConsole(page, name);
    await screenShows(id, new RegExp(`${name} login: $`));
    const screen = page.getByRole("application", { name: `Screen of ${name}` });
    await expect(screen.locator("canvas")).toBeVisible();
    await page.screenshot({ path: `screenshots/console-${device.label}.png`, fullPage: true });
    // Nothing wider than the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(device.viewport.width);

    // Typed through noVNC: the name, Enter, then an empty password.
    await screen.locator("canvas").click();
    await page.keyboard.type("root");
    await page.keyboard.press("Enter");
    await screenShows(id, new RegExp(`${name} login: root\\nPassword: $`));
    await page.keyboard.press("Enter");
    await screenShows(id, new RegExp(`Login incorrect\\n${name} login: $`));

    // Pasted as keystrokes on the Spanish layout (its @ is AltGr+2): checked, typed, told.
    await page.getByLabel("Instance keyboard").selectOption({ label: "Spanish" });
    await page.getByLabel("Text to type on the instance").fill("admin@zenith.example");
    await page.getByRole("button", { name: "Type it" }).click();
    await expect(page.getByText("Typed 20 characters.")).toBeVisible();
    await screenShows(id, new RegExp(`${name} login: admin@zenith.example$`));
    // A character the layout cannot type is named before anything is typed.
    await page.getByLabel("Instance keyboard").selectOption({ label: "Japanese" });
    await page.getByLabel("Text to type on the instance").fill("año");
    await page.getByRole("button", { name: "Type it" }).click();
    await expect(page.getByRole("alert")).toHaveText("The Japanese layout cannot type “ñ”. Choose the instance's layout, or leave them out.");
    await screenShows(id, new RegExp(`${name} login: admin@zenith.example$`));

    // The keys a browser keeps for itself.
    await page.getByRole("button", { name: "Send Ctrl-C" }).click();
    await screenShows(id, new RegExp(`admin@zenith.example\\^C\\n\\n${name} login: $`));
    await page.getByRole("button", { name: "Ctrl-Alt-Del", exact: true }).click();
    await page.getByRole("button", { name: "Send Ctrl-Alt-Del" }).click();
    await screenShows(id, /reboot: Restarting system/);
    await screenShows(id, new RegExp(`${name} login: $`));

    // The layout is remembered in this browser; reconnecting opens a new session.
    await page.getByRole("link", { name: "Reconnect" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
    await expect(page.getByLabel("Instance keyboard")).toHaveValue("jp");
    // Back to the instance inside the app, then the browser's Back: the console comes back as a
    // document of its own (its policy allows the proxy), and connects.
    await page.getByRole("link", { name: "Back to the instance" }).click();
    await expect(page.getByRole("heading", { name, exact: true })).toBeVisible();
    await page.goBack();
    await expect(page.getByRole("heading", { name: `Console: ${name}` })).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
    await screenShows(id, new RegExp(`${name} login: $`));
    expect(errors).toEqual([]);
    await context.close();
  });
}

test("a read-only support session sees the console, and its keystrokes do not arrive", async ({ browser }) => {
  const customer = await browser.newPage();
  const email = newEmail("watched");
  await signUp(customer, email);
  await deploy(customer, "Tokyo", "Stamina", "watched-1");
  const id = instanceId(customer);

  const staffEmail = newEmail("console-support");
  addStaff(staffEmail, "support");
  const staff = await browser.newPage();
  const errors = watchConsole(staff, [403]);
  await signIn(staff, staffEmail);
  await expect(staff.getByRole("link", { name: "Support", exact: true })).toBeVisible();
  await enableTwoFactor(staff);
  await staff.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Support" }).click();
  await staff.getByLabel("Email, account, instance name or id, or an IPv4 or IPv6 address").fill(email);
  await staff.getByRole("button", { name: "Search", exact: true }).click();
  await staff.getByRole("link", { name: email }).click();
  await staff.getByLabel("Reason (the customer reads this)").fill("Customer says the boot hangs");
  await staff.getByLabel("Your password").fill("plum orbit falcon ninety3 kettle");
  await staff.getByRole("button", { name: "Open a read-only view" }).click();
  await expect(staff.getByRole("region", { name: "Support session" })).toContainText("read-only");

  await staff.goto(`/instances/${id}`);
  await hydrated(staff);
  await openConsole(staff, "watched-1");
  await expect(staff.getByRole("status").filter({ hasText: "view only" })).toBeVisible();
  await expect(staff.getByRole("button", { name: "Send Ctrl-C" })).toHaveCount(0);
  await expect(staff.getByLabel("Text to type on the instance")).toHaveCount(0);
  await screenShows(id, /watched-1 login: $/);
  // Keys pressed on the screen go nowhere: the panel's relay drops them.
  await staff.getByRole("application", { name: "Screen of watched-1" }).locator("canvas").click();
  await staff.keyboard.type("sneaky");
  await staff.keyboard.press("Enter");
  await staff.waitForTimeout(1500);
  expect(await screenText(id)).toMatch(/watched-1 login: $/);
  await expect(staff.getByRole("status").filter({ hasText: "view only" })).toBeVisible();
  await staff.screenshot({ path: "screenshots/console-support.png", fullPage: true });
  expect(errors).toEqual([]);
});
