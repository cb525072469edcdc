import { expect, Page, test } from "@playwright/test";
import { newEmail, signUp, watchConsole } from "./helpers";

// Generated once with `ssh-keygen -t ed25519`; `ssh-keygen -l` prints the fingerprint below.
const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfdMxmTrxhI2mpvPiJUPhD/h+vkoH4cmD7AyxzV7eZ6 test@zenith";
const FINGERPRINT = "SHA256:ojNN7+tbgDXgmP/2S7TBnyi1WTeadjZbiUlp/jsmK+4";

function nav(page: Page, name: string) {
  return page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });
}

async function createGroup(page: Page, name: string) {
  await nav(page, "Firewall").click();
  await expect(page.getByRole("heading", { name: "Firewall", level: 1 })).toBeVisible();
  await expect(page.getByRole("row", { name: /default/ })).toBeVisible();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Description (optional)").fill(`${name} servers`);
  await page.getByRole("button", { name: "Create group" }).click();
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
}

test("SSH for both families, a key, a deploy with both, and the group's rules on the instance page", async ({ page }) => {
  // Deleting a group in use is answered 409 on purpose.
  const errors = watchConsole(page, [409]);
  await signUp(page, newEmail("firewall"));
  await createGroup(page, "web");

  // One click: SSH from anywhere, over IPv4 and IPv6, shown as one line.
  await page.getByRole("button", { name: "Allow SSH (22)" }).click();
  await expect(page.getByRole("status").filter({ hasText: "2 rules added." })).toBeVisible();
  const ssh = page.getByRole("row", { name: /TCP 22/ });
  await expect(ssh).toHaveCount(1);
  await expect(ssh).toContainText("0.0.0.0/0, ::/0");
  await expect(ssh).toContainText("IPv4 + IPv6");

  // Any mix of ranges, each checked as it is typed; host bits set offers the network.
  await page.getByLabel("Port or range").fill("8000-8080");
  await page.getByRole("radio", { name: /^Address ranges/ }).check();
  const ranges = page.getByLabel("Address ranges (IPv4 and IPv6, one per line)");
  await ranges.fill("2001:db8::/200");
  await expect(page.getByText("/200 is too long: IPv6 allows /0 to /128")).toBeVisible();
  await expect(page.getByRole("button", { name: "Add rule" })).toBeDisabled();
  await ranges.fill("192.0.2.1/24\n2001:db8:42::/48");
  await expect(page.getByText(/host bits set/)).toBeVisible();
  await page.getByRole("button", { name: "Use 192.0.2.0/24" }).click();
  await expect(ranges).toHaveValue("192.0.2.0/24\n2001:db8:42::/48");
  await page.getByRole("button", { name: "Add rule" }).click();
  await expect(page.getByRole("status").filter({ hasText: "2 rules added." })).toBeVisible();
  await expect(page.getByRole("row", { name: /TCP 8000–8080/ })).toContainText("192.0.2.0/24, 2001:db8:42::/48");

  // From the instances of a group rather than addresses: both families on one line, counted once.
  await page.getByRole("radio", { name: /^Instances in a group/ }).check();
  await page.getByLabel("Port or range").fill("5432");
  await expect(page.getByRole("button", { name: "Add rule" })).toBeDisabled();
  await page.getByLabel("From the instances in group").selectOption("default");
  await page.getByRole("button", { name: "Add rule" }).click();
  await expect(page.getByRole("status").filter({ hasText: "1 rule added." })).toBeVisible();
  const fromGroup = page.getByRole("row", { name: /TCP 5432/ });
  await expect(fromGroup).toContainText("instances in group default");
  await expect(fromGroup).toContainText("IPv4 + IPv6");
  await page.screenshot({ path: "screenshots/firewall-group.png", fullPage: true });
  await nav(page, "Firewall").click();
  // SSH for both families, the two ranges, and the group: three lines, as the group's page shows.
  await expect(page.getByRole("row", { name: /web/ }).locator('td[data-label="Rules"]')).toHaveText("3");
  await page.getByRole("link", { name: "web", exact: true }).click();
  await expect(page.getByRole("heading", { name: "web", level: 1 })).toBeVisible();

  // Keys: a pasted private key is stopped in the page; a public key is listed with its fingerprint.
  await nav(page, "SSH keys").click();
  await expect(page.getByRole("heading", { name: "SSH keys", level: 1 })).toBeVisible();
  const add = page.getByRole("form", { name: "Add a public key" });
  await add.getByLabel("Name").fill("laptop");
  await add.getByLabel(/Public key/).fill("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----");
  await expect(page.getByRole("alert").filter({ hasText: "This is a private key" })).toBeVisible();
  await expect(add.getByRole("button", { name: "Add key" })).toBeDisabled();
  await add.getByLabel(/Public key/).fill(PUBLIC_KEY);
  await add.getByRole("button", { name: "Add key" }).click();
  const laptop = page.getByRole("row", { name: /laptop/ });
  await expect(laptop).toContainText(FINGERPRINT);
  await expect(laptop).toContainText("ssh-ed25519");

  // Deploy with that key and the new group (default is preselected and stays).
  await nav(page, "Instances").click();
  await page.getByRole("link", { name: "Deploy an instance" }).first().click();
  await page.getByRole("radio", { name: "Barcelona", exact: true }).check();
  await page.getByRole("group", { name: /Storage family/ }).getByRole("radio", { name: /^Agile/ }).check();
  await page.getByRole("radiogroup", { name: "Size" }).getByRole("radio", { name: /^Agile S\b/ }).check();
  await page.getByLabel("Operating system").selectOption({ label: "Debian 12" });
  await page.getByRole("radio", { name: /SSH key/ }).check();
  await expect(page.getByLabel("SSH key", { exact: true })).toHaveValue("laptop");
  const groups = page.getByRole("group", { name: "Security groups" });
  await expect(groups.getByRole("checkbox", { name: /default/ })).toBeChecked();
  await groups.getByRole("checkbox", { name: /web/ }).check();
  await page.getByLabel("Hostname").fill("keyed-bcn");
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  await expect(page.getByRole("heading", { name: "keyed-bcn" })).toBeVisible();
  await expect(page.getByRole("status", { name: "Instance state" })).toHaveText("Running");

  // The instance page: its key, its groups and the rules they add up to.
  await expect(page.getByText("laptop").first()).toBeVisible();
  const firewall = page.getByRole("region", { name: "Firewall" });
  await expect(firewall.getByRole("heading", { name: "web" })).toBeVisible();
  await expect(firewall.getByRole("row", { name: /TCP 22/ })).toContainText("0.0.0.0/0, ::/0");
  await expect(firewall.getByRole("row", { name: /TCP 8000–8080/ })).toContainText("2001:db8:42::/48");
  await page.screenshot({ path: "screenshots/instance-firewall.png", fullPage: true });

  // In use: the group cannot be deleted, and the panel says by whom.
  await nav(page, "Firewall").click();
  await page.getByRole("row", { name: /web/ }).getByRole("button", { name: "Delete" }).click();
  await page.getByRole("button", { name: "Delete the group" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "keyed-bcn" })).toBeVisible();
  expect(errors).toEqual([]);
});

