// What a first visit costs, by Chromium's own count: for each signed-in page, a fresh cache
// (cleared, then disabled, through the DevTools protocol) and the sum of every response's
// `encodedDataLength` (headers and compressed body, as on the wire) until the page has hydrated.
//
// Runs the real release binary (`make build-release`) with the embedded org on a fresh data dir.
// Exits 1 when the signed-in people page transfers more than 250 KB (the first-load issue's target).
// Usage: node bench/first-load.mjs   (make bench runs it)

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(join(process.cwd(), 'package.json'));
const { chromium } = require('@playwright/test');

const PORT = 3950;
const BASE = `http://127.0.0.1:${PORT}`;
const TARGET = 250 * 1000;
const ADMIN = 'ada.admin@portico.example';
const PASSWORD = 'Portico-Demo-1';

const data = mkdtempSync(join(tmpdir(), 'portico-first-load-'));
const portal = spawn('./target/release/portico', [], {
  env: {
    PATH: process.env.PATH,
    PORTICO_SERVER__LISTEN: `127.0.0.1:${PORT}`,
    PORTICO_SERVER__PUBLIC_URL: BASE,
    PORTICO_SERVER__DATA_DIR: data,
    PORTICO_SERVER__SITE_ROOT: process.env.PORTICO_SITE_ROOT ?? 'target/site',
    PORTICO_DEVORG__LISTEN: `127.0.0.1:${PORT + 1}`,
    PORTICO_LOG__FILTER: 'warn',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});

async function healthy() {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${BASE}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('portico did not start (make build-release builds it)');
}

/** Bytes Chromium received for `path` from a cold cache, by resource type. */
async function coldLoad(context, path) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.clearBrowserCache');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const types = new Map();
  const byType = {};
  cdp.on('Network.responseReceived', (e) =>
    types.set(e.requestId, new URL(e.response.url).pathname.endsWith('.wasm') ? 'wasm' : e.type),
  );
  cdp.on('Network.loadingFinished', (e) => {
    const t = (types.get(e.requestId) ?? 'Other').toLowerCase();
    byType[t] = (byType[t] ?? 0) + e.encodedDataLength;
  });
  await page.goto(`${BASE}${path}`);
  await page.locator('html[data-hydrated="true"]').waitFor({ timeout: 60_000 });
  await page.waitForLoadState('networkidle');
  await page.close();
  const total = Object.values(byType).reduce((a, b) => a + b, 0);
  return { total, byType };
}

let status = 0;
try {
  await healthy();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE}/`);
  await page.getByLabel('Username').fill(ADMIN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('html[data-hydrated="true"]').waitFor({ timeout: 60_000 });
  // A person and a group to open: the first of each list.
  await page.goto(`${BASE}/people`);
  const person = await page.locator('a[href^="/people/0"]').first().getAttribute('href');
  await page.goto(`${BASE}/groups`);
  const group = await page.locator('a[href^="/groups/0"]').first().getAttribute('href');
  await page.close();

  const pages = [
    ['people list', '/people'],
    ['a person', person],
    ['a group', group],
    ['Waiting on me', '/inbox'],
    ['audit', '/audit'],
  ];
  console.log(`${'page (signed in, cold cache)'.padEnd(44)} ${'total B'.padStart(10)}  by type`);
  for (const [what, path] of pages) {
    const { total, byType } = await coldLoad(context, path);
    const parts = Object.entries(byType)
      .sort((a, b) => b[1] - a[1])
      .map(([t, b]) => `${t} ${b}`)
      .join(', ');
    console.log(`${`${what} (${path})`.padEnd(44)} ${String(total).padStart(10)}  ${parts}`);
    if (what === 'people list' && total > TARGET) {
      console.log(`MISSED the signed-in people page transfers ${total} B (target ≤ ${TARGET} B)`);
      status = 1;
    }
  }
  await browser.close();
} catch (e) {
  console.error(e);
  status = 1;
} finally {
  portal.kill();
  rmSync(data, { recursive: true, force: true });
}
process.exit(status);
