import { expect, Browser, Page } from '@playwright/test';
import path from 'node:path';

export const PASSWORD = 'Portico-Demo-1';
export const shots = `${__dirname}/../test-results/screens`;

/** WASM panics, hydration errors and islands the WASM does not have (a server and a site built
 *  from different sources) seen on watched pages; `fixtures.ts` fails the test on any. */
export const crashes: string[] = [];
const watched = new WeakSet<Page>();

function watch(page: Page) {
  if (watched.has(page)) return;
  watched.add(page);
  page.on('console', (m) => {
    if (m.type() === 'error' && /panicked|hydration/i.test(m.text())) crashes.push(m.text().slice(0, 400));
    if (m.type() === 'warning' && /Could not find WASM function for the island/.test(m.text())) crashes.push(m.text().slice(0, 400));
  });
  page.on('pageerror', (e) => crashes.push(String(e).slice(0, 400)));
}

/** Opens `to` and signs in on the embedded org's page (which sends the browser back to `to`). */
async function signIn(page: Page, login: string, to: string) {
  await page.goto(to);
  await page.getByLabel('Username').fill(login);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens `to`, signs in on the embedded org's page, and waits for the WASM to take over. */
export async function signInAs(page: Page, login: string, to = '/') {
  watch(page);
  await signIn(page, login, to);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/** A browser of its own in which the WASM never arrives (only the server-rendered pages), signed
 *  in as `login` at `to`. */
export async function signInWithoutWasm(browser: Browser, login: string, to: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route('**/*.wasm', (route) => route.abort());
  await signIn(page, login, to);
  return { context, page };
}

/** Opens `to` in a signed-in page and waits for the WASM to take over, so a click that follows
 *  reaches a live page (on a busy machine a fresh load can take a while to hydrate). */
export async function open(page: Page, to: string) {
  watch(page);
  await page.goto(to);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/** Serious and critical axe-core findings on the current page (WCAG 2 A/AA rules). The page's
 *  context must bypass CSP: axe is injected as a script, which the portal's CSP rightly blocks. */
export async function axeProblems(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: path.join(__dirname, '../../node_modules/axe-core/axe.min.js') });
  const violations = await page.evaluate(async () => {
    // @ts-ignore axe is injected above
    const result = await (window as any).axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3) }));
  });
  return violations.filter((v: any) => v.impact === 'serious' || v.impact === 'critical').map((v: any) => `${v.id}: ${v.nodes.join(', ')}`);
}

/** Asks the embedded org's test-control API (its token is in the server's log). */
export async function control(path: string, body: unknown) {
  const fs = await import('node:fs');
  const log = fs.readFileSync(`${__dirname}/../.data/server.log`, 'utf8');
  const token = /Test-control API token \(Authorization: Bearer <token>\): (\S+)/.exec(log)?.[1];
  if (!token) throw new Error('no test-control token in the server log');
  const org = /Embedded Okta-compatible org: (\S+)/.exec(log)?.[1];
  const res = await fetch(`${org}/__devorg/control/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`control ${path}: ${res.status}`);
}

/** How many times the embedded org's System Log recorded `eventType` about the person `login`. */
export async function orgEvents(eventType: string, login: string): Promise<number> {
  const fs = await import('node:fs');
  const log = fs.readFileSync(`${__dirname}/../.data/server.log`, 'utf8');
  const token = /Demo API token \(Authorization: SSWS <token>\): (\S+)/.exec(log)?.[1];
  const org = /Embedded Okta-compatible org: (\S+)/.exec(log)?.[1];
  if (!token || !org) throw new Error('no org or API token in the server log');
  const auth = { authorization: `SSWS ${token}`, accept: 'application/json' };
  const person = await (await fetch(`${org}/api/v1/users/${encodeURIComponent(login)}`, { headers: auth })).json();
  const filter = `eventType eq "${eventType}" and target.id eq "${person.id}"`;
  const res = await fetch(`${org}/api/v1/logs?filter=${encodeURIComponent(filter)}`, { headers: auth });
  if (!res.ok) throw new Error(`logs: ${res.status}`);
  return (await res.json()).length;
}

/** A separate browser (own cookies) signed in as `login` at `to`. */
export async function personAt(browser: Browser, login: string, to: string): Promise<Page> {
  // CSP bypassed only so the accessibility checker can be injected.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signInAs(page, login, to);
  return page;
}

/** `days` from now as a `datetime-local` value, in UTC. */
export function utcIn(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);
}
