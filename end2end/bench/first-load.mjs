// First load: how much WebAssembly, JavaScript and CSS (brotli bytes, as the server sends them to a
// browser that accepts br) the browser downloads before a page works, and how long that takes on a
// slow phone network (1.6 Mbit/s, 150 ms), in Debian's Chromium: `/login` signed out (the sign-in
// pages' own bundle) and `/` signed in (the panel's main module), plus every on-demand page's own
// download. "Works" is the app's own mark, <html data-hydrated>.
//
//   bash .ci/build --precompress && node end2end/bench/first-load.mjs
// It starts the release binary itself, on the embedded simulator. The monolithic build it is compared
// with is the figure recorded before the split (issue 15: 446 KB for the first page after sign-in,
// 434 KB of it the one wasm file, which the sign-in page loaded too): the lazy routes' code cannot
// run unsplit, so that build cannot be rebuilt from this tree.
import { chromium } from "@playwright/test";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.ZENITH_BIN ?? path.join(root, "target/release/zenith");
const RUNS = Number(process.env.ZENITH_BENCH_RUNS ?? 3);
const NETWORK = { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 1.6e6 / 8 };
const PASSWORD = "plum orbit falcon ninety3 kettle";

const sites = [["split", process.env.ZENITH_SITE ?? path.join(root, "target/site")]];
/** Brotli bytes before interactive, as recorded for the monolithic build. */
const RECORDED = { "/login (signed out)": 446 * 1024, "/ (signed in)": 446 * 1024 };

/** The brotli size of a site file (what a browser that accepts br is sent). */
function brotli(site, urlPath) {
  const file = path.join(site, decodeURIComponent(urlPath));
  for (const f of [file + ".br", file]) if (fs.existsSync(f)) return fs.statSync(f).size;
  return 0;
}

async function start(site) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zenith-first-load-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(bin, [], {
    env: {
      ...process.env,
      ZENITH_DATA_DIR: dir,
      ZENITH_ADDR: `127.0.0.1:${port}`,
      ZENITH_SIM_ADDR: `127.0.0.1:${port + 1}`,
      ZENITH_SIGNUP_PER_ADDRESS_PER_HOUR: "1000",
      LEPTOS_SITE_ROOT: site,
      RUST_LOG: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { base, child, dir };
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the panel did not start on ${site}`);
}

/** One cold load of `url`: bytes of code before the mark, and the time to it. */
async function coldLoad(browser, site, base, url, storageState) {
  const context = await browser.newContext({ storageState, baseURL: base });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", NETWORK);
  await page.addInitScript(() => {
    // The init script runs before <html> exists: watch the document for the mark.
    new MutationObserver((_, o) => {
      if (document.documentElement?.hasAttribute("data-hydrated")) {
        window.__hydratedAt = performance.now();
        o.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
  });
  await page.goto(url);
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 120_000 });
  let { at, code } = await page.evaluate(() => ({
    at: window.__hydratedAt,
    code: performance
      .getEntriesByType("resource")
      .filter((r) => r.responseEnd <= window.__hydratedAt && /\.(wasm|js|css)$/.test(new URL(r.name).pathname))
      .map((r) => new URL(r.name).pathname),
  }));
  await context.close();
  // A file the page preloads has two timing entries (the preload, and its use, served from the
  // preload: one download), so each file counts once.
  code = [...new Set(code)];
  const bytes = code.reduce((n, p) => n + brotli(site, p), 0);
  return { at, bytes, files: code.length, each: code.map((p) => `${p.replace(/^\/pkg\//, "")} ${kb(brotli(site, p))}`) };
}

/** Each on-demand page's own download: its view and the shared pieces the main module lacks. */
function chunks(site) {
  const manifest = path.join(site, "pkg/__wasm_split_manifest.json");
  if (!fs.existsSync(manifest)) return [];
  const m = JSON.parse(fs.readFileSync(manifest, "utf8"));
  return Object.entries(m)
    .filter(([name]) => name.includes("_view_"))
    .map(([name, deps]) => {
      const page = name.replace(/^__/, "").replace(/_view_\d+$/, "");
      const bytes = deps.reduce((n, d) => n + brotli(site, `/pkg/${d}.wasm`), 0);
      const own = deps.filter((d) => d.startsWith("split_")).reduce((n, d) => n + brotli(site, `/pkg/${d}.wasm`), 0);
      return { page, bytes, own };
    })
    .sort((a, b) => b.bytes - a.bytes);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** KB are 1,024 bytes (each line before interactive also gives its bytes). */
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const results = {};
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--disable-gpu", "--no-first-run"] });
for (const [label, site] of sites) {
  const { base, child, dir } = await start(site);
  try {
    const signup = await browser.newContext({ baseURL: base });
    const r = await signup.request.post("/api/auth/signup", {
      data: { email: `first-load-${Date.now()}@example.com`, password: PASSWORD },
      headers: { origin: base },
    });
    if (!r.ok()) throw new Error(`sign-up failed: ${r.status()} ${await r.text()}`);
    const signedIn = await signup.storageState();
    await signup.close();
    results[label] = {};
    for (const [name, url, state] of [
      ["/login (signed out)", "/login", undefined],
      ["/ (signed in)", "/", signedIn],
    ]) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await coldLoad(browser, site, base, url, state));
      const res = { bytes: runs[0].bytes, files: runs[0].files, each: runs[0].each, tti: median(runs.map((x) => x.at)) };
      results[label][name] = res;
      console.log(`first-load ${label.padEnd(6)} ${name.padEnd(20)} ${kb(res.bytes).padStart(9)} (${res.bytes} bytes) of wasm+js+css in ${res.files} files before interactive; interactive after ${(res.tti / 1000).toFixed(2)} s at 1.6 Mbit/s, 150 ms (median of ${RUNS})`);
      console.log(`first-load ${label.padEnd(6)} ${"".padEnd(20)} ${res.each.join(", ")}`);
    }
    for (const c of chunks(site))
      console.log(`first-load ${label.padEnd(6)} page ${c.page.padEnd(10)} its own chunk ${kb(c.own).padStart(9)}; with the pieces it shares with other pages ${kb(c.bytes).padStart(9)}`);
  } finally {
    child.kill("SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
await browser.close();
for (const [name, before] of Object.entries(RECORDED)) {
  const now = results.split[name];
  console.log(`first-load ratio ${name.padEnd(20)} ${(now.bytes / before).toFixed(2)}× the monolithic build's recorded ${kb(before)} (${kb(now.bytes)} now)`);
}
