// The page end to end, on real Web Workers in headless Chromium: every lesson step, the panels
// after the key steps, training in both modes, no console errors; screenshots of each state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, open, shot } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

// The lessons' workers (the training has workers of its own, in its own panel).
const objects = (page, worker, kind) => page.locator(`.side .worker[data-worker="${worker}"] .object${kind ? '.' + kind : ''}`);

async function runStep(page, lesson, cell) {
  await page.click(`.lesson-tab[data-lesson="${lesson}"]`);
  const step = page.locator(`.lesson[data-lesson="${lesson}"] .step[data-cell="${cell}"]`);
  await step.locator('button.run').click();
  await step.locator('.output').waitFor({ timeout: 20000 });
  await page.waitForFunction(() => !document.querySelector('.run-lesson')?.disabled);
  const output = await step.locator('.output').textContent();
  assert.ok(!(await step.locator('.output.failed').count()), `${lesson} ${cell} failed: ${output}`);
  return output;
}

async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('.run-lesson')?.disabled);
  await page.waitForTimeout(300);
}

test('every lesson runs on the Web Workers and the panels show the stores, chains and messages', async () => {
  const { page, errors } = await open(browser, server.url);
  await page.waitForSelector('.lesson-area .worker[data-worker="bob"]');
  assert.equal(await page.locator('.lesson-area .worker[data-worker="me"] .badge').textContent(), 'main thread');
  assert.equal(await page.locator('.lesson-area .worker[data-worker="bob"] .badge').textContent(), 'Web Worker');

  // Basic remote execution: after x.send(bob) and y.send(bob), bob holds both tensors.
  assert.equal(await runStep(page, 'basic_remote_execution', 'In[1]'), 'tensor(2)');
  await runStep(page, 'basic_remote_execution', 'In[3]');
  await runStep(page, 'basic_remote_execution', 'In[4]–In[5]');
  await settled(page);
  assert.equal(await objects(page, 'bob', 'tensor').count(), 2);
  assert.equal(await objects(page, 'me', 'pointer').count(), 2);
  assert.equal(await page.locator('.lesson-area .graph .arrow').count(), 2);
  await shot(page, 'basic-after-send');

  // The rest of every lesson, in order, with "Run every step".
  const lessons = await page.locator('.lesson-tab').evaluateAll(tabs => tabs.map(t => t.dataset.lesson));
  assert.equal(lessons.length, 10);
  for (const lesson of lessons) {
    await page.click(`.lesson-tab[data-lesson="${lesson}"]`);
    await page.click('.run-lesson');
    await settled(page);
    const steps = await page.locator('.lesson .step').count();
    await page.waitForFunction(n => document.querySelectorAll('.lesson .step .output').length === n, steps, { timeout: 60000 });
    assert.equal(await page.locator('.lesson .step .output.failed').count(), 0, `a step of ${lesson} failed`);
    if (lesson === 'basic_remote_execution') {
      // x_ptr.get() and y_ptr.get() brought both back: bob's store is empty again.
      assert.equal(await objects(page, 'bob').count(), 0);
      assert.equal(await page.locator('.step[data-cell="In[19]"] .output').textContent(), '{}');
    }
    if (lesson === 'learn_a_simple_linear_model') {
      const losses = await page.locator('.step[data-cell="In[44]"] .output').textContent();
      assert.equal(losses.split('\n')[0], 'tensor(2.)');
      assert.equal(losses.split('\n')[9], 'tensor(0.0090)');
    }
    if (lesson === 'common_errors') {
      assert.match(await page.locator('.step[data-cell="In[47]"] .output').textContent(), /not found on worker bob/);
    }
    await shot(page, `lesson-${lesson}`);
  }

  // Pointer chains: a chain send leaves alice holding a pointer to bob; move_to moves the data.
  await runStep(page, 'pointer_chain_operations', 'In[84]–In[88]');
  await settled(page);
  assert.equal(await objects(page, 'bob', 'tensor').count(), 1);
  assert.equal(await objects(page, 'alice', 'pointer').count(), 1);
  assert.match(await objects(page, 'alice', 'pointer').first().textContent(), /-> bob:\d+/);
  assert.ok(await page.locator('.lesson-area .graph .arrow[data-from^="alice:"][data-to^="bob:"]').count() >= 1);
  // Arrows pass under the boxes (in SVG what comes later is drawn on top), so an arrow crossing
  // another worker's column never hides an id.
  assert.ok(await page.locator('.lesson-area .graph').evaluate(g => {
    const arrows = g.querySelectorAll('.arrow'), nodes = g.querySelectorAll('.node');
    return arrows.length > 0 && nodes.length > 0
      && (arrows[arrows.length - 1].compareDocumentPosition(nodes[0]) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
  }));
  await shot(page, 'chain-alice-points-at-bob');

  await runStep(page, 'pointer_chain_operations', 'In[89]–In[92]');
  await runStep(page, 'pointer_chain_operations', 'In[93]');
  await runStep(page, 'pointer_chain_operations', 'In[94]–In[97]');
  await settled(page);
  assert.equal(await objects(page, 'bob', 'tensor').count(), 1);
  assert.equal(await objects(page, 'alice').count(), 0);
  await runStep(page, 'pointer_chain_operations', 'In[98]–In[100]');
  await settled(page);
  assert.equal(await objects(page, 'bob').count(), 0);
  assert.equal(await objects(page, 'alice', 'tensor').count(), 1);
  // The move went bob -> alice directly, and the timeline says so.
  assert.ok(await page.locator('.message.direct').filter({ hasText: 'bob → alice' }).count() >= 1);
  await shot(page, 'after-move-to-alice');

  // Reset empties every worker.
  await page.click('.reset-all');
  await page.waitForFunction(() => document.querySelectorAll('.side .worker[data-worker="bob"] .object').length === 0);
  assert.equal(await page.locator('.step .output').count(), 0);
  assert.deepEqual(errors, []);
});

async function train(page, mode, rounds) {
  await page.goto(`${server.url}?seed=3&lr=0.1&rounds=${rounds}&mode=${mode}`);
  await page.waitForSelector('.lesson-area .worker[data-worker="bob"]');
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
  await page.waitForSelector('.lesson-area .worker[data-worker="bob"]');
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
  await page.waitForSelector('.lesson-area .worker[data-worker="bob"]');
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
  await page.waitForSelector('.lesson-area .worker[data-worker="bob"]');
  // Tab to the first Run button and press Enter.
  await page.locator('.step[data-cell="In[1]"] button.run').focus();
  await page.keyboard.press('Enter');
  await page.locator('.step[data-cell="In[1]"] .output').waitFor();
  assert.equal(await page.locator('.step[data-cell="In[1]"] .output').textContent(), 'tensor(2)');
  // Long outputs wrap instead of widening the page.
  await page.click('.lesson-tab[data-lesson="common_errors"]');
  await page.click('.run-lesson');
  await page.waitForFunction(() => document.querySelectorAll('.lesson .step .output').length === 3);
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
      if (document.querySelector('.lesson-area .worker[data-worker="bob"] header')) {
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
