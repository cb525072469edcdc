// Named to run first: the billing test moves the simulator's clock ahead of real time, and graphs
// follow real time (a real cloud's clock), so after it the simulated instances' samples would lie in
// the future of every range.
import { expect, Page, test } from "@playwright/test";
import { deploy, hydrated, newEmail, signIn, signUp, watchConsole } from "./helpers";

/** The CPU chart's line: drawn once the cloud has measured a minute of the instance's life. */
function cpuLine(page: Page) {
  return page.getByRole("img", { name: /^CPU/ }).locator("path.series");
}

test("a running instance's graphs show its data for 1 hour and 7 days, on a desktop in light and a phone in dark", async ({ browser }) => {
  test.setTimeout(240_000);
  const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
  const page = await desktop.newPage();
  const errors = watchConsole(page);
  const email = newEmail("graphs");
  await signUp(page, email);
  await deploy(page, "Tokyo", "Agile", "graphed");
  await hydrated(page);
  const url = page.url().replace(/\?.*$/, "");

  // The cloud measures once a minute: the first point arrives within about a minute of the start.
  await expect
    .poll(
      async () => {
        await page.goto(url);
        await hydrated(page);
        return (await cpuLine(page).getAttribute("d")) ?? "";
      },
      { timeout: 150_000, intervals: [5_000] },
    )
    .toMatch(/^M/);
  const graphs = page.getByRole("region", { name: "Graphs" });
  await expect(graphs.getByRole("img", { name: /^Network/ })).toBeVisible();
  await expect(graphs.getByRole("img", { name: /^Disk throughput/ })).toBeVisible();
  await expect(graphs.getByRole("img", { name: /^Disk operations/ })).toBeVisible();
  // The y axis says its unit; the readout reads a point from the keyboard.
  await expect(graphs.getByRole("img", { name: /^Network/ }).getByText(/b\/s$/).first()).toBeVisible();
  await graphs.getByRole("img", { name: /^CPU/ }).focus();
  await page.keyboard.press("End");
  await page.keyboard.press("ArrowLeft");
  await expect(graphs.locator(".readout").first()).toHaveText(/UTC.*local.*CPU (\d|not measured)/);
  // The numbers as a table, for screen readers and anyone who prefers them.
  await graphs.getByText("CPU as a table").click();
  await expect(graphs.getByRole("table", { name: "CPU" }).getByRole("row")).not.toHaveCount(1);
  await page.screenshot({ path: "screenshots/graphs-1h-desktop.png", fullPage: true });

  // Seven days: the same charts at their resolution, from one new request.
  await graphs.getByRole("radio", { name: "7 days" }).check();
  await expect(graphs.getByText("Each point is the average of its 30 minutes")).toBeVisible();
  await expect(cpuLine(page)).toHaveAttribute("d", /^M/);
  await expect(graphs.getByRole("link", { name: "Download these numbers (CSV)" })).toHaveAttribute("href", /^data:text\/csv/);
  expect(errors).toEqual([]);
  await desktop.close();

  // The same account on a phone, in dark: readable, and nothing scrolls sideways.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "dark", hasTouch: true });
  const p = await phone.newPage();
  await signIn(p, email);
  await expect(p.getByRole("heading", { name: "Instances", exact: true })).toBeVisible();
  await p.goto(url);
  await hydrated(p);
  await expect(cpuLine(p)).toHaveAttribute("d", /^M/);
  await p.getByRole("region", { name: "Graphs" }).getByRole("radio", { name: "7 days" }).check();
  await expect(cpuLine(p)).toHaveAttribute("d", /^M/);
  expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await p.getByRole("region", { name: "Graphs" }).screenshot({ path: "screenshots/graphs-7d-phone.png" });
  await phone.close();
});
