import { test, expect } from './fixtures';
import { axeProblems, open, personAt, shots } from './helpers';

test('help desk asks, the manager approves, Okta deactivates once, the audit trail shows it all', async ({ browser }) => {
  // Hal (help desk) may not deactivate Sofia (a new hire who never started); the button asks for approval instead.
  const hal = await personAt(browser, 'hal.helpdesk@portico.example', '/people?q=sofia');
  await hal.getByRole('link', { name: 'Sofia Sales' }).click();
  await expect(hal.getByTestId('person-name')).toHaveText('Sofia Sales');
  const personUrl = hal.url();
  const ask = hal.locator('button[data-op="deactivate"][data-mode="request"]');
  await expect(ask).toHaveText('Request: Deactivate');
  await ask.click();
  const dialog = hal.getByTestId('request-dialog');
  await expect(dialog).toContainText('their manager or an admin');
  // The reason is required before the request can go.
  await expect(hal.getByTestId('send-request')).toBeDisabled();
  await hal.getByTestId('request-reason').fill('Sofia signed with a competitor before starting');
  await hal.screenshot({ path: `${shots}/40-request-dialog.png`, fullPage: true });
  await hal.getByTestId('send-request').click();
  await expect(hal.getByTestId('toast').filter({ hasText: /Request R-\w+ sent for approval/ })).toBeVisible();
  await expect(hal.getByTestId('pending-requests')).toContainText('Deactivate: Sofia Sales');

  // Marcus, Sofia's manager, finds it waiting on him with who, why, now and after.
  const marcus = await personAt(browser, 'marcus.manager@portico.example', '/inbox');
  const card = marcus.getByTestId('request').filter({ hasText: 'Deactivate: Sofia Sales' });
  await expect(card).toContainText('Hal Helpdesk');
  await expect(card).toContainText('Sofia signed with a competitor before starting');
  await expect(card).toContainText('Pending activation → Deactivated');
  await marcus.screenshot({ path: `${shots}/41-waiting-on-me.png`, fullPage: true });
  expect(await axeProblems(marcus), 'inbox').toEqual([]);
  await card.getByTestId('decision-comment').fill('Confirmed with HR');
  await card.getByTestId('approve').click();
  await expect(marcus.getByTestId('toast').filter({ hasText: /Approved R-\w+/ })).toBeVisible();
  await expect(marcus.getByTestId('empty')).toHaveText('Nothing is waiting on you.');

  // The executor runs it; the person page shows the new status.
  await open(marcus, personUrl);
  await expect(async () => {
    await marcus.reload();
    await expect(marcus.getByTestId('person-status')).toHaveText('Deactivated', { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await marcus.screenshot({ path: `${shots}/42-deactivated.png`, fullPage: true });

  // Hal sees the outcome under My requests.
  await open(hal, '/requests');
  const mine = hal.getByTestId('request').filter({ hasText: 'Deactivate: Sofia Sales' });
  await expect(mine.getByTestId('request-status')).toHaveText('Done');
  await expect(mine).toContainText('Marcus Manager approved');
  await expect(mine).toContainText('Confirmed with HR');
  await hal.screenshot({ path: `${shots}/43-my-requests.png`, fullPage: true });
  expect(await axeProblems(hal), 'my requests').toEqual([]);

  // The auditor sees the whole chain, and the CSV has the same rows.
  const audrey = await personAt(browser, 'audrey.auditor@portico.example', '/audit?target=sofia.sales');
  const table = audrey.getByTestId('audit');
  for (const step of ['request.create', 'request.approve', 'person.deactivate', 'request.execute']) {
    await expect(table).toContainText(step);
  }
  const shown = await table.locator('tbody tr').count();
  const href = await audrey.getByTestId('csv').getAttribute('href');
  const csv = await audrey.evaluate(async (url) => (await fetch(url!)).text(), href);
  const lines = csv.trim().split('\n');
  expect(lines.length).toBe(shown + 1);
  for (const step of ['request.create', 'request.approve', 'person.deactivate', 'request.execute']) {
    expect(lines.some((l) => l.includes(step))).toBeTruthy();
  }
  await audrey.screenshot({ path: `${shots}/44-audit-chain.png`, fullPage: true });
});

test('a manager sees their people and acts only on them', async ({ browser }) => {
  const maria = await personAt(browser, 'maria.manager@portico.example', '/');
  await expect(maria.getByTestId('me-manager')).toContainText('You manage people in Okta');
  await maria.getByRole('link', { name: 'My people' }).first().click();
  const table = maria.getByTestId('my-people');
  await expect(table).toContainText('Ed Engineer');
  await expect(table).toContainText('Erin Engineer');
  await expect(table).not.toContainText('Sam Sales');
  await maria.screenshot({ path: `${shots}/45-my-people.png`, fullPage: true });
  expect(await axeProblems(maria), 'my people').toEqual([]);
  await table.getByRole('link', { name: 'Ed Engineer' }).click();
  await expect(maria.getByTestId('person-name')).toHaveText('Ed Engineer');
  await expect(maria.locator('button[data-op="reset_password"][data-mode="run"]')).toBeVisible();
  await expect(maria.locator('button[data-op="suspend"][data-mode="request"]')).toBeVisible();
  await expect(maria.locator('button[data-op="delete"]')).toHaveCount(0);
  // Server access is not a manager's business: no ASA card.
  await expect(maria.getByTestId('person-asa')).toHaveCount(0);

  // Someone else's report: refused, with the reason.
  const marcus = await personAt(browser, 'marcus.manager@portico.example', '/my-people');
  await expect(marcus.getByTestId('my-people')).toContainText('Sam Sales');
  await open(marcus, maria.url());
  await expect(marcus.getByRole('alert')).toContainText('You are not allowed to view this person');
});

test('an approved password expiry keeps its promise: the requester sees the temporary password once', async ({ browser }) => {
  // Hal may only request an expiry for Emma; the dialog says where the temporary password will be.
  const hal = await personAt(browser, 'hal.helpdesk@portico.example', '/people?q=emma');
  await hal.getByRole('link', { name: 'Emma Engineer' }).click();
  const ask = hal.locator('button[data-op="expire_password"][data-mode="request"]');
  await expect(ask).toHaveText('Request: Expire password');
  await ask.click();
  await expect(hal.getByTestId('request-dialog')).toContainText("a temporary password waits for you on the request's page");
  await hal.getByTestId('request-reason').fill('Emma is locked out of her laptop and forgot her password');
  await hal.getByTestId('send-request').click();
  const sent = hal.getByTestId('toast').filter({ hasText: /Request R-\w+ sent for approval/ });
  await expect(sent).toBeVisible();
  const id = ((await sent.textContent()) ?? '').match(/R-\w+/)![0];

  // Maria, Emma's manager, approves it.
  const maria = await personAt(browser, 'maria.manager@portico.example', `/requests/${id}`);
  await maria.getByTestId('approve').click();
  await expect(maria.getByTestId('toast').filter({ hasText: `Approved ${id}` })).toBeVisible();
  // The approver never sees the password.
  await expect(maria.getByTestId('reveal')).toHaveCount(0);

  // Once it has run, Hal's request page offers the password, once.
  await open(hal, `/requests/${id}`);
  await expect(async () => {
    await hal.reload();
    await expect(hal.getByTestId('request-status')).toHaveText('Done', { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(hal.getByTestId('request-result')).toContainText('temporary password waits for the requester');
  expect(await axeProblems(hal), 'request page with a waiting password').toEqual([]);
  await expect(hal.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await hal.getByTestId('reveal').click();
  await expect(hal.getByTestId('temp-password')).toBeVisible();
  expect(((await hal.getByTestId('temp-password').textContent()) ?? '').trim().length).toBeGreaterThan(6);
  await hal.screenshot({ path: `${shots}/46-temp-password-once.png`, fullPage: true });
  await hal.reload();
  await expect(hal.getByTestId('request-status')).toHaveText('Done');
  await expect(hal.getByTestId('reveal')).toHaveCount(0);
  await expect(hal.getByTestId('temp-password')).toHaveCount(0);
});
