import { test, expect } from './fixtures';
import { axeProblems, open, personAt, shots } from './helpers';

test('break-glass: help desk suspends at once, the admins review it from the home page', async ({ browser }) => {
  const hal = await personAt(browser, 'hal.helpdesk@portico.example', '/people?q=sam');
  await hal.getByRole('link', { name: 'Sam Sales' }).click();
  await hal.locator('button[data-op="suspend"][data-mode="request"]').click();
  const dialog = hal.getByTestId('request-dialog');
  await expect(dialog).toContainText('Break glass to run it now without approval');
  await expect(hal.getByTestId('break-glass')).toBeDisabled();
  await hal.getByTestId('request-reason').fill('Account phished: sessions active from abroad');
  await hal.screenshot({ path: `${shots}/50-break-glass-dialog.png`, fullPage: true });
  await hal.getByTestId('break-glass').click();
  await expect(hal.getByTestId('toast').filter({ hasText: /Break-glass R-\w+ runs now/ })).toBeVisible();
  await expect(async () => {
    await hal.reload();
    await expect(hal.getByTestId('person-status')).toHaveText('Suspended', { timeout: 1000 });
  }).toPass({ timeout: 20_000 });

  // Ada finds its review waiting on her home page, opens it, and records it.
  const ada = await personAt(browser, 'ada.admin@portico.example', '/');
  const reviews = ada.getByTestId('open-reviews');
  await expect(reviews).toContainText('Sam Sales');
  expect(await axeProblems(ada), 'home with reviews').toEqual([]);
  await reviews.getByRole('link').first().click();
  const card = ada.getByTestId('request');
  await expect(card.getByTestId('break-glass')).toContainText('run at once, without approval');
  expect(await axeProblems(ada), 'break-glass request').toEqual([]);
  await ada.screenshot({ path: `${shots}/51-break-glass-review.png`, fullPage: true });
  const form = card.getByTestId('review-form');
  await form.getByLabel('Justified', { exact: true }).check();
  await form.getByLabel('What you found (required)').fill('Confirmed with the SOC: the account was phished.');
  await form.getByRole('button', { name: 'Record the review' }).click();
  await expect(ada.getByTestId('review-done')).toContainText('Ada Admin found it justified');
  await open(ada, '/');
  await expect(ada.getByTestId('open-reviews')).toHaveCount(0);
});

test('an approver away names a delegate, who decides for them and sees the count in the navigation', async ({ browser }) => {
  const ada = await personAt(browser, 'ada.admin@portico.example', '/away');
  await expect(ada.getByTestId('away-none')).toBeVisible();
  expect(await axeProblems(ada), 'away').toEqual([]);
  const until = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  const form = ada.getByTestId('away-form');
  await form.getByLabel('Who decides for you (their login or email)').fill('hal.helpdesk@portico.example');
  await form.getByLabel('Until the end of (UTC)').fill(until);
  await form.getByRole('button', { name: 'Name my delegate' }).click();
  await expect(ada.getByTestId('away-now')).toContainText('Hal Helpdesk decides for you until');
  await ada.screenshot({ path: `${shots}/52-away.png`, fullPage: true });

  // Marcus asks to lift Sam's suspension; Hal, deciding for Ada, sees it waiting on him.
  const marcus = await personAt(browser, 'marcus.manager@portico.example', '/my-people');
  await marcus.getByTestId('my-people').getByRole('link', { name: 'Sam Sales' }).click();
  await marcus.locator('button[data-op="unsuspend"][data-mode="request"]').click();
  await marcus.getByTestId('request-reason').fill('The phishing is dealt with');
  await marcus.getByTestId('send-request').click();
  await expect(marcus.getByTestId('toast').filter({ hasText: /Request R-\w+ sent for approval/ })).toBeVisible();

  const hal = await personAt(browser, 'hal.helpdesk@portico.example', '/');
  await expect(hal.getByTestId('waiting-count')).toHaveText('1');
  await open(hal, '/inbox');
  const card = hal.getByTestId('request').filter({ hasText: 'Sam Sales' });
  await expect(card.getByTestId('approvers')).toContainText('Hal Helpdesk for Ada Admin');
  await hal.screenshot({ path: `${shots}/53-delegate-inbox.png`, fullPage: true });
  expect(await axeProblems(hal), 'inbox with a delegated request').toEqual([]);
  await card.getByTestId('approve').click();
  await expect(hal.getByTestId('toast').filter({ hasText: /Approved R-\w+/ })).toBeVisible();

  // Back: Ada ends it.
  await open(ada, '/away');
  await ada.getByTestId('away-end').click();
  await expect(ada.getByTestId('away-none')).toBeVisible();
  await open(marcus, marcus.url());
  await expect(async () => {
    await marcus.reload();
    await expect(marcus.getByTestId('person-status')).toHaveText('Active', { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
});
