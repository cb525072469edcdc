import { expect, test } from "@playwright/test";
import { addStaff, deploy, enableTwoFactor, newEmail, signIn, signUp, watchConsole } from "./helpers";

/** RFC 5952 text → all eight groups, four digits each, upper case: how an abuse report may quote it. */
function expanded(v6: string): string {
  const [head, tail = ""] = v6.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = v6.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return groups.map((g) => g.padStart(4, "0").toUpperCase()).join(":");
}

test("support finds a customer by an expanded IPv6 address, looks read-only, cannot stop, stops; the customer sees it", async ({ browser }) => {
  // The customer and their instance.
  const customer = await browser.newPage();
  const customerErrors = watchConsole(customer);
  const customerEmail = newEmail("helped");
  await signUp(customer, customerEmail);
  await deploy(customer, "Tokyo", "Agile", "needs-help");
  const v6 = await customer.getByLabel("IPv6 address", { exact: true }).innerText();

  // A support member, created by the operator, with two-factor sign-in as the policy asks.
  const staffEmail = newEmail("support");
  addStaff(staffEmail, "support");
  const staff = await browser.newPage();
  const staffErrors = watchConsole(staff, [403]);
  await signIn(staff, staffEmail);
  await expect(staff.getByRole("link", { name: "Support", exact: true })).toBeVisible();
  await enableTwoFactor(staff);

  await staff.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Support" }).click();
  await staff.getByLabel("Email, account, instance name or id, or an IPv4 or IPv6 address").fill(expanded(v6));
  await staff.getByRole("button", { name: "Search", exact: true }).click();
  const hit = staff.getByRole("link", { name: customerEmail });
  await expect(hit).toBeVisible();
  await expect(staff.getByText(/matched: instance needs-help \(IPv6/)).toBeVisible();
  await hit.click();
  await expect(staff.getByRole("heading", { name: customerEmail, level: 1 })).toBeVisible();
  await expect(staff.getByRole("region", { name: "Instances" })).toContainText("needs-help");

  // Opening the view needs a reason and the staff member's password again.
  const open = staff.getByRole("button", { name: "Open a read-only view" });
  await expect(open).toBeDisabled();
  await staff.getByLabel("Reason (the customer reads this)").fill("no");
  await expect(staff.getByText("Say why you need to look")).toBeVisible();
  await staff.getByLabel("Reason (the customer reads this)").fill("Customer says the Tokyo instance is slow");
  await staff.getByLabel("Ticket (optional)").fill("T-1001");
  await staff.getByLabel("Your password").fill("PLUM ORBIT falcon ninety3 kettle");
  await open.click();
  await expect(staff.getByRole("alert")).toContainText("password is not correct");
  await staff.getByLabel("Your password").fill("plum orbit falcon ninety3 kettle");
  await open.click();

  // The customer's panel, under a banner that says whose it is and how long is left.
  const banner = staff.getByRole("region", { name: "Support session" });
  await expect(banner).toContainText(`viewing ${customerEmail}'s panel`);
  await expect(banner).toContainText("read-only");
  await expect(banner).toContainText(/(29|30) minutes left/);
  await expect(staff).toHaveTitle(/^Support view \(read-only\) of /);
  await expect(staff.getByRole("link", { name: "Support", exact: true })).toHaveCount(0);
  const row = staff.getByRole("row", { name: /needs-help/ });
  await expect(row).toContainText(v6);
  await row.getByRole("link", { name: "needs-help" }).click();
  await expect(staff.getByRole("heading", { name: "needs-help" })).toBeVisible();
  const actions = staff.getByRole("region", { name: "Actions" });
  await expect(actions).toContainText("Read-only support session: changes are turned off.");
  await expect(actions.getByRole("button", { name: "Stop", exact: true })).toBeDisabled();
  // And the server refuses it whatever the page shows.
  const id = staff.url().split("/instances/")[1].split("?")[0];
  const refused = await staff.request.post("/api/instances/action", { data: { id, action: "stop" }, headers: { Origin: new URL(staff.url()).origin } });
  expect(refused.status()).toBe(403);
  await staff.setViewportSize({ width: 390, height: 844 });
  await staff.screenshot({ path: "screenshots/support-view-phone.png", fullPage: true });
  await staff.setViewportSize({ width: 1280, height: 800 });

  await banner.getByRole("button", { name: "Stop support view" }).click();
  await expect(staff.getByRole("heading", { name: customerEmail, level: 1 })).toBeVisible();
  await expect(staff.getByRole("region", { name: "Support session" })).toHaveCount(0);
  await expect(staff.getByRole("link", { name: "Support", exact: true })).toBeVisible();

  // The customer, still signed in, sees who looked, why, and that nothing was changed.
  await customer.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
  const access = customer.getByRole("region", { name: "Support access" });
  await expect(access).toContainText(staffEmail);
  await expect(access).toContainText("Reason: Customer says the Tokyo instance is slow");
  await expect(access).toContainText("ticket T-1001");
  await expect(access).toContainText("read-only");
  await customer.screenshot({ path: "screenshots/support-access.png", fullPage: true });
  expect(customerErrors).toEqual([]);
  expect(staffErrors).toEqual([]);
});
