import { test, expect } from './fixtures';
import type { Page, Browser } from '@playwright/test';
import { axeProblems, shots, signInAs, open } from './helpers';


async function adminPage(browser: Browser, colorScheme: 'light' | 'dark' = 'light') {
  // axe is injected as a script, which the portal's CSP would (rightly) block.
  const context = await browser.newContext({ bypassCSP: true, colorScheme });
  const page = await context.newPage();
  await signInAs(page, 'ada.admin@portico.example');
  return { context, page };
}

test('every page has no serious accessibility violations (light and dark)', async ({ browser }) => {
  for (const scheme of ['light', 'dark'] as const) {
    const { context, page } = await adminPage(browser, scheme);
    for (const url of ['/people', '/groups', '/asa', '/asa/groups', '/asa/drift', '/audit']) {
      await open(page, url);
      await expect(page.locator('table.data')).toBeVisible();
      expect(await axeProblems(page), `${url} (${scheme})`).toEqual([]);
    }
    await open(page, '/people?q=ed');
    await page.getByRole('link', { name: 'Ed Engineer' }).click();
    await expect(page.getByTestId('person-name')).toBeVisible();
    expect(await axeProblems(page), `person (${scheme})`).toEqual([]);
    // Its schedule and offboarding pages, and everything scheduled.
    const person = new URL(page.url()).pathname;
    for (const [url, ready] of [[`${person}/schedule`, 'schedule-change'], [`${person}/offboard`, 'offboard-form'], ['/scheduled', 'scheduled-filter']]) {
      await open(page, url);
      await expect(page.getByTestId(ready)).toBeVisible();
      expect(await axeProblems(page), `${url} (${scheme})`).toEqual([]);
    }
    await open(page, '/groups?q=Engineering');
    await page.getByRole('link', { name: 'Engineering' }).click();
    await expect(page.getByTestId('members')).toBeVisible();
    expect(await axeProblems(page), `group (${scheme})`).toEqual([]);
    // The pages without a table: home, the create form, an ASA user, the delegate page.
    for (const [url, ready] of [['/', 'me-name'], ['/people/new', 'group-picker'], ['/asa/users/Steve.Sales', 'asa-name'], ['/away', 'away']]) {
      await open(page, url);
      await expect(page.getByTestId(ready)).toBeVisible();
      expect(await axeProblems(page), `${url} (${scheme})`).toEqual([]);
    }
    if (scheme === 'dark') await page.screenshot({ path: `${shots}/20-group-dark.png`, fullPage: true });
    await context.close();
  }
});

test('admin creates a person, edits the profile (Okta errors by the field), sees apps and clears sessions', async ({ page }) => {
  await signInAs(page, 'ada.admin@portico.example', '/people');
  await page.getByRole('link', { name: 'New person' }).click();
  await page.getByLabel('First name').fill('Nora');
  await page.getByLabel('Last name').fill('Newhire');
  await page.getByLabel('Primary email').fill('nora.newhire@portico.example');
  await page.getByLabel(/^Password/).fill('Welcome-2-Acme!');
  await page.getByTestId('group-picker').fill('Eng');
  await page.getByRole('option').filter({ hasText: 'Engineering' }).getByRole('button').click();
  await page.screenshot({ path: `${shots}/21-new-person.png`, fullPage: true });
  await page.getByRole('button', { name: 'Create person' }).click();
  await expect(page.getByTestId('person-name')).toHaveText('Nora Newhire');
  await expect(page.getByTestId('person-status')).toHaveText('Active');

  await page.getByRole('button', { name: 'Edit profile' }).click();
  await page.getByLabel('Primary email').fill('not-an-email');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('.field-error')).toContainText('Does not match required pattern');
  await page.getByLabel('Primary email').fill('nora@portico.example');
  await page.getByLabel('Title').fill('Platform Engineer');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Profile saved' })).toBeVisible();
  await expect(page.locator('dl.facts')).toContainText('Platform Engineer');

  await page.getByRole('link', { name: 'Groups', exact: true }).last().click();
  await expect(page.getByTestId('person-groups')).toContainText('Engineering');

  await open(page, '/people?q=ed');
  await page.getByRole('link', { name: 'Ed Engineer' }).click();
  await page.getByRole('link', { name: 'Applications' }).click();
  await expect(page.getByTestId('apps')).toContainText('GitHub Enterprise');
  await page.getByRole('link', { name: 'Sessions & consents' }).click();
  await expect(page.getByTestId('consents')).toContainText('Expenses Mobile');
  // Ed has not signed in to Portico here; the admin sees that beside Okta's sessions.
  await expect(page.getByTestId('portico-sessions')).toHaveText('Not signed in to Portico.');
  await page.screenshot({ path: `${shots}/22-sessions.png`, fullPage: true });
  await page.getByRole('button', { name: 'Clear all sessions' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: 'signed out of every session' })).toBeVisible();
  await expect(page.getByTestId('consents')).toContainText('no refresh tokens');
  await page.getByRole('button', { name: 'Revoke Ops Dashboard' }).click();
  await expect(page.getByTestId('consents')).not.toContainText('Ops Dashboard');
});

