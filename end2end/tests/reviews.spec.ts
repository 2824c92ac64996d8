import { test, expect } from './fixtures';
import { axeProblems, orgEvents, personAt, shots, utcIn } from './helpers';

const ADMIN = 'ada.admin@portico.example';
const MARIA = 'maria.manager@portico.example';
const AUDITOR = 'audrey.auditor@portico.example';

test('an access review end to end: a manager reviews four people, revokes a group once, the report shows it', async ({ browser }) => {
  const ada = await personAt(browser, ADMIN, '/reviews');
  await expect(ada.getByTestId('reviews-empty')).toBeVisible();
  expect(await axeProblems(ada), 'reviews page').toEqual([]);
  await ada.getByTestId('new-review').click();
  const form = ada.getByTestId('review-form');
  await expect(form).toBeVisible();
  expect(await axeProblems(ada), 'new review page').toEqual([]);
  await form.getByLabel('Name').fill('Engineering Q1');
  await form.getByLabel('People of these managers').check();
  await form.getByLabel('Maria Manager').check();
  await form.getByLabel('Due').fill(utcIn(14));
  await form.getByLabel('Time zone').fill('UTC');
  await ada.screenshot({ path: `${shots}/70-new-review.png`, fullPage: true });
  await form.getByRole('button', { name: 'Start the review' }).click();
  await expect(ada.getByRole('heading', { name: 'Engineering Q1' })).toBeVisible();
  const id = new URL(ada.url()).pathname.split('/').pop();

  // Maria sees her four people, each access with its context, and a count in the navigation.
  const maria = await personAt(browser, MARIA, '/');
  await expect(maria.getByTestId('review-count')).toBeVisible();
  await maria.getByRole('link', { name: /^Reviews/ }).click();
  await maria.getByRole('link', { name: 'Engineering Q1' }).click();
  const people = maria.getByTestId('review-person');
  await expect(people).toHaveCount(4);
  const ed = people.filter({ hasText: 'Ed Engineer' });
  await expect(ed.getByTestId('review-item').filter({ hasText: 'GitHub Enterprise' })).toContainText('via group Engineering');
  await expect(people.filter({ hasText: 'Erin Engineer' }).getByTestId('inactive')).toBeVisible();
  // Peers: how many of Ed's department have it (earlier browser tests add people; exact counts are
  // the server tests').
  await expect(ed.getByTestId('review-item').filter({ hasText: 'AWS Console' })).toContainText(/\d+ of \d+ in Engineering/);
  expect(await axeProblems(maria), 'review page').toEqual([]);
  await maria.screenshot({ path: `${shots}/71-review.png`, fullPage: true });
  await maria.emulateMedia({ colorScheme: 'dark' });
  expect(await axeProblems(maria), 'review page, dark').toEqual([]);
  await maria.emulateMedia({ colorScheme: 'light' });

  // Revoke Ed's Engineering membership with a comment; keep everything else in bulk.
  const eng = ed.getByTestId('review-item').filter({ hasText: /Okta group\s*Engineering/ });
  await eng.getByRole('textbox').fill('Moved to the data team');
  await eng.getByTestId('revoke').click();
  await expect(ed.getByTestId('review-item').filter({ hasText: /Okta group\s*Engineering/ }).getByTestId('verdict')).toHaveText('Revoked');
  await expect(ed.getByTestId('revocation')).toContainText('Waiting for approval');
  for (const box of await maria.getByRole('checkbox').all()) await box.check();
  await maria.getByRole('button', { name: 'Keep ticked' }).click();
  await expect(maria.getByTestId('review-progress')).toContainText(/(\d+) of \1 decided/);
  await expect(maria.getByTestId('review-count')).toHaveCount(0);

  // Ada approves the revocation; it runs once.
  await ada.goto('/inbox');
  const card = ada.getByTestId('request').filter({ hasText: 'Remove Ed Engineer from Engineering' });
  await expect(card).toContainText('Access review');
  await card.getByTestId('decision-comment').fill('Agreed');
  await card.getByTestId('approve').click();
  await expect(ada.getByTestId('toast').filter({ hasText: /Approved R-\w+/ })).toBeVisible();
  await expect.poll(() => orgEvents('group.user_membership.remove', 'ed.engineer@portico.example')).toBe(1);

  // The auditor reads the evidence (the revoke, who decided, the outcome) but decides nothing.
  const audrey = await personAt(browser, AUDITOR, `/reviews/${id}`);
  await expect(audrey.getByTestId('review-person')).toHaveCount(4);
  await expect(audrey.getByTestId('revoke')).toHaveCount(0);
  // The filter narrows the page to what was revoked.
  const filter = audrey.getByTestId('item-filter');
  await filter.getByLabel('Show').selectOption('revoked');
  await filter.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(audrey.getByTestId('review-item')).toHaveCount(1);
  await expect(audrey.getByTestId('review-item')).toContainText('Engineering');
  await expect(audrey.getByTestId('shown-count')).toContainText(/Showing 1 of \d+ items/);
  expect(await axeProblems(audrey), 'filtered review page').toEqual([]);
  await audrey.screenshot({ path: `${shots}/73-review-filtered.png`, fullPage: true });
  await audrey.goto(`/reviews/${id}/report`);
  const row = audrey.getByTestId('report-row').filter({ hasText: 'Ed Engineer' }).filter({ hasText: 'Okta group: Engineering' });
  await expect(row).toContainText('Revoked');
  await expect(row).toContainText('Moved to the data team');
  await expect(row).toContainText('Maria Manager');
  await expect(row).toContainText('Done');
  expect(await axeProblems(audrey), 'report page').toEqual([]);
  await audrey.screenshot({ path: `${shots}/72-review-report.png`, fullPage: true });
  const csv = await audrey.request.get(`/reviews/${id}/report.csv`);
  expect(csv.status()).toBe(200);
  expect(await csv.text()).toContain('"Moved to the data team"');

  // Ada closes it; the page says so and offers no decisions.
  await ada.goto(`/reviews/${id}`);
  await ada.getByTestId('close-review').click();
  await expect(ada.getByTestId('review-state')).toHaveText('Closed');
  expect(await orgEvents('group.user_membership.remove', 'ed.engineer@portico.example')).toBe(1);
});
