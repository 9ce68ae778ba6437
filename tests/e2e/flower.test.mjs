// The Flower panel without a SuperLink (tests/flower/ has the real federation): its settings from
// the address, refused ones said, client-side DP described, and a page whose server does not pass
// /v1/fleet/ on (python's http.server here) told so with what to do, without retrying forever.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, open } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

test('the Flower panel reads its settings from the address and refuses what it cannot use', async () => {
  const { page, errors } = await open(browser, `${server.url}?fl_clients=4&fl_client=9&fl_dp=on&fl_clip=0.5&fl_z=0.2&fl_address=ftp://x`);
  const panel = page.locator('.flower');
  await panel.waitFor();
  assert.equal(await page.locator('input[name="fl_clients"]').inputValue(), '4');
  assert.equal(await page.locator('input[name="fl_client"]').inputValue(), '0');
  const refused = await panel.locator('.settings-error li').allInnerTexts();
  assert.equal(refused.length, 2, JSON.stringify(refused));
  assert.match(refused.join('\n'), /fl_client = "9" is not allowed/);
  assert.match(refused.join('\n'), /fl_address = "ftp:\/\/x" is not allowed/);
  assert.match(await panel.locator('.note').innerText(), /client 0 of 4.*clipped to norm 0\.5 and noised with σ = 0\.2·0\.5/s);
  assert.equal(await panel.getAttribute('data-status'), 'idle');
  assert.deepEqual(errors, []);
});

test('a page whose server does not pass the Fleet API on says so and stops', async () => {
  const { page } = await open(browser, `${server.url}?fl_client=1&fl_clients=2`);
  const panel = page.locator('.flower');
  await panel.locator('button.connect').click();
  await page.waitForFunction(() => document.querySelector('.flower')?.dataset.status === 'failed', null, { timeout: 30000 });
  const problem = await panel.locator('.fl-problem').innerText();
  assert.match(problem, /register-node: HTTP 501/);
  assert.match(problem, /pass \/v1\/fleet\/ on to the SuperLink/);
  // The server's error page is named by its title, not poured out; commands are set as code.
  assert.doesNotMatch(problem, /<!DOCTYPE|<html|`/i, problem);
  assert.match(problem, /HTTP 501 from .*: Error response/);
  assert.ok(await panel.locator('.fl-problem .advice code').count() > 0, 'the advice sets its commands as code');
  await panel.screenshot({ path: 'tests/e2e/screenshots/flower-no-fleet-api.png' });
  // Stopped by itself: Connect is offered again.
  assert.equal(await panel.locator('button.connect').count(), 1);
});

test('Connect pressed again and again, and after a playground run, throws nothing on the page', async () => {
  const { page, errors } = await open(browser, `${server.url}?fl_client=1&fl_clients=2&pg_clients=4&pg_rounds=1&pg_pace=0`);
  const panel = page.locator('.flower');
  await page.waitForSelector('.playground');
  await page.click('.playground button.play');
  await page.waitForFunction(() => document.querySelector('.pg-progress')?.textContent === 'round 1 of 1', null, { timeout: 60000 });
  for (let i = 0; i < 8; i++) {
    await panel.locator('button.connect').click();
    await page.waitForFunction(() => document.querySelector('.flower')?.dataset.status === 'failed', null, { timeout: 30000 });
  }
  // Late events of the node's worker (it is dropped as soon as the session stops).
  await page.waitForTimeout(500);
  const thrown = errors.filter(e => !/501|Failed to load resource/.test(e));
  assert.deepEqual(thrown, [], 'no closure dropped while still registered, nothing uncaught');
});
