import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { deploy, newEmail, signUp, watchConsole } from "./helpers";

/** Moves the embedded simulator's clock (the server under test runs it on ZENITH_E2E_SIM_URL). */
async function advanceCloudClock(hours: number) {
  const sim = process.env.ZENITH_E2E_SIM_URL;
  if (!sim) throw new Error("ZENITH_E2E_SIM_URL names the simulator of the server under test (see .ci/test)");
  const r = await fetch(`${sim}/sim/clock`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ advance_hours: hours }) });
  expect(r.ok).toBeTruthy();
}

test("the billing page shows the month's total, the daily chart and the cost per instance, and the CSV downloads", async ({ page }) => {
  const errors = watchConsole(page);
  await signUp(page, newEmail("billing"));
  await deploy(page, "Barcelona", "Agile", "bill-me");
  await expect(page.getByRole("region", { name: "Cost this month" })).toBeVisible();

  // A day and a bit passes in the cloud; the panel ingests usage every few seconds here.
  await advanceCloudClock(30);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Billing" }).click();
  const perInstance = page.getByRole("region", { name: "Cost per instance" });
  await expect(async () => {
    await page.reload();
    await expect(perInstance.getByRole("row", { name: /bill-me/ })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 45_000 });
  const row = perInstance.getByRole("row", { name: /bill-me/ });
  await expect(row).toContainText("Agile S");
  await expect(row).toContainText("€0.02");
  const hours = Number(await row.getByRole("cell").nth(3).innerText());
  expect(hours).toBeGreaterThan(0);
  await expect(row).toContainText(`€${((hours * 2) / 100).toFixed(2)}`);

  const totals = page.getByRole("region", { name: "Totals" });
  await expect(totals).toContainText(/Month to date|Total/);
  await expect(totals).toContainText(/VAT 21%/);
  await expect(page.getByRole("img", { name: /^Cost per day, / })).toBeVisible();
  await page.getByText(/^Cost per day, .* as a table$/).click();
  await expect(page.getByRole("table", { name: /^Cost per day, / }).getByRole("row").nth(1)).toBeVisible();
  await expect(page.getByRole("region", { name: "How billing works" })).toContainText("never more than the size's monthly cap");
  await page.screenshot({ path: "screenshots/billing.png", fullPage: true });

  const download = page.waitForEvent("download");
  await totals.getByRole("link", { name: /Download .* as CSV/ }).click();
  const file = await (await download).path();
  const csv = readFileSync(file, "utf-8");
  expect(csv.split("\r\n")[0]).toContain("line_id,resource_type,customer_email,account,billing_period_start");
  expect(csv).toContain("bill-me");
  expect(csv).toContain(`,${hours},0.02,7.00,false,${((hours * 2) / 100).toFixed(2)},EUR,`);
  expect(errors).toEqual([]);
});
