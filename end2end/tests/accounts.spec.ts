import { expect, test } from "@playwright/test";
import { hydrated, newEmail, PASSWORD, signIn, signUp, watchConsole } from "./helpers";

test("a new customer signs up, sees the panel, signs out and signs in again", async ({ page }) => {
  // The wrong password below is answered 401 on purpose.
  const errors = watchConsole(page, [401]);
  const email = newEmail("journey");
  await signUp(page, email);

  const nav = page.getByRole("navigation", { name: "Main" });
  for (const name of ["Instances", "Firewall", "SSH keys", "Billing", "Account"]) {
    await expect(nav.getByRole("link", { name })).toBeVisible();
  }
  await expect(nav.getByRole("link", { name: "Support" })).toHaveCount(0);
  await expect(page.getByText(email, { exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { name: "No instances yet" })).toBeVisible();
  await page.screenshot({ path: "screenshots/empty-panel.png", fullPage: true });

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);

  await signIn(page, email, "not the right password");
  await expect(page.getByRole("alert")).toHaveText("The email or password is incorrect.");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  expect(errors).toEqual([]);
});

test("sign-up explains what is wrong as you type", async ({ page }) => {
  await page.goto("/signup");
  await hydrated(page);
  await page.getByLabel("Email").fill("someone.example.com");
  await page.getByLabel("Password").focus();
  await expect(page.getByText("That email address is missing an @.")).toBeVisible();
  await page.getByLabel("Password").fill("too short");
  await expect(page.getByText(/Use at least 15 characters \(9 so far\)/)).toBeVisible();
});