test('expire password shows the temporary password once; delete asks for the login', async ({ page }) => {
  await signInAs(page, 'ada.admin@portico.example', '/people?q=ivy');
  await page.getByRole('link', { name: 'Ivy Intern' }).click();
  await page.getByRole('button', { name: 'Expire password' }).click();
  await page.getByTestId('confirm').click();
  await expect(page.getByTestId('temp-password')).toBeVisible();
  await page.screenshot({ path: `${shots}/23-temp-password.png` });
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByTestId('temp-password')).toHaveCount(0);
  await expect(page.getByTestId('person-status')).toHaveText('Password expired');

  await page.getByRole('button', { name: 'Deactivate' }).click();
  await page.getByTestId('confirm').click();
  await expect(page.getByTestId('person-status')).toHaveText('Deactivated');
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('confirm')).toBeDisabled();
  await page.getByRole('dialog').getByRole('textbox').fill('ivy.intern@portico.example');
  await page.getByTestId('confirm').click();
  await expect(page).toHaveURL(/\/people$/);
  await expect(page.getByTestId('toast').filter({ hasText: 'Ivy Intern was deleted' })).toBeVisible();
});

test('usable on a tablet: nothing spills sideways', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 820, height: 1100 } });
  const page = await context.newPage();
  await signInAs(page, 'ada.admin@portico.example', '/people');
  await expect(page.locator('table.data')).toBeVisible();
  for (const url of ['/people', '/groups']) {
    await open(page, url);
    await expect(page.locator('table.data')).toBeVisible();
    const spill = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(spill, url).toBeLessThanOrEqual(0);
  }
  await page.screenshot({ path: `${shots}/24-tablet-people.png`, fullPage: true });
  await context.close();
});

test('dialogs hold the focus and close on Esc; a failure stays until it is dismissed', async ({ page }) => {
  // The page's timers run on a clock the test moves: no waiting for a toast to fade.
  await page.clock.install();
  await signInAs(page, 'ada.admin@portico.example', '/people?q=ed');
  await page.getByRole('link', { name: 'Ed Engineer' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  const suspend = page.getByRole('button', { name: 'Suspend', exact: true });
  await suspend.click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.locator(':focus')).toHaveCount(1);
  for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
    await page.keyboard.press(key);
    await expect(dialog.locator(':focus'), `focus stays inside after ${key}`).toHaveCount(1);
  }
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(suspend).toBeFocused();
  await expect(page.getByTestId('person-status')).toHaveText('Active');

  await open(page, '/groups');
  await page.locator('summary', { hasText: 'New group' }).click();
  await page.getByLabel('Name').fill('Sales');
  await page.getByRole('button', { name: 'Create' }).click();
  const failure = page.locator('.toast.bad');
  await expect(failure).toBeVisible();
  await page.clock.fastForward(60_000);
  await expect(failure, 'a failure does not fade').toBeVisible();
  await page.screenshot({ path: `${shots}/48-failure-toast.png` });
  await failure.getByRole('button', { name: 'Dismiss' }).click();
  await expect(failure).toHaveCount(0);
});

test('the audit trail fits its card at 1280 px', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await signInAs(page, 'ada.admin@portico.example', '/audit');
  const card = page.locator('.table-card', { has: page.getByTestId('audit') });
  await expect(page.getByTestId('audit')).toBeVisible();
  const { table, box } = await card.evaluate((el) => ({
    table: el.querySelector('table')!.scrollWidth,
    box: el.clientWidth,
  }));
  expect(table, 'every column, the change included, is inside the card').toBeLessThanOrEqual(box);
  await page.screenshot({ path: `${shots}/49-audit-1280.png` });
});

test('times are shown in the viewer\'s time zone, with UTC on hover', async ({ browser }) => {
  const context = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
  const page = await context.newPage();
  await signInAs(page, 'ada.admin@portico.example', '/people?q=ed');
  await page.getByRole('link', { name: 'Ed Engineer' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  const created = page.locator('dt', { hasText: 'Created' }).locator('xpath=following-sibling::dd[1]/time');
  await expect(created).toContainText('(UTC+09:00)');
  await expect(created).toHaveAttribute('title', /UTC$/);
  await context.close();
});
