import { expect, Page } from '@playwright/test';

export const PASSWORD = 'Portico-Demo-1';
export const shots = `${__dirname}/../test-results/screens`;

/** Opens `to`, signs in on the embedded org's page, and waits for the WASM to take over. */
export async function signInAs(page: Page, login: string, to = '/') {
  await page.goto(to);
  await page.getByLabel('Username').fill(login);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}
