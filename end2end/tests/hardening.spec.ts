import { expect, test } from "@playwright/test";
import { hydrated, newEmail, PASSWORD, signUp, watchConsole } from "./helpers";

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the sign-in form posts: the password never reaches the URL, and it signs in", async ({ page, request }) => {
    const email = newEmail("nojs");
    const r = await request.post("/api/auth/signup", { data: { email, password: PASSWORD } });
    expect(r.ok()).toBeTruthy();

    await page.goto("/login");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("not the right password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/login$/);
    expect(page.url()).not.toContain("password");
    await expect(page.getByRole("alert")).toHaveText("The email or password is incorrect.");
    await expect(page.getByLabel("Email")).toHaveValue(email);

    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/$/);
    expect(page.url()).not.toContain("password");
    await expect(page.getByRole("heading", { name: "Instances", exact: true })).toBeVisible();
  });

  test("a cross-site form post is refused", async ({ request }) => {
    const r = await request.post("/login", {
      form: { email: "someone@example.com", password: PASSWORD },
      headers: { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" },
      maxRedirects: 0,
    });
    expect(r.status()).toBe(403);
  });
});

test("on a 390 px phone no page scrolls sideways", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signUp(page, newEmail("phone"));
  for (const path of ["/", "/account", "/instances/new"]) {
    await page.goto(path);
    await hydrated(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${path} is ${width}px wide`).toBeLessThanOrEqual(390);
  }
});

test("sign-up: the hint promises nothing the server refuses, and an error goes once the field changes", async ({ page }) => {
  await page.goto("/signup");
  await hydrated(page);
  await page.getByLabel("Email").fill(newEmail("weak"));
  await page.getByLabel("Password").fill("passwordpassword");
  await expect(page.getByText(/long enough\. It must also not be easy to guess/)).toBeVisible();
  await page.getByRole("button", { name: "Create account" }).click();
  const refusal = page.locator("#password-error");
  await expect(refusal).toBeVisible();
  await page.getByLabel("Password").fill("passwordpassword and more");
  await expect(refusal).toHaveCount(0);
});

test("the deploy button says which step is missing", async ({ page }) => {
  await signUp(page, newEmail("steps"));
  await page.goto("/instances/new");
  await hydrated(page);
  const deploy = page.getByRole("button", { name: "Deploy", exact: true });
  await expect(deploy).toBeDisabled();
  await expect(deploy).toHaveAccessibleDescription("Choose a zone (step 1).");
  await page.getByRole("radio", { name: "Miami", exact: true }).check();
  await expect(deploy).toHaveAccessibleDescription("Choose a size (step 3).");
});

test("the account page has one Sign out; disruptive actions ask first; the list follows a running job", async ({ page }) => {
  const errors = watchConsole(page);
  await signUp(page, newEmail("confirm"));
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
  await expect(page.getByRole("button", { name: "Sign out", exact: true })).toHaveCount(1);

  await page.goto("/instances/new");
  await hydrated(page);
  await page.getByRole("radio", { name: "Tokyo", exact: true }).check();
  await page.getByRole("radiogroup", { name: "Size" }).getByRole("radio", { name: /^Agile S\b/ }).check();
  await page.getByLabel("Operating system").selectOption({ label: "Debian 12" });
  await page.getByLabel("Hostname").fill("careful");
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  await expect(page.getByRole("status", { name: "Instance state" })).toHaveText("Running");

  // The password is announced as being there, never read out: it is outside every live region.
  const secret = page.getByLabel("root password", { exact: true });
  await expect(secret).toBeVisible();
  const password = await secret.innerText();
  for (const region of await page.getByRole("alert").all()) expect(await region.innerText()).not.toContain(password);
  for (const region of await page.getByRole("status").all()) expect(await region.innerText()).not.toContain(password);

  await page.getByRole("button", { name: "Force stop", exact: true }).click();
  await expect(page.getByRole("group", { name: "Confirm Force stop" })).toContainText("anything not yet saved to disk is lost");
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.getByRole("button", { name: "Stop", exact: true }).click();
  await expect(page.getByRole("group", { name: "Confirm Stop" })).toContainText("still billed");
  // Record every text the state badge shows, however briefly.
  await page.evaluate(() => {
    const w = window as unknown as { seen: string[] };
    w.seen = [];
    const badge = document.querySelector('[aria-label="Instance state"]')!;
    new MutationObserver(() => w.seen.push(badge.textContent ?? "")).observe(badge, { subtree: true, childList: true, characterData: true });
  });
  await page.getByRole("button", { name: "Stop now" }).click();
  await expect(page.getByRole("status", { name: "Instance state" })).toHaveText("Stopped");
  expect(await page.evaluate(() => (window as unknown as { seen: string[] }).seen)).toContain("Stopping…");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Instances" }).click();
  const row = page.getByRole("row", { name: /careful/ });
  await expect(row).toContainText(/Stopping…|Stopped/);
  await expect(row).toContainText("Stopped", { timeout: 20_000 });
  expect(errors).toEqual([]);
});
