// The notebook on the page: the seed's own cells, run by minisyft's interpreter on Web Workers,
// print what the seed printed; a learner edits a cell, adds one, and reads an error as Python
// shows it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, open, shot } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

const cell = (page, number) => page.locator('.notebook .cell').filter({ has: page.locator(`.prompt:text-is("In [${number}]")`) });

async function runAndWait(page, locator) {
  const before = await locator.locator('.output').count() ? await locator.locator('.output').textContent() : null;
  await locator.locator('textarea.code').press('Shift+Enter');
  await page.waitForFunction(([el, old]) => {
    const out = el.querySelector('.output');
    return out && out.textContent !== old && !document.querySelector('.notebook .run-all').disabled;
  }, [await locator.elementHandle(), before], { timeout: 60000 });
  return locator.locator('.output');
}

test('Run all: every cell of the seed prints what the seed printed, over real Web Workers', async () => {
  const { page, errors } = await open(browser, server.url);
  await page.waitForSelector('.notebook .cell');
  assert.equal(await page.locator('.notebook .cell').count(), 89);
  // The seed's prose is between its cells.
  assert.match(await page.locator('.notebook .prose').first().textContent(), /Federated Learning/);
  await page.click('.notebook .run-all');
  await page.waitForFunction(() => document.querySelectorAll('.notebook .cell .output').length === 89
    || document.querySelector('.notebook .output.failed'), null, { timeout: 180000 });
  const failed = await page.locator('.notebook .output.failed').allTextContents();
  assert.deepEqual(failed, []);
  assert.equal(await cell(page, 44).locator('.output').textContent(),
    'tensor(2.)\ntensor(0.5600)\ntensor(0.2432)\ntensor(0.1372)\ntensor(0.0849)\ntensor(0.0538)\ntensor(0.0344)\ntensor(0.0220)\ntensor(0.0141)\ntensor(0.0090)');
  assert.match(await cell(page, 6).locator('.output').textContent(), /^\{\d+: tensor\(\[1, 1, 1, 1, 1\]\), \d+: tensor\(\[1, 2, 3, 4, 5\]\)\}$|^\{\d+: tensor\(\[1, 2, 3, 4, 5\]\), \d+: tensor\(\[1, 1, 1, 1, 1\]\)\}$/);
  assert.match(await cell(page, 7).locator('.output').textContent(), /^\(Wrapper\)>\[PointerTensor \| me:\d+ -> bob:\d+\]$/);
  assert.equal(await cell(page, 8).locator('.output').textContent(), '<VirtualWorker id:bob #tensors:2>');
  // Where the seed's numbers came from random weights, the page says so and shows the seed's.
  assert.match(await cell(page, 58).locator('.seed-output summary').textContent(), /random/);
  // The stores beside the notebook are the notebook's workers.
  assert.ok(await page.locator('.notebook-side .worker[data-worker="alice"]').count());
  await cell(page, 44).scrollIntoViewIfNeeded();
  await shot(page, 'notebook');
  assert.deepEqual(errors, []);
});

test('a learner edits a cell, sends to alice instead of bob, and writes a cell of their own', async () => {
  const { page, errors } = await open(browser, server.url);
  await page.waitForSelector('.notebook .cell');
  for (const n of [1, 2, 3]) await runAndWait(page, cell(page, n));
  // In[20] makes alice; In[4]–In[5] then send to alice instead of bob.
  await runAndWait(page, cell(page, 20));
  await runAndWait(page, cell(page, 4));
  await cell(page, 5).locator('textarea.code').fill('x_ptr = x.send(alice)\ny_ptr = y.send(alice)\nx_ptr.location');
  assert.equal(await (await runAndWait(page, cell(page, 5))).textContent(), '<VirtualWorker id:alice #tensors:2>');
  // A cell of their own, at the end, using the pointer made above.
  await page.click('.notebook .add-cell');
  const mine = page.locator('.notebook .cell.scratch').last();
  await mine.locator('textarea.code').fill('z = (x_ptr * 2 + y_ptr).get()\nprint(f"z = {z}")\nz.sum().item()');
  assert.equal(await (await runAndWait(page, mine)).textContent(), 'z = tensor([ 3,  5,  7,  9, 11])\n35');
  // A mistake reads as Python's, with the line and a caret.
  await mine.locator('textarea.code').fill('w = 1\nprint(undefined_name)');
  const failed = await runAndWait(page, mine);
  assert.match(await failed.textContent(), /line 2\n\s+print\(undefined_name\)\n\s+\^\nNameError: name 'undefined_name' is not defined/);
  assert.equal(await failed.getAttribute('data-error-line'), '2');
  assert.ok(await failed.evaluate(el => el.classList.contains('failed')));
  // Tab indents inside the editor instead of leaving it.
  await mine.locator('textarea.code').fill('for i in range(2):\n');
  await mine.locator('textarea.code').press('End');
  await mine.locator('textarea.code').press('Tab');
  await mine.locator('textarea.code').type('print(i)');
  assert.equal(await mine.locator('textarea.code').inputValue(), 'for i in range(2):\n    print(i)');
  assert.equal(await (await runAndWait(page, mine)).textContent(), '0\n1');
  assert.deepEqual(errors, []);
});

