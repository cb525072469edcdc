import { expect, test } from "@playwright/test";
import { deploy, hydrated, newEmail, signUp, watchConsole } from "./helpers";

for (const device of [
  { label: "desktop", viewport: { width: 1280, height: 800 }, colorScheme: "light" as const },
  { label: "phone", viewport: { width: 390, height: 844 }, colorScheme: "dark" as const },
]) {
  test(`${device.label}: the customer takes a snapshot, sees it become ready, schedules nightly ones and reverts after typing the name`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: device.viewport, colorScheme: device.colorScheme, hasTouch: device.label === "phone" });
    const page = await context.newPage();
    // The empty name is refused in the browser; the unknown time zone by the server (a 400).
    const errors = watchConsole(page, [400]);
    await signUp(page, newEmail(`snap-${device.label}`));
    const name = `db-${device.label}`;
    await deploy(page, "Amsterdam", "Stamina", name);
    await hydrated(page);

    const panel = page.getByRole("region", { name: "Snapshots" });
    await expect(panel.getByText("No snapshots yet.")).toBeVisible();

    // A name is needed; then the snapshot is taken as a job the page follows, and becomes ready.
    await panel.getByRole("button", { name: "Take snapshot" }).click();
    await expect(panel.getByText("Give the snapshot a name")).toBeVisible();
    await expect(panel.getByLabel("Name of the new snapshot")).toHaveAttribute("aria-invalid", "true");
    await panel.getByLabel("Name of the new snapshot").fill("before-upgrade");
    await panel.getByRole("button", { name: "Take snapshot" }).click();
    const row = panel.getByRole("row").filter({ hasText: "before-upgrade" });
    await expect(row.getByText("Ready", { exact: true })).toBeVisible({ timeout: 30_000 });
    await expect(row.getByText("By hand")).toBeVisible();
    await expect(row.getByText(/GiB|MiB/)).toBeVisible();

    // Nightly at 03:00 Amsterdam time, keeping three: set, and said back in words.
    await panel.getByLabel("Every", { exact: true }).selectOption("day");
    await panel.getByLabel("At", { exact: true }).fill("03:00");
    await panel.getByLabel("Time zone").fill("Europe/Atlantis");
    await panel.getByLabel("Keep the newest").fill("3");
    await panel.getByRole("button", { name: "Set schedule" }).click();
    await expect(panel.getByText(/Europe\/Atlantis.*time zone the cloud knows/)).toBeVisible();
    await panel.getByLabel("Time zone").fill("Europe/Amsterdam");
    await panel.getByRole("button", { name: "Set schedule" }).click();
    await expect(panel.getByRole("status").filter({ hasText: "Every day at 03:00 (Europe/Amsterdam), keeping the newest 3" })).toBeVisible();
    await page.screenshot({ path: `screenshots/snapshots-${device.label}.png`, fullPage: true });
    await panel.screenshot({ path: `screenshots/snapshots-panel-${device.label}.png` });

    // Revert: only after typing the instance's name; stopped, reverted and started as one job.
    await row.getByRole("button", { name: "Revert to before-upgrade" }).click();
    const confirm = page.getByRole("group", { name: "Confirm the revert" });
    await confirm.getByLabel(`Type ${name} to confirm`).fill("db-wrong");
    await expect(confirm.getByRole("button", { name: "Revert to this snapshot" })).toBeDisabled();
    await confirm.getByLabel(`Type ${name} to confirm`).fill(name);
    await confirm.getByRole("button", { name: "Revert to this snapshot" }).click();
    const state = page.getByRole("status", { name: "Instance state" });
    await expect(state).toHaveText(/^(Reverting to a snapshot…|Running)$/);
    await expect(state).toHaveText("Running", { timeout: 30_000 });
    await expect(page.locator(".progress")).toHaveCount(0, { timeout: 30_000 });
    await expect(page.getByRole("alert").filter({ hasText: "revert" })).toHaveCount(0);
    await expect(page.getByRole("region", { name: "Activity" }).getByText("revert snapshot").first()).toBeVisible();

    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(device.viewport.width);
    await page.screenshot({ path: `screenshots/snapshots-reverted-${device.label}.png`, fullPage: true });

    // A new instance from it: the deploy page opens with the snapshot chosen and its zone set.
    await page.getByRole("region", { name: "Snapshots" }).getByRole("link", { name: "New instance from before-upgrade" }).click();
    await expect(page.getByRole("heading", { name: "Deploy an instance" })).toBeVisible();
    await expect(page.getByText("Starting from the snapshot before-upgrade")).toBeVisible();
    await expect(page.getByRole("radio", { name: "Amsterdam", exact: true })).toBeChecked();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(device.viewport.width);
    expect(errors).toEqual([]);
    await context.close();
  });
}
