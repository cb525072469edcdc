import { expect, Page, test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { deploy, hydrated, newEmail, signUp, watchConsole } from "./helpers";

/** The forward zone of the customer's names lives in a real PowerDNS, also Zenith's resolver (see .ci/test). */
async function addAaaa(name: string, address: string) {
  const api = process.env.ZENITH_E2E_PDNS_URL;
  const key = process.env.ZENITH_E2E_PDNS_KEY;
  if (!api || !key) throw new Error("ZENITH_E2E_PDNS_URL and ZENITH_E2E_PDNS_KEY name the PowerDNS holding example.test (see .ci/test)");
  const r = await fetch(`${api}/api/v1/servers/localhost/zones/example.test.`, {
    method: "PATCH",
    headers: { "X-API-Key": key, "Content-Type": "application/json" },
    body: JSON.stringify({ rrsets: [{ name: `${name}.`, type: "AAAA", ttl: 60, changetype: "REPLACE", records: [{ content: address, disabled: false }] }] }),
  });
  expect(r.status).toBe(204);
}

/** What `dig -x` answers from the panel's own DNS server. */
function digX(address: string): string[] {
  const port = process.env.ZENITH_E2E_DNS_PORT;
  if (!port) throw new Error("ZENITH_E2E_DNS_PORT names the panel's embedded DNS server (see .ci/test)");
  const out = execFileSync("dig", ["+short", "+time=2", "+tries=2", "-p", port, "@127.0.0.1", "-x", address]).toString();
  return out.split("\n").map((l) => l.trim().replace(/\.$/, "")).filter((l) => l && !l.startsWith(";"));
}

function ipv6Line(page: Page) {
  return page.getByRole("list", { name: "Reverse DNS" }).getByRole("listitem").filter({ hasText: "IPv6" });
}

for (const device of [
  { label: "desktop", viewport: { width: 1280, height: 800 }, colorScheme: "light" as const },
  { label: "phone", viewport: { width: 390, height: 844 }, colorScheme: "dark" as const },
]) {
  test(`${device.label}: the customer sets the IPv6 reverse name from the instance page once it resolves back, and dig answers it`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: device.viewport, colorScheme: device.colorScheme, hasTouch: device.label === "phone" });
    const page = await context.newPage();
    // The refused name is a 400 the page shows.
    const errors = watchConsole(page, [400]);
    await signUp(page, newEmail(`ptr-${device.label}`));
    const name = `mx-${device.label}`;
    await deploy(page, "Miami", "Stamina", name);
    await hydrated(page);

    // Both addresses answer the provider's default, and the page shows what DNS answers.
    const line = ipv6Line(page);
    await expect(line.getByText("default", { exact: true })).toBeVisible();
    const address = (await line.locator(".ptr-address").innerText()).trim();
    const defaultName = (await line.locator(".ptr-name code").innerText()).trim();
    expect(defaultName).toMatch(/\.miami\.cloud\.zenith\.test$/);
    expect(digX(address)).toEqual([defaultName]);

    // A name with no AAAA record yet is refused, saying what the lookup found; nothing changes.
    const mail = `${name}.example.test`;
    await page.getByRole("button", { name: "Edit the reverse DNS of the IPv6 address" }).click();
    const input = page.getByLabel(`Reverse DNS name for ${address}`);
    await input.fill("mail_1.example.test");
    await page.getByRole("button", { name: "Save name" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "'_' is not" })).toBeVisible();
    await input.fill(mail);
    await page.getByRole("button", { name: "Save name" }).click();
    await expect(page.getByRole("alert").filter({ hasText: `${mail} has no AAAA record` })).toBeVisible();
    await expect(input).toHaveAttribute("aria-invalid", "true");
    expect(digX(address)).toEqual([defaultName]);
    await page.screenshot({ path: `screenshots/reverse-dns-refused-${device.label}.png`, fullPage: true });

    // The record added: saved, announced, shown, and answered by DNS.
    await addAaaa(mail, address);
    await page.getByRole("button", { name: "Save name" }).click();
    await expect(page.getByRole("status").filter({ hasText: `Reverse DNS of the IPv6 address is now ${mail}.` })).toBeAttached();
    await expect(line.locator(".ptr-name code")).toHaveText(mail);
    await expect(line.getByText("default", { exact: true })).toHaveCount(0);
    expect(digX(address)).toEqual([mail]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(device.viewport.width);
    await page.screenshot({ path: `screenshots/reverse-dns-${device.label}.png`, fullPage: true });

    // Read again after a reload: from DNS, not from the page's memory.
    await page.reload();
    await hydrated(page);
    await expect(ipv6Line(page).locator(".ptr-name code")).toHaveText(mail);

    // Back to the provider's name.
    await page.getByRole("button", { name: "Reset the reverse DNS of the IPv6 address to the default" }).click();
    await expect(ipv6Line(page).locator(".ptr-name code")).toHaveText(defaultName);
    expect(digX(address)).toEqual([defaultName]);
    expect(errors).toEqual([]);
    await context.close();
  });
}
