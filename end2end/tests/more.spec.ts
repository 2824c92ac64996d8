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

test('people, person and group pages have no serious accessibility violations (light and dark)', async ({ browser }) => {
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
    await open(page, '/groups?q=Engineering');
    await page.getByRole('link', { name: 'Engineering' }).click();
    await expect(page.getByTestId('members')).toBeVisible();
    expect(await axeProblems(page), `group (${scheme})`).toEqual([]);
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
  await expect(page.getByTestId('apps')).toContainText('Salesforce');
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
