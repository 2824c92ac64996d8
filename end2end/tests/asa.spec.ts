import { test, expect } from './fixtures';
import { shots, signInAs, open } from './helpers';

test('drift view lists everyone out of step with Okta', async ({ page }) => {
  await signInAs(page, 'audrey.auditor@portico.example', '/asa/drift');
  const drift = page.getByTestId('drift');
  await expect(drift).toContainText('Steve.Sales');
  await expect(drift).toContainText('Erin.Engineer');
  await expect(drift).toContainText('Ed.Engineer');
  await expect(drift.locator('tbody tr')).toHaveCount(3);
  // Auditors look; they get no fix buttons.
  await expect(page.getByRole('button', { name: /in ASA/ })).toHaveCount(0);
  await page.screenshot({ path: `${shots}/30-asa-drift.png`, fullPage: true });
});

test('admin disables an ASA user and changes a group’s roles', async ({ page }) => {
  await signInAs(page, 'ada.admin@portico.example', '/asa?q=Sam');
  await page.getByRole('link', { name: 'Sam.Sales' }).click();
  await expect(page.getByTestId('asa-status')).toHaveText('Active');
  await page.getByRole('button', { name: 'Disable' }).click();
  await expect(page.getByRole('dialog')).toContainText('can no longer reach any server');
  await page.getByTestId('confirm').click();
  await expect(page.getByTestId('asa-status')).toHaveText('Disabled');
  await expect(page.getByTestId('toast').filter({ hasText: 'Sam.Sales was disabled in ASA' })).toBeVisible();

  await open(page, '/asa/groups/sre');
  await expect(page.getByTestId('asa-group-name')).toHaveText('sre');
  const form = page.getByTestId('roles-form');
  await form.getByLabel('Access admin').check();
  await form.getByLabel('Reporting user').uncheck();
  await form.getByRole('button', { name: 'Save roles' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Saved the roles of sre' })).toBeVisible();
  await page.reload();
  await expect(page.locator('.person-head .chips')).toContainText('Access admin');
  await expect(page.locator('.person-head .chips')).not.toContainText('Reporting user');
  await page.screenshot({ path: `${shots}/31-asa-group.png`, fullPage: true });

  // Groups pushed from Okta say so and offer no membership changes.
  await open(page, '/asa/groups/engineering');
  await expect(page.getByTestId('read-only')).toContainText('Pushed from Okta');
  await expect(page.getByRole('button', { name: 'Add member' })).toHaveCount(0);

  // The Okta person page shows the ASA account beside Okta's status.
  await open(page, '/people?q=steve');
  await page.getByRole('link', { name: 'Steve Sales' }).click();
  await expect(page.getByTestId('person-asa')).toContainText('Steve.Sales');

  // One click fixes drift, through the same permission as any change.
  await open(page, '/asa/drift');
  await page.getByRole('button', { name: 'Disable in ASA: Steve.Sales' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Steve.Sales was disabled in ASA to match Okta' })).toBeVisible();
  await expect(page.getByTestId('drift')).not.toContainText('Steve.Sales');
});

test('the audit trail shows what happened, and its CSV has the same rows', async ({ page }) => {
  await signInAs(page, 'audrey.auditor@portico.example', '/audit?action=asa.');
  const table = page.getByTestId('audit');
  await expect(table).toContainText('asa.user_status');
  await expect(table).toContainText('asa.drift_fix');
  const shown = await table.locator('tbody tr').count();
  const href = await page.getByTestId('csv').getAttribute('href');
  const csv = await page.evaluate(async (url) => (await fetch(url!)).text(), href);
  expect(csv.trim().split('\n').length).toBe(shown + 1);
  await page.screenshot({ path: `${shots}/32-audit.png`, fullPage: true });
});
