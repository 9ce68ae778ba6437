// The page end to end, on real Web Workers in headless Chromium: the notebook's panels after the
// key cells, the Rust beside a cell, training in both modes, no console errors; screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, servePrecompressed, serveCatchAll, launch, open, shot } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

// The notebook's workers, beside its cells (the training has workers of its own, in its own panel).
const side = '.notebook-side';
const objects = (page, worker, kind) => page.locator(`${side} .worker[data-worker="${worker}"] .object${kind ? '.' + kind : ''}`);
const cell = (page, number) => page.locator('.notebook .cell').filter({ has: page.locator(`.prompt:text-is("In [${number}]")`) });

// Runs the seed's cells `numbers` in order with their Run buttons; returns the last one's output.
async function runCells(page, numbers) {
  let output = null;
  for (const number of numbers) {
    const at = cell(page, number);
    await at.locator('button.run').click();
    await at.locator('.output').waitFor({ timeout: 20000 });
    await page.waitForFunction(() => !document.querySelector('.notebook .run-all')?.disabled);
    output = await at.locator('.output').textContent();
    assert.ok(!(await at.locator('.output.failed').count()), `In[${number}] failed: ${output}`);
  }
  // The panels are redrawn from a snapshot taken once everything under way has landed.
  await page.waitForTimeout(300);
  return output;
}

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('the notebook\'s cells run on Web Workers and the panels beside them show the stores, chains and messages', async () => {
  const { page, errors } = await open(browser, server.url);
  await page.waitForSelector('.notebook .cell');
  // Workers appear when a cell creates them: before In[3] only me.
  assert.equal(await page.locator(`${side} .worker[data-worker="bob"]`).count(), 0);
  assert.equal(await runCells(page, [1, 2, 3]), '✓');
  assert.equal(await page.locator(`${side} .worker[data-worker="me"] .badge`).textContent(), 'main thread');
  assert.equal(await page.locator(`${side} .worker[data-worker="bob"] .badge`).textContent(), 'Web Worker');

  // Basic remote execution: after x.send(bob) and y.send(bob), bob holds both tensors.
  await runCells(page, [4, 5]);
  assert.equal(await objects(page, 'bob', 'tensor').count(), 2);
  assert.equal(await objects(page, 'me', 'pointer').count(), 2);
  assert.equal(await page.locator(`${side} .graph .arrow`).count(), 2);
  await shot(page, 'basic-after-send');
  // x_ptr.get() and y_ptr.get() bring both back: bob's store is empty again.
  assert.equal(await runCells(page, range(6, 19)), '{}');
  assert.equal(await objects(page, 'bob').count(), 0);

  // Pointer chains: a chain send leaves alice holding a pointer to bob; move moves the data.
  await runCells(page, [20, 59, 84, 85]);
  assert.equal(await objects(page, 'bob', 'tensor').count(), 1);
  assert.equal(await objects(page, 'alice', 'pointer').count(), 1);
  assert.match(await objects(page, 'alice', 'pointer').first().textContent(), /-> bob:\d+/);
  assert.ok(await page.locator(`${side} .graph .arrow[data-from^="alice:"][data-to^="bob:"]`).count() >= 1);
  // Arrows pass under the boxes (in SVG what comes later is drawn on top), so an arrow crossing
  // another worker's column never hides an id.
  assert.ok(await page.locator(`${side} .graph`).evaluate(g => {
    const arrows = g.querySelectorAll('.arrow'), nodes = g.querySelectorAll('.node');
    return arrows.length > 0 && nodes.length > 0
      && (arrows[arrows.length - 1].compareDocumentPosition(nodes[0]) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
  }));
  await cell(page, 85).scrollIntoViewIfNeeded();
  await shot(page, 'chain-alice-points-at-bob');

  assert.equal(await runCells(page, range(86, 93)), 'tensor([1, 2, 3, 4, 5])');
  await runCells(page, [94]);
  assert.equal(await objects(page, 'bob', 'tensor').count(), 1);
  assert.equal(await objects(page, 'alice').count(), 0);
  await runCells(page, [98]);
  assert.equal(await objects(page, 'bob').count(), 0);
  assert.equal(await objects(page, 'alice', 'tensor').count(), 1);
  // The move went bob -> alice directly, and the timeline says so.
  assert.ok(await page.locator(`${side} .message.direct`).filter({ hasText: 'bob → alice' }).count() >= 1);
  await shot(page, 'after-move-to-alice');

  // Restart: a new kernel, every worker gone, every output cleared.
  await page.click('.notebook .restart');
  await page.waitForFunction(() => document.querySelectorAll('.notebook-side .worker[data-worker="bob"]').length === 0);
  assert.equal(await page.locator('.notebook .cell .output').count(), 0);
  assert.deepEqual(errors, []);
});

test('the Rust that does the same is one click away under each cell, from the lesson examples', async () => {
  const { page, errors } = await open(browser, server.url);
  await page.waitForSelector('.notebook .cell');
  const rust = cell(page, 44).locator('details.rust');
  assert.equal(await rust.locator('pre').isVisible(), false);
  await rust.locator('summary').click();
  const code = await rust.locator('pre').textContent();
  assert.match(code, /let pred = input\.mm\(&weights\)\?;/);
  assert.match(code, /loss\.backward\(\)\.await\?;/);
  assert.match(await rust.locator('.note').textContent(), /cargo run --example learn_a_simple_linear_model/);
  // The seed's cells that do something each have their Rust; scratch cells have none.
  assert.ok(await page.locator('.notebook .cell details.rust').count() >= 80);
  await rust.scrollIntoViewIfNeeded();
  await shot(page, 'notebook-rust');
  assert.deepEqual(errors, []);
});

async function train(page, mode, rounds) {
  await page.goto(`${server.url}?seed=3&lr=0.1&rounds=${rounds}&mode=${mode}`);
  await page.waitForSelector('.notebook .cell');
  assert.equal(await page.locator('#mode').inputValue(), mode);
  await page.click('.training button.play');
  await page.waitForFunction(n => document.querySelector('.progress')?.textContent === `round ${n} of ${n}`, rounds, { timeout: 60000 });
  const totals = await page.locator('.chart .series[data-series="total"] circle').evaluateAll(cs => cs.map(c => Number(c.dataset.loss)));
  assert.equal(totals.length, rounds, 'one chart point per round');
  for (const worker of ['bob', 'alice']) {
    assert.equal(await page.locator(`.chart .series[data-series="${worker}"] circle`).count(), rounds);
  }
  assert.ok(totals[rounds - 1] < totals[0] / 10, `loss falls: ${totals}`);
  for (let i = 1; i < rounds; i++) assert.ok(totals[i] < totals[i - 1] * 1.05, `loss keeps falling: ${totals}`);
  return page.locator('.received li').allTextContents();
}

test('training in both modes draws one point per round and a falling loss; the server sees what the mode says', async () => {
  const { page, errors } = await open(browser, server.url);
  const plain = await train(page, 'sendget', 12);
  const names = list => list.map(text => text.replace(/ \[.*\]$/, ''));
  assert.deepEqual(names(plain), ['bob: weight', 'bob: weight.grad', 'bob: bias', 'bob: bias.grad', 'bob: loss',
    'alice: weight', 'alice: weight.grad', 'alice: bias', 'alice: bias.grad', 'alice: loss']);
  // The seed's warning, carried out: from what it received, the server restores both workers' rows.
  for (const worker of ['bob', 'alice']) {
    const error = Number(await page.locator(`.attack-table tr[data-worker="${worker}"]`).getAttribute('data-error'));
    assert.ok(error < 0.01, `${worker}'s rows restored within 0.01 (${error})`);
  }
  await page.locator('.attack').screenshot({ path: 'tests/e2e/screenshots/attack-sendget.png' });
  await shot(page, 'training-sendget');
  const secure = await train(page, 'untrusted', 12);
  assert.deepEqual(names(secure), ['bob: loss', 'alice: loss', 'secure_worker: average weight', 'secure_worker: average bias']);
  assert.ok(await page.locator('.training-stores .worker[data-worker="secure_worker"]').count() === 1);
  assert.equal(await page.locator('.attack-none').count(), 1, 'nothing of one worker to invert');
  await shot(page, 'training-untrusted');
  assert.deepEqual(errors, []);
});

test('training steps one round at a time, and reset starts over with the settings from the URL', async () => {
  const { page, errors } = await open(browser, `${server.url}?seed=5&lr=0.05&rounds=7&mode=untrusted`);
  await page.waitForSelector('.notebook .cell');
  assert.equal(await page.locator('.controls input').nth(1).inputValue(), '0.05');
  for (const n of [1, 2]) {
    await page.click('.training button.step');
    await page.waitForFunction(k => document.querySelector('.progress')?.textContent === `round ${k} of 7`, n);
  }
  assert.equal(await page.locator('.chart .series[data-series="total"] circle').count(), 2);
  assert.match(await page.locator('.weights').textContent(), /^weight = \[-?\d\.\d{4}, -?\d\.\d{4}\], bias = -?\d\.\d{4}$/);
  await page.click('.training button.reset');
  await page.waitForFunction(() => document.querySelector('.progress')?.textContent === 'round 0 of 7');
  assert.equal(await page.locator('.chart circle').count(), 0);
  // Changing a setting rewrites the URL so the run can be shared.
  await page.locator('.controls input').first().fill('9');
  await page.locator('.controls input').first().dispatchEvent('change');
  await page.waitForFunction(() => location.search.includes('rounds=9'));
  assert.match(page.url(), /seed=5&lr=0.05&rounds=9&mode=untrusted/);
  assert.deepEqual(errors, []);
});

test('a setting changed while a round is in flight resets the run: the round in flight cannot bring the old run back', async () => {
  const { page, errors } = await open(browser, `${server.url}?lr=0.1&rounds=500&mode=sendget&pace=0`);
  await page.waitForSelector('.notebook .cell');
  for (const mode of ['untrusted', 'sendget', 'untrusted']) {
    await page.click('.training button.play');
    // pace 0: rounds run back to back, so the change lands while one is in flight.
    await page.waitForFunction(() => Number(document.querySelector('.progress')?.textContent.match(/^round (\d+)/)?.[1]) >= 3);
    await page.locator('#mode').selectOption(mode);
    // Whether the change landed mid-round or between rounds, no round of the old run lands after it.
    for (let i = 0; i < 10; i++) {
      assert.equal(await page.locator('.progress').textContent(), 'round 0 of 500', `switched to ${mode}`);
      await page.waitForTimeout(30);
    }
    assert.equal(await page.locator('.chart .series[data-series="total"] circle').count(), 0);
  }
  // The next round runs in the mode chosen last: the server received only averages.
  await page.click('.training button.step');
  await page.waitForFunction(() => document.querySelector('.progress')?.textContent === 'round 1 of 500');
  const names = await page.locator('.received li').evaluateAll(items => items.map(i => i.dataset.name));
  assert.ok(names.includes('average weight') && !names.includes('weight.grad'), names.join(', '));
  assert.deepEqual(errors, []);
});

test('works on a narrow screen and from the keyboard', async () => {
  const { page, errors, warnings } = await open(browser, server.url, { width: 390, height: 844 });
  await page.waitForSelector('.notebook .cell');
  // Tab to the first Run button and press Enter.
  await cell(page, 1).locator('button.run').focus();
  await page.keyboard.press('Enter');
  await cell(page, 1).locator('.output').waitFor();
  assert.equal(await cell(page, 1).locator('.output').textContent(), 'tensor(2)');
  // Long outputs wrap instead of widening the page: an error's traceback, the Rust beside it.
  await runCells(page, [2, 3]);
  await cell(page, 46).locator('textarea.code').fill('z = y + x_undefined_name_that_is_long_enough_to_wrap_on_a_phone_screen');
  await cell(page, 46).locator('button.run').click();
  await cell(page, 46).locator('.output.failed').waitFor();
  await cell(page, 44).locator('details.rust summary').click();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no horizontal scrolling (${overflow}px)`);
  await shot(page, 'narrow');
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings.filter(w => w.includes('deprecated')), []);
});

// The performance issue's target is the workers' panels drawn within 0.3 s on localhost. The
// diagnostic prints what was measured; the bound catches a regression on a loaded machine.
test('the page is interactive soon after it loads: the workers\' panels are drawn', async (t) => {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.querySelector('.notebook-side .worker[data-worker="me"] header')) {
        window.drawnAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(server.url);
  await page.waitForFunction(() => window.drawnAt);
  const drawnAt = await page.evaluate(() => window.drawnAt);
  t.diagnostic(`workers' panels drawn ${Math.round(drawnAt)} ms after navigation`);
  assert.ok(drawnAt < 2000, `${drawnAt} ms`);
  await page.close();
});

// index.html's `minisyftFetch`: the wasm files are 2.5-3× their gzip files and the app's script
// 5×, and a host that compresses nothing would send them whole (3.4 s instead of 6.3 s to the
// first cell on a throttled phone: docs/performance.md).
const wasmFetched = page => page.evaluate(() => performance.getEntriesByType('resource')
  .map(r => new URL(r.name).pathname.slice(1)).filter(name => /(_bg\.wasm|^app-[0-9a-f]+\.js)(\.gz)?$/.test(name))
  .map(name => name.replace(/^app-[0-9a-f]+/, 'app')).sort());

async function loadEveryWasm(url) {
  const { page, errors } = await open(browser, url);
  // In[5] sends x to bob: his worker's wasm has come and started.
  await runCells(page, [1, 2, 3, 4, 5]);
  await page.locator('#training-host .panel-loading').waitFor({ state: 'detached', timeout: 30000 });
  return { page, errors };
}

test('from a host that compresses nothing, every wasm and the app\'s script come as their gzip files and the page inflates them', async () => {
  // python's http.server, as `serve()` runs it: no Content-Encoding.
  const { page, errors } = await loadEveryWasm(server.url);
  const fetched = await wasmFetched(page);
  for (const bin of ['app', 'worker', 'panels']) assert.ok(fetched.includes(`${bin}_bg.wasm.gz`), `${bin}: ${fetched}`);
  assert.ok(fetched.includes('app.js.gz'), `${fetched}`);
  // The page had come whole, uncompressed, before the worker's wasm was asked for: its `.gz` at once.
  assert.ok(!fetched.includes('worker_bg.wasm'), `${fetched}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('from a host that compresses, every wasm comes as the host sends it: no gzip file fetched besides', async () => {
  const brotli = await servePrecompressed('br');
  try {
    const { page, errors } = await loadEveryWasm(brotli.url);
    const fetched = await wasmFetched(page);
    assert.deepEqual(fetched.filter(name => name.endsWith('.gz')), []);
    for (const bin of ['app', 'worker', 'panels']) assert.ok(fetched.includes(`${bin}_bg.wasm`), `${bin}: ${fetched}`);
    assert.ok(fetched.includes('app.js'), `${fetched}`);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    brotli.stop();
  }
});

test('from a host that answers a missing .gz with its index page, every wasm comes plain and the page works', async () => {
  const catchAll = await serveCatchAll();
  try {
    const { page, errors } = await loadEveryWasm(catchAll.url);
    const fetched = await wasmFetched(page);
    for (const bin of ['app', 'worker', 'panels']) assert.ok(fetched.includes(`${bin}_bg.wasm`), `${bin}: ${fetched}`);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    catchAll.stop();
  }
});

test("when the notebook's script cannot be fetched, the page says so where the notebook would be", async () => {
  const page = await browser.newPage();
  // Neither the script nor its gzip file: a host that lost them.
  await page.route(/\/app-[0-9a-f]+\.js(\.gz)?$/, route => route.fulfill({ status: 404, body: 'gone' }));
  await page.goto(server.url);
  const loading = page.locator('#notebook-host .panel-loading.failed');
  await loading.waitFor({ timeout: 15000 });
  assert.match(await loading.textContent(), /^The notebook could not load \(Error: app-[0-9a-f]+\.js: 404 .*\)\. Reload the page to try again\.$/);
  await page.close();
});

test("the interpreter is run and the workers' wasm fetched once the notebook is drawn, and neither leaves a trace", async () => {
  const { page, errors } = await open(browser, server.url);
  await page.waitForSelector('.notebook .cell textarea.code');
  // After the seed's In [1] ran in a notebook of its own (300 ms), the workers' wasm (1 s).
  await page.waitForFunction(() => performance.getEntriesByType('resource')
    .some(r => /\/worker_bg\.wasm(\.gz)?$/.test(r.name) && r.responseEnd > 0), null, { timeout: 10000 });
  // No cell has run: the notebook's side still shows `me` alone, no cell has an output, and the
  // kernel has none of In [1]'s names.
  assert.deepEqual(await page.locator('.notebook-side .worker').evaluateAll(ws => ws.map(w => w.dataset.worker)), ['me']);
  assert.equal(await page.locator('.notebook .cell .output').count(), 0);
  await page.click('.notebook .add-cell');
  const mine = page.locator('.notebook .cell.scratch').last();
  await mine.locator('textarea.code').fill('y');
  await mine.locator('textarea.code').press('Shift+Enter');
  await mine.locator('.output.failed').waitFor({ timeout: 20000 });
  assert.match(await mine.locator('.output').textContent(), /NameError: name 'y' is not defined/);
  assert.deepEqual(errors, []);
  await page.close();
});
