// The privacy modes on the page: what the server received in each, the attack's verdict, the
// privacy spent under differential privacy, and the curves of earlier runs kept for comparison.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, open, shot } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

// Plays the run to its end; a run that stops with a message fails here with that message.
async function play(page, rounds) {
  await page.click('.training button.play');
  await page.waitForFunction(n => document.querySelector('.progress')?.textContent === `round ${n} of ${n}`
    || document.querySelector('.training p.error'), rounds, { timeout: 60000 });
  assert.deepEqual(await page.locator('.training p.error').allTextContents(), [],
    `the run stopped at ${await page.locator('.progress').textContent()}`);
}

const received = page => page.locator('.received li').evaluateAll(items => items.map(i => `${i.dataset.from}: ${i.dataset.name}`));

test('secure aggregation: the server receives only random-looking shares of the sum, and nothing to invert', async () => {
  const { page, errors } = await open(browser, `${server.url}?mode=secagg&rounds=6&pace=0`);
  await page.waitForSelector('.notebook .cell');
  await play(page, 6);
  const shares = p => ['bob', 'alice', 'secure_worker'].map(w => `${w}: share of the summed ${p}`);
  assert.deepEqual(await received(page), [...shares('weight'), ...shares('bias')]);
  // A share is shown as the 64-bit integer it is, not rounded to a float.
  const texts = await page.locator('.received li').allTextContents();
  assert.ok(texts.every(t => /\[-?\d+(, -?\d+)*\]$/.test(t)), texts.join('\n'));
  assert.equal(await page.locator('.attack-none').count(), 1);
  const totals = await page.locator('.chart .series[data-series="total"] circle').evaluateAll(cs => cs.map(c => Number(c.dataset.loss)));
  assert.ok(totals[5] < totals[0], `the loss falls: ${totals}`);
  await shot(page, 'training-secagg');
  assert.deepEqual(errors, []);
});

test('differential privacy: a noisy average only, and the privacy spent after each round', async () => {
  const { page, errors } = await open(browser, `${server.url}?mode=dp&z=2&clip=1&rounds=10&pace=0`);
  await page.waitForSelector('.notebook .cell');
  assert.equal(await page.locator('input[name="z"]').inputValue(), '2');
  await play(page, 10);
  assert.deepEqual(await received(page), ['secure_worker: noisy average update of weight', 'secure_worker: noisy average update of bias']);
  // z = 2 and 10 rounds: ε = 8.08 for δ = 1e-5 with Balle et al.'s conversion.
  assert.match(await page.locator('.epsilon').textContent(), /^privacy spent: ε = 8\.08 for δ = 10⁻⁵ after 10 rounds/);
  // What the noise costs, in the run's own settings.
  assert.match(await page.locator('.dp-tradeoff').textContent(), /standard deviation z·S = 2 to each of the model's 3 numbers.*at most 2·S = 2 together/);
  assert.doesNotMatch(await page.locator('.training .series-note').textContent(), /bob|alice/);
  await shot(page, 'training-dp');
  assert.deepEqual(errors, []);
});

test('earlier runs stay on the chart, so the cost of privacy shows', async () => {
  const { page, errors } = await open(browser, `${server.url}?mode=untrusted&rounds=8&pace=0`);
  await page.waitForSelector('.notebook .cell');
  await play(page, 8);
  await page.selectOption('#mode', 'dp');
  await page.waitForFunction(() => document.querySelector('.progress')?.textContent === 'round 0 of 8');
  assert.equal(await page.locator('.training .chart .series-ghost').count(), 1);
  assert.equal(await page.locator('.training .chart .series-ghost').getAttribute('data-series'), 'untrusted, lr 0.1');
  await play(page, 8);
  // Each earlier run has a line of its own pattern, sampled in the legend; dp sends no worker's
  // loss, so its legend has no bob or alice.
  const legend = await page.locator('.training .legend').innerText();
  assert.match(legend, /earlier run: untrusted, lr 0\.1/);
  assert.doesNotMatch(legend, /bob|alice/, legend);
  assert.equal(await page.locator('.training .legend .ghost-sample line').getAttribute('stroke-dasharray'),
    await page.locator('.training .chart .series-ghost polyline').getAttribute('stroke-dasharray'));
  await shot(page, 'modes-compared');
  assert.deepEqual(errors, []);
});

// A scratch cell at the end of the notebook, with `code`, run; its output element.
async function scratch(page, code) {
  await page.click('.notebook .add-cell');
  const mine = page.locator('.notebook .cell.scratch').last();
  await mine.locator('textarea.code').fill(code);
  await mine.locator('button.run').click();
  await mine.locator('.output').waitFor({ timeout: 20000 });
  await page.waitForFunction(() => !document.querySelector('.notebook .run-all')?.disabled);
  assert.equal(await mine.locator('.output.failed').count(), 0, await mine.locator('.output').textContent());
  return mine.locator('.output');
}

test("PySyft's next lesson in the notebook: a shared value is one object spread over its holders, and bob's share is not x", async () => {
  const { page, errors } = await open(browser, server.url);
  await page.waitForSelector('.notebook .cell');
  await scratch(page, "import torch as th\nimport syft as sy\nhook = sy.TorchHook(th)\n"
    + "bob = sy.VirtualWorker(hook, id='bob')\nalice = sy.VirtualWorker(hook, id='alice')\n"
    + "secure_worker = sy.VirtualWorker(hook, id='secure_worker')\nbob.add_worker(alice)");
  const bobs = await scratch(page, 'x = th.tensor([1,2,3,4,5]).share(bob, alice, secure_worker)\nbob._objects');
  assert.doesNotMatch(await bobs.textContent(), /tensor\(\[1, 2, 3, 4, 5\]\)/);
  await page.waitForFunction(() => document.querySelector('.notebook-side .graph .shared-value')?.dataset.shares === '3');
  assert.equal(await page.locator('.notebook-side .worker[data-worker="secure_worker"] .object.tensor').count(), 1);
  await page.locator('.panel[aria-label="notebook pointer chains"]').screenshot({ path: 'tests/e2e/screenshots/shared-value-graph.png' });
  assert.equal(await (await scratch(page, 'y = x + x\ny.get()')).textContent(), 'tensor([ 2,  4,  6,  8, 10])');
  const product = await scratch(page,
    'x = th.tensor([0.1, 0.2, 0.3]).fix_prec().share(bob, alice, crypto_provider=secure_worker)\n(x * x).get().float_prec()');
  assert.equal(await product.textContent(), 'tensor([0.0100, 0.0400, 0.0900])');
  await page.waitForSelector('.notebook-side .graph .shared-value[data-shares="2"]');
  await shot(page, 'notebook-secret-sharing');
  assert.deepEqual(errors, []);
});

test("on a phone the attacker's table is a card per worker, and nothing in it spills past the screen", async () => {
  const { page, errors } = await open(browser, `${server.url}?mode=sendget&rounds=6&pace=0`, { width: 390, height: 844 });
  await page.waitForSelector('.notebook .cell');
  await play(page, 6);
  const spilling = await page.locator('.attack *').evaluateAll(es => es.filter(e => e.getBoundingClientRect().right > innerWidth + 1).length);
  assert.equal(spilling, 0);
  assert.equal(await page.locator('.attack-table thead').isVisible(), false);
  assert.equal(await page.locator('.attack-table tr[data-worker="bob"] td[data-label="largest error"]').evaluate(td => getComputedStyle(td, '::before').content), '"largest error"');
  await page.locator('.attack').screenshot({ path: 'tests/e2e/screenshots/attack-phone.png' });
  assert.deepEqual(errors, []);
});
