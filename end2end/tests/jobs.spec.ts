import { test, expect } from './fixtures';
import { axeProblems, control, shots, signInAs } from './helpers';

// An admin selects 20 people on the list, previews an action for them, runs it, watches the
// progress bar reach 100% and reads the report.
test('bulk: select 20 people, preview, run, watch the bar, read the report', async ({ browser }) => {
  await control('seed', { users: 60, groups: 0 });
  // axe is injected as a script, which the portal's CSP would (rightly) block.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signInAs(page, 'ada.admin@portico.example', '/people?title=Specialist&status=ACTIVE');
  const boxes = page.locator('input[data-pick="ids"]');
  expect(await boxes.count()).toBeGreaterThanOrEqual(20);
  for (let i = 0; i < 20; i++) await boxes.nth(i).check();
  await page.getByTestId('bulk-verb').selectOption('reset_factors');
  await page.screenshot({ path: `${shots}/30-bulk-selection.png`, fullPage: true });
  expect(await axeProblems(page), 'people list with selection').toEqual([]);
  await page.getByTestId('bulk-preview').click();

  // The preview: nothing has run; every one of the 20 would.
  await expect(page).toHaveURL(/\/jobs\/J-/);
  await expect(page.getByTestId('job-status')).toHaveText('Preview');
  await expect(page.getByTestId('preview-totals')).toContainText('20 Will run');
  await expect(page.getByTestId('job-items').locator('tbody tr')).toHaveCount(20);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  expect(await axeProblems(page), 'preview').toEqual([]);
  await page.screenshot({ path: `${shots}/31-bulk-preview.png`, fullPage: true });

  // Okta answers slowly, so the bar is seen moving.
  await control('faults', { path_prefix: '/api/v1/users/', latency_ms: 150, times: 40 });
  await page.locator('button[data-op="job-start"]').click();
  // The dialog says what happens to each of them.
  await expect(page.getByRole('dialog')).toContainText("All of each person's enrolled MFA factors are removed");
  await page.getByRole('dialog').getByRole('button', { name: 'Run for 20' }).click();
  await expect(page.getByTestId('job-progress')).toBeVisible();
  await expect(page.getByTestId('job-status')).toHaveText('Running');
  await page.screenshot({ path: `${shots}/32-bulk-progress.png`, fullPage: true });
  expect(await axeProblems(page), 'progress').toEqual([]);
  // The bar reaches 100%; then the page shows the report.
  await expect(page.getByTestId('job-percent')).toHaveText('100%', { timeout: 45_000 });
  await expect(page.getByTestId('job-status')).toHaveText('Finished', { timeout: 45_000 });
  await expect(page.getByTestId('report-totals')).toContainText('20 done');
  await expect(page.getByTestId('job-items').locator('tbody tr[data-status="done"]')).toHaveCount(20);
  await expect(page.getByTestId('report-csv')).toHaveAttribute('href', /\/jobs\/J-.*\/report\.csv/);
  expect(await axeProblems(page), 'report').toEqual([]);
  await page.screenshot({ path: `${shots}/33-bulk-report.png`, fullPage: true });

  await page.goto('/jobs');
  await expect(page.getByTestId('jobs').locator('tbody tr').first()).toContainText('Reset MFA: 20 people');
  expect(await axeProblems(page), 'jobs').toEqual([]);
  await context.close();
});
