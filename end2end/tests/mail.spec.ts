import { expect, test } from "@playwright/test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { hydrated, newEmail, signIn, signUp, watchConsole } from "./helpers";

/** The token of the newest `/{page}?token=` link mailed to `to` (the server writes `.eml` files). */
async function mailedToken(to: string, page: string): Promise<string> {
  const dir = join(process.env.ZENITH_E2E_DATA_DIR ?? "", "mail");
  for (let i = 0; i < 100; i++) {
    const found = readdirSync(dir, { withFileTypes: true })
      .filter((f) => f.name.endsWith(".eml"))
      .map((f) => readFileSync(join(dir, f.name), "utf8").replace(/=\r\n/g, "").replace(/=3D/g, "="))
      .filter((m) => m.includes(`To: ${to}`))
      .map((m) => new RegExp(`/${page}\\?token=([A-Za-z0-9]+)`).exec(m)?.[1])
      .filter((t): t is string => !!t);
    if (found.length) return found[found.length - 1];
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no /${page} link mailed to ${to}`);
}

const NEW_PASSWORD = "saffron tundra quartz ninety4 pebble";

test("forgot password: the mailed link sets a new password, leaves the address bar clean, and signs in", async ({ browser }) => {
  const email = newEmail("forgetful");
  const first = await browser.newPage();
  await signUp(first, email);
  await first.close();

  const page = await browser.newPage();
  const errors = watchConsole(page);
  await page.goto("/login");
  await hydrated(page);
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send me a link" }).click();
  await expect(page.getByRole("status")).toContainText("If an account has this address");

  const token = await mailedToken(email, "reset");
  await page.goto(`/reset?token=${token}`);
  await hydrated(page);
  await expect(page).toHaveURL(/\/reset$/);
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page.getByRole("heading", { name: "Your password is changed" })).toBeVisible();
  await page.getByRole("link", { name: "Sign in" }).click();
  await signIn(page, email, NEW_PASSWORD);
  await expect(page.getByRole("heading", { name: "Instances", exact: true })).toBeVisible();
  expect(errors).toEqual([]);
});

test("a used reset link says so and offers a new one", async ({ page }) => {
  await page.goto("/reset?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  await hydrated(page);
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page.getByRole("alert")).toContainText("expired or was already used");
  await expect(page.getByRole("link", { name: "Ask for a new link" })).toBeVisible();
});

test("the confirmation link from the welcome mail confirms the address and the banner goes away", async ({ browser }) => {
  const email = newEmail("confirming");
  const page = await browser.newPage();
  await signUp(page, email);
  const banner = page.getByRole("complementary", { name: "Confirm your address" });
  await expect(banner).toContainText(`we sent a link to ${email}`);
  const token = await mailedToken(email, "verify");
  await page.goto(`/verify?token=${token}`);
  await hydrated(page);
  await expect(page).toHaveURL(/\/verify$/);
  await page.getByRole("button", { name: "Confirm my address" }).click();
  await expect(page.getByRole("status")).toContainText(`${email} is now your account's confirmed address`);
  await page.getByRole("link", { name: "Go to your panel" }).click();
  await expect(page.getByRole("heading", { name: "Instances", exact: true })).toBeVisible();
  await expect(banner).toHaveCount(0);
});

test("without JavaScript, forgot password answers as a plain form", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/forgot");
  await page.getByLabel("Email").fill("nobody-at-all@example.com");
  await page.getByRole("button", { name: "Send me a link" }).click();
  await expect(page.getByRole("status")).toContainText("If an account has this address");
  await context.close();
});