test('Stop ends an endless loop, and Restart clears the namespace and the workers', async () => {
  const { page, errors } = await open(browser, server.url);
  await page.waitForSelector('.notebook .cell');
  await page.click('.notebook .add-cell');
  const mine = page.locator('.notebook .cell.scratch').last();
  await mine.locator('textarea.code').fill('i = 0\nwhile True:\n    i += 1');
  await mine.locator('textarea.code').press('Shift+Enter');
  await page.waitForFunction(() => !document.querySelector('.notebook .stop').disabled);
  await page.click('.notebook .stop');
  await page.waitForFunction(() => document.querySelector('.notebook .cell.scratch .output.failed'), null, { timeout: 20000 });
  assert.match(await mine.locator('.output').textContent(), /KeyboardInterrupt: stopped/);
  await mine.locator('textarea.code').fill('i > 0');
  assert.equal(await (await runAndWait(page, mine)).textContent(), 'True');
  await page.click('.notebook .restart');
  await mine.locator('textarea.code').fill('i');
  assert.match(await (await runAndWait(page, mine)).textContent(), /NameError: name 'i' is not defined/);
  assert.deepEqual(errors, []);
});

test('a cell run while another runs waits its turn, as in Jupyter; Stop takes it off the queue', async () => {
  const { page, errors } = await open(browser, server.url);
  await page.waitForSelector('.notebook .cell');
  await page.click('.notebook .add-cell');
  await page.click('.notebook .add-cell');
  const [first, second] = [page.locator('.notebook .cell.scratch').nth(0), page.locator('.notebook .cell.scratch').nth(1)];
  await first.locator('textarea.code').fill('i = 0\nwhile True:\n    i += 1');
  await second.locator('textarea.code').fill('i > 0');
  await first.locator('textarea.code').press('Shift+Enter');
  await page.waitForFunction(() => document.querySelectorAll('.notebook .cell.scratch')[0].classList.contains('running'));
  await second.locator('button.run').click();
  await page.waitForFunction(() => document.querySelectorAll('.notebook .cell.scratch')[1].classList.contains('queued'));
  assert.equal(await second.locator('.run-state').textContent(), 'queued');
  // Stop interrupts the running cell and the queued one does not run.
  await page.click('.notebook .stop');
  await page.waitForFunction(() => !document.querySelector('.notebook .run-all').disabled, null, { timeout: 20000 });
  assert.match(await first.locator('.output').textContent(), /KeyboardInterrupt: stopped/);
  assert.equal(await second.locator('.output').count(), 0);
  assert.equal(await page.locator('.notebook .cell.queued, .notebook .cell.running, .notebook .run-state').count(), 0);
  // Queued cells run in order, each with the namespace the ones before it left.
  await first.locator('textarea.code').fill('j = 0\nfor k in range(200000):\n    j += k');
  await second.locator('textarea.code').fill('j');
  await first.locator('textarea.code').press('Shift+Enter');
  await second.locator('textarea.code').press('Shift+Enter');
  // The loop takes a second or two: the second cell waits behind it.
  await page.waitForFunction(() => document.querySelectorAll('.notebook .cell.scratch')[1].classList.contains('queued'));
  await page.waitForFunction(() => document.querySelectorAll('.notebook .cell.scratch')[1].querySelector('.output'), null, { timeout: 60000 });
  assert.equal(await second.locator('.output').textContent(), String(199999 * 200000 / 2));
  assert.deepEqual(errors, []);
});

