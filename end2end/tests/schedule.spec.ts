import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import { axeProblems, control, personAt, shots, utcIn } from './helpers';

const ADMIN = 'ada.admin@portico.example';
const MARIA = 'maria.manager@portico.example';

/** The person page of the one person the people search finds by `q`. */
async function personPage(page: Page, q: string, name: string): Promise<string> {
  await page.goto(`/people?q=${q}`);
  await page.getByRole('link', { name }).click();
  await expect(page.getByTestId('person-name')).toHaveText(name);
  return new URL(page.url()).pathname;
}

test('schedule a change in a stated time zone, give a group for a while, cancel from the lists', async ({ browser }) => {
  const ada = await personAt(browser, ADMIN, '/');
  const person = await personPage(ada, 'maria', 'Maria Manager');
  await ada.goto(`${person}?tab=upcoming`);
  await expect(ada.getByTestId('upcoming-empty')).toBeVisible();
  expect(await axeProblems(ada), 'person upcoming tab').toEqual([]);
  await ada.getByTestId('schedule-link').click();
  await expect(ada.getByRole('heading', { name: 'Schedule for Maria Manager' })).toBeVisible();
  expect(await axeProblems(ada), 'schedule page').toEqual([]);

  // A deactivation at a time stated in Berlin's zone.
  const change = ada.getByTestId('schedule-change');
  await change.getByLabel('Change').selectOption({ label: 'Deactivate' });
  await change.getByLabel('At', { exact: true }).fill(utcIn(2));
  await change.getByLabel('Time zone').fill('Europe/Berlin');
  await change.getByLabel('Why', { exact: true }).fill('Contract ends');
  await change.getByRole('button', { name: 'Schedule' }).click();
  const rows = ada.getByTestId('upcoming-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Europe/Berlin');
  await expect(rows.first()).toContainText('Deactivate: Maria Manager');

  // Sales for eight hours: granted now, its end listed.
  const grant = ada.getByTestId('grant-okta');
  await grant.getByLabel('Okta group').selectOption({ label: 'Sales' });
  await grant.getByLabel('For this many hours').fill('8');
  await grant.getByLabel('Why', { exact: true }).fill('Covering the sales desk');
  await grant.getByRole('button', { name: 'Give access' }).click();
  await expect(rows).toHaveCount(2);
  const end = rows.filter({ hasText: 'Access ends' });
  await expect(end).toContainText('Add Maria Manager to Sales for 8 hours');
  await ada.screenshot({ path: `${shots}/60-schedule-page.png`, fullPage: true });

  // Everything scheduled, filtered to access ending; then the deactivation is cancelled.
  await ada.goto('/scheduled?kind=ends');
  await expect(ada.getByTestId('upcoming-row')).toHaveCount(1);
  await expect(ada.getByTestId('upcoming-row')).toContainText('Sales');
  expect(await axeProblems(ada), 'scheduled page').toEqual([]);
  await ada.screenshot({ path: `${shots}/61-scheduled.png`, fullPage: true });
  // On a tablet the list scrolls inside its card; nothing spills sideways.
  await ada.setViewportSize({ width: 820, height: 1100 });
  await ada.goto('/scheduled');
  await expect(ada.getByTestId('upcoming-row')).toHaveCount(2);
  const spill = await ada.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(spill, '/scheduled at 820 px').toBeLessThanOrEqual(0);
  await ada.setViewportSize({ width: 1280, height: 720 });
  await ada.goto('/scheduled?action=deactivate');
  const deactivation = ada.getByTestId('upcoming-row').filter({ hasText: 'Maria Manager' });
  await deactivation.getByTestId('upcoming-cancel').click();
  await expect(ada.getByTestId('upcoming-row').filter({ hasText: 'Maria Manager' })).toHaveCount(0);
});

test('the leaver playbook: a manager asks, an admin approves, the checklist runs to done', async ({ browser }) => {
  const maria = await personAt(browser, MARIA, '/my-people');
  await maria.getByTestId('my-people').getByRole('link', { name: 'Ed Engineer' }).click();
  const person = new URL(maria.url()).pathname;
  await maria.goto(`${person}/offboard`);
  await expect(maria.getByRole('heading', { name: 'Offboard Ed Engineer' })).toBeVisible();
  expect(await axeProblems(maria), 'offboard page').toEqual([]);
  const form = maria.getByTestId('offboard-form');
  await form.getByLabel('Deactivate at').fill(utcIn(1));
  await form.getByLabel('Time zone').fill('UTC');
  await form.getByLabel('Their reports go to').fill(MARIA);
  await form.getByLabel('Why', { exact: true }).fill('Leaves the company on Friday');
  await maria.screenshot({ path: `${shots}/62-offboard-form.png`, fullPage: true });
  await expect(maria.getByTestId('offboard-needs-approval')).toBeVisible();
  await form.getByRole('button', { name: 'Ask to offboard' }).click();
  await expect(maria).toHaveURL(/\/requests\/R-\w+$/);
  const id = new URL(maria.url()).pathname.split('/').pop()!;
  await expect(maria.getByTestId('request-status')).toHaveText('Waiting for approval');

  // Ada approves; the first steps run one after another.
  const ada = await personAt(browser, ADMIN, `/requests/${id}`);
  await ada.getByTestId('approve').click();
  await expect(ada.getByTestId('toast').filter({ hasText: `Approved ${id}` })).toBeVisible();
  const progress = ada.getByTestId('checklist-progress');
  await expect(async () => {
    await ada.reload();
    const steps = ada.getByTestId('step');
    const total = await steps.count();
    expect(total).toBeGreaterThan(2);
    // Everything but the deactivation and the deletion.
    await expect(progress).toHaveText(`${total - 2} of ${total} done`, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(ada.getByTestId('restore')).toBeVisible();
  expect(await axeProblems(ada), 'checklist').toEqual([]);
  await ada.screenshot({ path: `${shots}/63-checklist-running.png`, fullPage: true });

  // The day comes, then the deletion's: the checklist reaches done.
  await control('clock', { advance_seconds: 86_400 + 120 });
  await control('clock', { advance_seconds: 31 * 86_400 });
  const later = await personAt(browser, ADMIN, `/requests/${id}`);
  await expect(async () => {
    await later.reload();
    const total = await later.getByTestId('step').count();
    await expect(later.getByTestId('checklist-progress')).toHaveText(`${total} of ${total} done`, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(later.getByTestId('restore')).toHaveCount(0);
  await later.screenshot({ path: `${shots}/64-checklist-done.png`, fullPage: true });

  // Okta and ASA agree about Ed: the drift view does not list him.
  await later.goto('/asa/drift');
  await expect(later.getByText(/out of step|Okta and ASA agree on everyone/)).toBeVisible();
  await expect(later.locator('body')).not.toContainText('Ed.Engineer');
});
