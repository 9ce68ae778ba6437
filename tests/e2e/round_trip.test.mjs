// The first vertical slice: a tensor goes to bob's Web Worker and comes back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, open, shot } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

test('a tensor sent to bob is stored in his Web Worker, then fetched back and removed', async () => {
  const { page, errors } = await open(browser, server.url);
  await page.waitForSelector('#bob-after', { timeout: 20000 });
  const stored = await page.locator('#bob-store .object').allTextContents();
  assert.equal(stored.length, 1);
  assert.match(stored[0], /^\d+: tensor\(\[1\., 2\., 3\., 4\., 5\.\]\)$/);
  assert.equal(await page.locator('#fetched pre').textContent(), 'tensor([1., 2., 3., 4., 5.])');
  assert.equal(await page.locator('#bob-after .count').textContent(), '0 objects');
  await shot(page, 'round-trip');
  assert.deepEqual(errors, []);
});