test("a key generated on the deploy page is chosen without losing the form, and a dual rule is removed by halves", async ({ page }) => {
  const errors = watchConsole(page);
  await signUp(page, newEmail("genkey"));
  await page.getByRole("link", { name: "Deploy an instance" }).first().click();
  await page.getByRole("radio", { name: "Miami", exact: true }).check();
  await page.getByLabel("Hostname").fill("kept-name");
  await page.getByRole("radio", { name: /SSH key/ }).check();
  await expect(page.getByText("You have no SSH key yet")).toBeVisible();
  await page.getByRole("button", { name: "Generate a key" }).click();
  const gen = page.getByRole("group", { name: "Generate a key pair" });
  await gen.getByLabel("Name").fill("bad name");
  await expect(gen.getByText(/not allowed|only/i).first()).toBeVisible();
  await gen.getByLabel("Name").fill("made-here");
  // Enter in the name field generates the key; it does not submit the deploy form.
  await gen.getByLabel("Name").press("Enter");
  await expect(page.getByLabel("Private key", { exact: true })).toContainText("BEGIN OPENSSH PRIVATE KEY");
  await expect(page.getByRole("link", { name: "Download id_ed25519_made-here" })).toBeVisible();
  await expect(page.getByLabel("SSH key", { exact: true })).toHaveValue("made-here");
  await expect(page.getByLabel("Hostname")).toHaveValue("kept-name");
  await expect(page.getByRole("radio", { name: "Miami", exact: true })).toBeChecked();
  await expect(page).toHaveURL(/\/instances\/new$/);

  // Ping for both families is one line; removing only its IPv6 half leaves the IPv4 one.
  await createGroup(page, "monitoring");
  await page.getByRole("button", { name: "Allow Ping" }).click();
  const ping = page.getByRole("row", { name: /Ping/ });
  await expect(ping).toContainText("IPv4 + IPv6");
  await ping.getByRole("button", { name: "Remove" }).click();
  await page.getByRole("button", { name: "Only the IPv6 half" }).click();
  await expect(page.getByRole("row", { name: /Ping/ })).toContainText("0.0.0.0/0");
  await expect(page.getByRole("row", { name: /Ping/ })).not.toContainText("::/0");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "screenshots/firewall-phone.png", fullPage: true });
  expect(errors).toEqual([]);
});
