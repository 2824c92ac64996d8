import { test, expect } from './fixtures';
import { axeProblems, shots, signInAs, signInWithoutWasm, open } from './helpers';


test('admin searches for a person, suspends and unsuspends them', async ({ page }) => {
  await signInAs(page, 'ada.admin@portico.example', '/people');
  await expect(page.getByTestId('people-count')).toContainText('people');
  await page.keyboard.press('/');
  await expect(page.locator('#search')).toBeFocused();
  // The results change in place as you type: no page load, and the focus stays in the box.
  await page.evaluate(() => ((window as any).__samePage = true));
  await page.keyboard.type('ed');
  await expect(page).toHaveURL(/\/people\?q=ed$/);
  await expect(page.getByRole('link', { name: 'Ed Engineer' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Ada Admin' })).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).__samePage)).toBe(true);
  await expect(page.locator('#search')).toBeFocused();
  // The export offered is the filter shown, every page of it.
  await expect(page.getByTestId('people-csv')).toHaveAttribute('href', '/people.csv?q=ed');
  const download = await page.request.get('/people.csv?q=ed');
  expect(download.headers()['content-type']).toContain('text/csv');
  expect(await download.text()).toContain('"Ed Engineer"');
  await page.screenshot({ path: `${shots}/10-people-search.png`, fullPage: true });
  // The URL carries the whole view: a reload shows the same result.
  await page.reload();
  await expect(page.getByRole('link', { name: 'Ed Engineer' })).toBeVisible();
  await expect(page.locator('#search')).toHaveValue('ed');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');

  await page.getByRole('link', { name: 'Ed Engineer' }).click();
  await expect(page.getByTestId('person-name')).toHaveText('Ed Engineer');
  await expect(page.getByTestId('person-status')).toHaveText('Active');
  await page.screenshot({ path: `${shots}/11-person.png`, fullPage: true });
  await page.getByRole('button', { name: 'Suspend', exact: true }).click();
  await expect(page.getByRole('dialog')).toContainText('cannot sign in until unsuspended');
  await page.screenshot({ path: `${shots}/12-confirm-suspend.png` });
  await page.getByTestId('confirm').click();
  await expect(page.getByTestId('person-status')).toHaveText('Suspended');
  await expect(page.getByTestId('toast').filter({ hasText: 'Ed Engineer was suspended' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Suspend', exact: true })).toHaveCount(0);
  await page.getByRole('button', { name: 'Unsuspend', exact: true }).click();
  await page.getByTestId('confirm').click();
  await expect(page.getByTestId('person-status')).toHaveText('Active');
});

test('sorting and filters live in the URL', async ({ page }) => {
  await signInAs(page, 'audrey.auditor@portico.example', '/people?status=SUSPENDED');
  await expect(page.getByRole('link', { name: 'Erin Engineer' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Ed Engineer' })).toHaveCount(0);
  await open(page, '/people?sort=name&order=desc');
  await page.screenshot({ path: `${shots}/15-people.png`, fullPage: true });
  const names = await page.locator('table.data tbody td:first-child').allTextContents();
  expect(names.length).toBeGreaterThan(3);
  const lastNames = names.map((n) => n.split(' ').slice(-1)[0].toLowerCase());
  expect([...lastNames].sort().reverse()).toEqual(lastNames);
  // An auditor sees people but no action buttons.
  await page.getByRole('link', { name: 'Ed Engineer' }).click();
  await expect(page.getByTestId('person-name')).toHaveText('Ed Engineer');
  await expect(page.getByText('No actions available to you')).toBeVisible();
});

test('a saved view keeps the filter, opens it again, and goes away when deleted', async ({ browser }) => {
  // CSP bypassed only so the accessibility checker can be injected.
  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  await signInAs(page, 'audrey.auditor@portico.example', '/people?status=SUSPENDED&sort=name');
  const form = page.getByTestId('save-view');
  await form.getByPlaceholder('Name this view').fill('Suspended people');
  await form.getByRole('button', { name: 'Save view' }).click();
  const chip = page.getByTestId('saved-views').getByRole('link', { name: 'Suspended people' });
  await expect(chip).toHaveAttribute('href', '/people?status=SUSPENDED&sort=name');
  await page.screenshot({ path: `${shots}/16-saved-view.png`, fullPage: true });
  expect(await axeProblems(page), 'people with a saved view').toEqual([]);
  await open(page, '/people');
  await page.getByTestId('saved-views').getByRole('link', { name: 'Suspended people' }).click();
  await expect(page).toHaveURL(/\/people\?status=SUSPENDED&sort=name$/);
  await expect(page.getByRole('link', { name: 'Erin Engineer' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Ed Engineer' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Delete the view Suspended people' }).click();
  await expect(page.getByTestId('saved-views').getByRole('link', { name: 'Suspended people' })).toHaveCount(0);
});

test('admin adds and removes a group member', async ({ page }) => {
  await signInAs(page, 'ada.admin@portico.example', '/groups');
  await page.locator('#search').fill('Engin');
  await expect(page).toHaveURL(/q=Engin/);
  await page.getByRole('link', { name: 'Engineering' }).click();
  await expect(page.getByTestId('group-name')).toHaveText('Engineering');
  const members = page.getByTestId('members');
  await expect(members).not.toContainText('Sam Sales');
  await page.getByTestId('people-picker').fill('sam');
  await page.getByRole('option').filter({ hasText: 'Sam Sales' }).getByRole('button').click();
  await page.getByTestId('add-members').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Added 1 person to Engineering' })).toBeVisible();
  await expect(members).toContainText('Sam Sales');
  await page.screenshot({ path: `${shots}/13-group.png`, fullPage: true });
  await page.getByRole('button', { name: 'Remove Sam Sales' }).click();
  await expect(members).not.toContainText('Sam Sales');
});

test('app and built-in groups are read-only with the reason shown', async ({ page }) => {
  await signInAs(page, 'ada.admin@portico.example', '/groups?q=Everyone');
  await page.getByRole('link', { name: 'Everyone' }).click();
  await expect(page.getByTestId('read-only')).toContainText('Built into Okta');
  await expect(page.getByTestId('people-picker')).toHaveCount(0);
});

test('help desk may only request a deactivation, and a forged direct call is refused', async ({ page }) => {
  await signInAs(page, 'hal.helpdesk@portico.example', '/people?q=ed');
  await page.getByRole('link', { name: 'Ed Engineer' }).click();
  await expect(page.getByTestId('person-name')).toHaveText('Ed Engineer');
  await expect(page.getByRole('button', { name: 'Reset password' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Deactivate', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Suspend', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Request: Deactivate' })).toBeVisible();
  await page.screenshot({ path: `${shots}/14-helpdesk-person.png`, fullPage: true });
  const id = page.url().split('/people/')[1].split('?')[0];
  const forged = await page.evaluate(async (id) => {
    const res = await fetch('/api/people/lifecycle', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `id=${id}&op=deactivate`,
    });
    return { status: res.status, body: await res.text() };
  }, id);
  expect(forged.status).toBe(403);
  expect(forged.body).toContain('approval');
  await page.reload();
  await expect(page.getByTestId('person-status')).toHaveText('Active');
});

test('help desk sees an admin\'s page but is offered nothing to change on it', async ({ page }) => {
  await signInAs(page, 'hal.helpdesk@portico.example', '/people?q=ada');
  await page.getByRole('link', { name: 'Ada Admin' }).click();
  await expect(page.getByTestId('person-name')).toHaveText('Ada Admin');
  await expect(page.getByTestId('person-protected')).toContainText('only an admin can change them');
  await expect(page.getByRole('button', { name: 'Reset password' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Request/ })).toHaveCount(0);
  await page.screenshot({ path: `${shots}/47-helpdesk-protected-person.png`, fullPage: true });
});

test('before the WASM loads, the people list is there and its form still searches', async ({ browser }) => {
  // The WASM never arrives: only the server-rendered page and a plain GET form remain.
  const { context, page } = await signInWithoutWasm(browser, 'audrey.auditor@portico.example', '/people');
  await expect(page.getByRole('heading', { name: 'People' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Ed Engineer' })).toBeVisible();
  await page.locator('#search').fill('mar');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\/people\?q=mar/);
  await expect(page.getByRole('link', { name: 'Marcus Manager' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Ed Engineer' })).toHaveCount(0);
  await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
  await context.close();
});

test('without the WASM, pages and tabs still open, and no button pretends to work', async ({ browser }) => {
  const { context, page } = await signInWithoutWasm(browser, 'ada.admin@portico.example', '/people?q=ed');
  await page.getByRole('link', { name: 'Ed Engineer' }).click();
  await expect(page.getByTestId('person-name')).toHaveText('Ed Engineer');
  // Rendered by the server, but nothing can run them: they say so by being disabled.
  await expect(page.getByRole('button', { name: 'Suspend', exact: true })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Edit profile' })).toBeDisabled();
  await page.getByRole('link', { name: 'Groups', exact: true }).last().click();
  await expect(page).toHaveURL(/tab=groups/);
  await expect(page.getByTestId('person-groups')).toContainText('Engineering');
  await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
  await context.close();
});
