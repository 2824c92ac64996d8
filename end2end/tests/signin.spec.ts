import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';

const ADMIN = 'ada.admin@portico.example';
const PASSWORD = 'Portico-Demo-1';
const shots = `${__dirname}/../test-results/screens`;

/** Console errors and CSP violations seen while a test runs: there must be none. */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  return problems;
}

async function signIn(page: Page, login: string, password: string) {
  await page.getByLabel('Username').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('admin signs in, sees who they are, and signs out', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/');
  // Not signed in: sent to the provider's sign-in page.
  await expect(page).toHaveURL(/:3901\/oauth2\/v1\/authorize\?/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.screenshot({ path: `${shots}/01-sign-in.png` });

  await signIn(page, ADMIN, PASSWORD);
  await expect(page).toHaveURL(/:3900\/$/);
  await expect(page.getByTestId('topbar-name')).toHaveText('Ada Admin');
  await expect(page.getByRole('heading', { name: 'Welcome, Ada Admin' })).toBeVisible();
  await expect(page.getByTestId('me-roles')).toContainText('Admin');
  // The WASM took over the server-rendered page (hydration ran under the CSP).
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.screenshot({ path: `${shots}/02-home.png`, fullPage: true });

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/:3900\/signed-out$/);
  await expect(page.getByRole('heading', { name: 'You are signed out' })).toBeVisible();
  await page.screenshot({ path: `${shots}/03-signed-out.png` });

  // Signed out for real: the portal asks for sign-in again.
  await page.goto('/');
  await expect(page).toHaveURL(/:3901\/oauth2\/v1\/authorize\?/);
  expect(problems).toEqual([]);
});

test('a wrong password is refused with a clear message, then the right one works', async ({ page }) => {
  await page.goto('/');
  await signIn(page, ADMIN, 'wrong-password');
  await expect(page.getByRole('alert')).toContainText('username or password is wrong');
  await expect(page.getByLabel('Username')).toHaveValue(ADMIN);
  await page.screenshot({ path: `${shots}/04-wrong-password.png` });
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('topbar-name')).toHaveText('Ada Admin');
});

test('sign-in returns to the page first asked for', async ({ page }) => {
  await page.goto('/no-such-page?x=1');
  await signIn(page, 'audrey.auditor@portico.example', PASSWORD);
  await expect(page).toHaveURL(/:3900\/no-such-page\?x=1$/);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('the home page in dark mode', async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: 'dark', viewport: { width: 1024, height: 700 } });
  const page = await context.newPage();
  await page.goto('/');
  await signIn(page, 'hal.helpdesk@portico.example', PASSWORD);
  await expect(page.getByTestId('me-roles')).toContainText('Help desk');
  await page.screenshot({ path: `${shots}/05-home-dark.png`, fullPage: true });
  await context.close();
});
