import { expect, Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";

export const PASSWORD = "plum orbit falcon ninety3 kettle";

export function newEmail(tag: string): string {
  return `${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/**
 * Collects console errors and uncaught exceptions (CSP violations, hydration errors). Chromium also
 * logs every 4xx answer as an error; a test lists the statuses it provokes on purpose.
 */
export function watchConsole(page: Page, expectedStatuses: number[] = []): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const status = /status of (\d{3})/.exec(m.text());
    if (status && expectedStatuses.includes(Number(status[1]))) return;
    errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  return errors;
}

/**
 * Waits until the WebAssembly app has taken over the server-rendered page: the app marks the
 * document (`<html data-hydrated>`) once the page's own code (maybe a chunk of its own) has arrived
 * and hydrated. The other pages' chunks are then fetched while idle; `networkidle` waits for those
 * too, so a test's first click never competes with them.
 */
export async function hydrated(page: Page) {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await page.waitForLoadState("networkidle");
}

export async function signUp(page: Page, email: string) {
  await page.goto("/signup");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  // On a phone the navigation sits behind the menu button: the list's heading says we are in.
  await expect(page.getByRole("heading", { name: "Instances", exact: true })).toBeVisible();
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

function base32Decode(s: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of s.replace(/=+$/, "").toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238: the code for the step `offset` steps from now. */
export function totp(secret: string, offset = 0): string {
  const step = Math.floor(Date.now() / 1000 / 30) + offset;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac("sha1", base32Decode(secret)).update(msg).digest();
  const o = h[h.length - 1] & 15;
  const bin = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(bin % 1_000_000).padStart(6, "0");
}

/** Deploys from the page and waits until the instance runs. */
export async function deploy(page: Page, zone: string, family: "Agile" | "Stamina", name: string) {
  await page.getByRole("link", { name: "Deploy an instance" }).first().click();
  await expect(page.getByRole("heading", { name: "Deploy an instance" })).toBeVisible();
  await page.getByRole("radio", { name: zone, exact: true }).check();
  await page.getByRole("group", { name: /Storage family/ }).getByRole("radio", { name: new RegExp(`^${family}`) }).check();
  await page.getByRole("radiogroup", { name: "Size" }).getByRole("radio", { name: new RegExp(`^${family} S\\b`) }).check();
  await expect(page.getByText(/\/hour, at most .*\/month/).last()).toBeVisible();
  await page.getByLabel("Operating system").selectOption({ label: "Debian 12" });
  await page.getByLabel("Hostname").fill("bad_name");
  await expect(page.getByText("Only letters a–z, digits and hyphens are allowed; '_' is not.")).toBeVisible();
  await page.getByLabel("Hostname").fill(name);
  await page.screenshot({ path: `screenshots/deploy-${zone.toLowerCase()}.png`, fullPage: true });
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  // The badge names what is happening until the instance runs (the progress line says it too); a
  // fast cloud may already be done by the time the page shows.
  await expect(page.getByRole("status", { name: "Instance state" })).toHaveText(/^(Deploying…|Running)$/);
  await expect(page.getByRole("status", { name: "Instance state" })).toHaveText("Running");
}

/** Creates a staff account with the CLI, as an operator would (`zenith staff add`, password on stdin). */
export function addStaff(email: string, role: "support" | "admin") {
  const bin = process.env.ZENITH_E2E_BIN;
  const dataDir = process.env.ZENITH_E2E_DATA_DIR;
  if (!bin || !dataDir) throw new Error("ZENITH_E2E_BIN and ZENITH_E2E_DATA_DIR name the server under test (see .ci/test)");
  execFileSync(bin, ["staff", "add", "--email", email, "--role", role], { input: PASSWORD + "\n", env: { ...process.env, ZENITH_DATA_DIR: dataDir } });
}

/** Turns on two-factor sign-in from the Account page; returns the secret. */
export async function enableTwoFactor(page: Page): Promise<string> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
  await page.getByRole("region", { name: "Two-factor sign-in" }).getByLabel("Your password").fill(PASSWORD);
  await page.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  const secret = (await page.getByLabel("Secret key").innerText()).trim();
  await page.getByLabel("Enter the 6-digit code it shows").fill(totp(secret));
  await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect(page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem")).toHaveCount(10);
  return secret;
}
