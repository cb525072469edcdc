import { expect, Page, test } from "@playwright/test";
import { deploy, newEmail, signUp, watchConsole } from "./helpers";

async function addresses(page: Page) {
  const v4 = await page.getByLabel("IPv4 address", { exact: true }).innerText();
  const v6 = await page.getByLabel("IPv6 address", { exact: true }).innerText();
  return { v4, v6 };
}

test("an Agile instance in Tokyo: deploy, follow, see its addresses, stop, start, destroy", async ({ page }) => {
  // After the destroy, the page's last look at the instance is answered 404 on purpose.
  const errors = watchConsole(page, [404]);
  await signUp(page, newEmail("tokyo"));
  await deploy(page, "Tokyo", "Agile", "web-tokyo");

  await expect(page.getByText("Root password:")).toBeVisible();
  const { v4, v6 } = await addresses(page);
  expect(v4).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(v6).toMatch(/^2001:db8:/);
  await expect(page.getByText("Local SSD on the host").first()).toBeVisible();
  await page.screenshot({ path: "screenshots/instance.png", fullPage: true });

  await page.getByRole("button", { name: "Stop", exact: true }).click();
  await page.getByRole("button", { name: "Stop now" }).click();
  await expect(page.getByRole("status", { name: "Instance state" })).toHaveText("Stopped");
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await expect(page.getByRole("status", { name: "Instance state" })).toHaveText("Running");

  await page.getByRole("button", { name: "Destroy…" }).click();
  const confirm = page.getByRole("button", { name: "Destroy this instance" });
  await expect(confirm).toBeDisabled();
  await page.getByLabel("Type web-tokyo to confirm").fill("web-tokyo");
  await confirm.click();
  await expect(page.getByRole("heading", { name: "Instance not found" })).toBeVisible();

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Instances" }).click();
  await expect(page.getByRole("heading", { name: "No instances yet" })).toBeVisible();
  expect(errors).toEqual([]);
});

test("a Stamina instance in Amsterdam appears in the list with both addresses", async ({ page }) => {
  const errors = watchConsole(page);
  await signUp(page, newEmail("amsterdam"));
  await deploy(page, "Amsterdam", "Stamina", "db-ams");
  const { v6 } = await addresses(page);
  await expect(page.getByText("Ceph storage with three copies").first()).toBeVisible();

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Instances" }).click();
  const row = page.getByRole("row", { name: /db-ams/ });
  await expect(row).toContainText("Amsterdam");
  await expect(row).toContainText("Stamina");
  await expect(row).toContainText(v6);
  await page.getByLabel("Search").fill(v6.toUpperCase());
  await expect(page.getByRole("row", { name: /db-ams/ })).toBeVisible();
  await page.screenshot({ path: "screenshots/instances.png", fullPage: true });
  expect(errors).toEqual([]);
});
