// What a newcomer does to break the page: learning rates that diverge, nonsense in the URL and the
// form, the notebook and training in any order. The page must say what happened and keep working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, open, shot } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

const progress = page => page.locator('.progress').textContent();
const untilProgress = (page, text) =>
  page.waitForFunction(t => document.querySelector('.progress')?.textContent === t, text, { timeout: 60000 });

async function step(page, n, of) {
  await page.click('.training button.step');
  await untilProgress(page, `round ${n} of ${of}`);
}

// Run all in the notebook: every cell of the seed on the notebook's own Web Workers.
async function runNotebook(page, { firstTime = true } = {}) {
  await page.click('.notebook .run-all');
  await page.waitForFunction(() => document.querySelectorAll('.notebook .cell .output').length === 89
    || document.querySelector('.notebook .output.failed'), null, { timeout: 180000 });
  await page.waitForFunction(() => !document.querySelector('.notebook .run-all')?.disabled);
  assert.deepEqual(await page.locator('.notebook .output.failed').allTextContents(), []);
  // The seed's printed stores: training's shards never show up in a cell's bob._objects. (A
  // second pass finds what the first left on bob, as re-running a notebook would.)
  if (firstTime) {
    const in19 = page.locator('.notebook .cell').filter({ has: page.locator('.prompt:text-is("In [19]")') });
    assert.equal(await in19.locator('.output').textContent(), '{}');
  }
}

for (const lr of ['1', '0.9']) {
  test(`lr=${lr} diverges: training stops with a message, the chart stays drawn, every control still works`, async () => {
    const { page, errors } = await open(browser, `${server.url}?lr=${lr}&rounds=80&pace=0`);
    await page.waitForSelector('.notebook .cell');
    await page.click('.training button.play');
    const error = page.locator('.training p.error');
    await error.waitFor({ timeout: 60000 });
    const failed = (await error.textContent()).match(/^diverged at round (\d+): the loss is .+ — try a smaller learning rate$/);
    assert.ok(failed, await error.textContent());
    // The progress line tells the same story: the rounds done, and the one that failed.
    assert.equal(await progress(page), `round ${failed[1] - 1} of 80 — stopped: round ${failed[1]} failed`);
    await page.waitForSelector('.training button.play');
    // The chart is drawn, with finite coordinates only.
    const coordinates = await page.locator('.chart polyline').evaluateAll(ls => ls.map(l => l.getAttribute('points')).join(' '));
    assert.ok(coordinates.length > 0 && !/NaN|Infinity/.test(coordinates), coordinates);
    await shot(page, `diverged-lr-${lr}`);
    // Every control still works: a smaller learning rate, then Step.
    await page.locator('input[name="lr"]').fill('0.1');
    await page.locator('input[name="lr"]').dispatchEvent('change');
    await untilProgress(page, 'round 0 of 80');
    await step(page, 1, 80);
    assert.equal(await page.locator('.training p.error').count(), 0);
    assert.deepEqual(errors, []);
  });
}

test('settings out of range or nonsense are refused with a message, in the URL and in the form', async () => {
  const { page, errors } = await open(browser, `${server.url}?lr=5&rounds=-3&mode=foo&seed=x&pace=zz&bogus=1`);
  await page.waitForSelector('.notebook .cell');
  const refused = await page.locator('.settings-error li').allTextContents();
  assert.equal(refused.length, 6, refused.join('\n'));
  assert.ok(refused.includes('lr = "5" is not allowed: a number in (0, 1]'), refused.join('\n'));
  assert.ok(refused.some(r => r.startsWith('rounds = "-3" is not allowed')));
  assert.ok(refused.some(r => r.startsWith('mode = "foo" is not allowed: sendget, untrusted, secagg or dp')));
  // The run keeps its defaults, and trains.
  assert.equal(await progress(page), 'round 0 of 20');
  assert.equal(await page.locator('input[name="lr"]').inputValue(), '0.1');
  await step(page, 1, 20);
  await shot(page, 'refused-settings');
  // The form refuses too, and leaves the run and the URL as they were.
  const url = page.url();
  await page.locator('input[name="lr"]').fill('5');
  await page.locator('input[name="lr"]').dispatchEvent('change');
  await page.waitForFunction(() => document.querySelector('.settings-error')?.textContent.includes('lr = "5"'));
  assert.equal(await progress(page), 'round 1 of 20');
  assert.equal(page.url(), url);
  assert.deepEqual(errors, []);
});

test('the notebook and training never break each other: train, run the notebook, train again', async () => {
  const { page, errors } = await open(browser, `${server.url}?rounds=8&mode=untrusted`);
  await page.waitForSelector('.notebook .cell');
  for (const n of [1, 2, 3]) await step(page, n, 8);
  await runNotebook(page);
  for (const n of [4, 5]) await step(page, n, 8);
  assert.equal(await page.locator('.training p.error').count(), 0);
  await shot(page, 'train-lessons-train');
  assert.deepEqual(errors, []);
});

test('the notebook and training never break each other: run the notebook, then train', async () => {
  const { page, errors } = await open(browser, `${server.url}?rounds=5&mode=sendget&pace=0`);
  await page.waitForSelector('.notebook .cell');
  await runNotebook(page);
  await page.click('.training button.play');
  await untilProgress(page, 'round 5 of 5');
  assert.equal(await page.locator('.training p.error').count(), 0);
  await runNotebook(page, { firstTime: false });
  assert.deepEqual(errors, []);
});