test("a learner's notebook travels as a link: their edits and their own cells, in place", async () => {
  const { page, errors } = await open(browser, server.url);
  await page.waitForSelector('.notebook .cell');
  await cell(page, 5).locator('textarea.code').fill('x_ptr = x.send(alice)\ny_ptr = y.send(alice)\nx_ptr.location');
  await cell(page, 5).locator('button.add-after').click();
  const mine = page.locator('.notebook .cell.scratch').first();
  await mine.locator('textarea.code').fill('# mine & yours = 100%\n(x_ptr + y_ptr).get()');
  await page.click('.notebook .share');
  assert.match(await page.locator('.notebook .share-said').textContent(), /your 2 changes/);
  const link = page.url();
  assert.match(link, /#in5=.*&after5=/);

  const { page: other, errors: otherErrors } = await open(browser, link);
  await other.waitForSelector('.notebook .cell');
  assert.equal(await cell(other, 5).locator('textarea.code').inputValue(), 'x_ptr = x.send(alice)\ny_ptr = y.send(alice)\nx_ptr.location');
  // Their own cell comes right after In[5], as they placed it.
  const next = await other.locator('.notebook .cell').evaluateAll(cells => {
    const at = cells.findIndex(c => c.querySelector('.prompt')?.textContent === 'In [5]');
    return cells[at + 1].classList.contains('scratch') ? cells[at + 1].querySelector('textarea').value : null;
  });
  assert.equal(next, '# mine & yours = 100%\n(x_ptr + y_ptr).get()');
  for (const n of [1, 2, 3, 20, 4]) await runAndWait(other, cell(other, n));
  assert.equal(await (await runAndWait(other, cell(other, 5))).textContent(), '<VirtualWorker id:alice #tensors:2>');
  const theirs = other.locator('.notebook .cell.scratch').first();
  assert.equal(await (await runAndWait(other, theirs)).textContent(), 'tensor([2, 3, 4, 5, 6])');
  assert.deepEqual(errors, []);
  assert.deepEqual(otherErrors, []);
});

test('a link with parts that cannot apply says which, and applies the rest', async () => {
  const { page, errors } = await open(browser, `${server.url}#in999=x&after5=print(1)&in5=%ZZ`);
  await page.waitForSelector('.notebook .cell');
  const refused = await page.locator('.notebook .link-refused li').allTextContents();
  assert.equal(refused.length, 2, refused.join('\n'));
  assert.match(refused[0], /in999 = "999" is not allowed: the number of one of the seed's cells/);
  assert.match(refused[1], /in5 = "%ZZ" is not allowed/);
  assert.equal(await page.locator('.notebook .cell.scratch textarea').inputValue(), 'print(1)');
  assert.equal(await cell(page, 5).locator('textarea.code').inputValue(), 'x_ptr = x.send(bob)\ny_ptr = y.send(bob)');
  assert.deepEqual(errors, []);
});

test('on a phone the stores are a drawer at the bottom of the screen, beside the cell being run', async () => {
  const { page, errors } = await open(browser, server.url, { width: 390, height: 844 });
  await page.waitForSelector('.notebook .cell');
  for (const n of [1, 2, 3, 4, 5]) await runAndWait(page, cell(page, n));
  await cell(page, 5).scrollIntoViewIfNeeded();
  const toggle = page.locator('.notebook-side .side-toggle');
  await page.waitForFunction(() => /bob 2/.test(document.querySelector('.notebook-side .side-toggle')?.textContent));
  const closed = await toggle.boundingBox();
  assert.ok(closed.y + closed.height <= 844 + 1 && closed.y >= 844 - 120, `the drawer's bar is at the bottom of the screen: ${JSON.stringify(closed)}`);
  const cellBox = await cell(page, 5).boundingBox();
  assert.ok(cellBox.y < 844 && cellBox.y + cellBox.height > 0, 'the cell is in view at the same time');
  await toggle.click();
  const bob = page.locator('.notebook-side .worker[data-worker="bob"]');
  await bob.scrollIntoViewIfNeeded();
  const bobBox = await bob.boundingBox();
  assert.ok(bobBox.y >= 0 && bobBox.y + 20 <= 844, `bob's store is on the screen: ${JSON.stringify(bobBox)}`);
  assert.equal(await page.locator('.notebook-side .worker[data-worker="bob"] .object.tensor').count(), 2);
  await page.screenshot({ path: 'tests/e2e/screenshots/notebook-phone-drawer.png' });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no horizontal scrolling (${overflow}px)`);
  assert.deepEqual(errors, []);
});

test('a learner changes a learning rate and a tensor: the cells print what the change computes', async () => {
  const { page, errors } = await open(browser, server.url);
  await page.waitForSelector('.notebook .cell');
  for (const n of [1, 2, 3]) await runAndWait(page, cell(page, n));
  await cell(page, 4).locator('textarea.code').fill('x = th.tensor([10,20,30,40,50])\ny = th.tensor([1,1,1,1,1])');
  for (const n of [4, 5]) await runAndWait(page, cell(page, n));
  assert.equal(await (await runAndWait(page, cell(page, 16))).textContent(), 'tensor([10, 20, 30, 40, 50])');
  // In[44] with half the learning rate: the first step takes weights [0.1, 0.2], so the second
  // loss is (1 - 0.3)² + (1 - 0.2)² + (0 - 0.1)² = 1.14.
  const in44 = cell(page, 44);
  const source = await in44.locator('textarea.code').inputValue();
  await in44.locator('textarea.code').fill(source.replace('weights.grad * 0.1', 'weights.grad * 0.05'));
  await runAndWait(page, cell(page, 43));
  const losses = (await (await runAndWait(page, in44)).textContent()).split('\n');
  assert.deepEqual(losses.slice(0, 2), ['tensor(2.)', 'tensor(1.1400)']);
  assert.equal(losses.length, 10);
  assert.deepEqual(errors, []);
});
