import { test as base, expect } from '@playwright/test';
import { crashes } from './helpers';

/** Playwright's `test`, failing any test during which a signed-in page hit a WASM panic or a
 *  hydration error (they leave the page looking right but dead to clicks). */
export const test = base.extend<{ noCrashes: void }>({
  noCrashes: [
    async ({}, use) => {
      crashes.length = 0;
      await use();
      expect(crashes, 'WASM panics or hydration errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
