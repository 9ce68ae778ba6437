// What a newcomer stumbled on, each fixed: Back undoes a setting, the playground's points can show
// their classes, the regression's legend, empty charts, the address's refused settings on the
// first screen, skip links, and chart labels readable on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, open } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

async function change(page, selector, value) {
  await page.locator(selector).fill(value);
  await page.locator(selector).dispatchEvent('change');
}

test('Back undoes a setting, one change at a time, and never leaves the page', async () => {
  const { page, errors } = await open(browser, server.url);
  await page.waitForSelector('.playground');
  await change(page, '.playground [name="pg_clients"]', '6');
  await change(page, '.training [name="lr"]', '0.05');
  await change(page, '.playground [name="pg_clients"]', '9');
  await page.waitForFunction(() => location.search.includes('pg_clients=9'));
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('.playground [name="pg_clients"]').value === '6');
  assert.match(page.url(), /pg_clients=6/);
  assert.equal(await page.locator('.training [name="lr"]').inputValue(), '0.05');
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('.training [name="lr"]').value !== '0.05');
  await page.goBack();
  await page.waitForFunction(() => !location.search.includes('pg_clients'));
  assert.equal(await page.locator('.playground [name="pg_clients"]').inputValue(), '8');
  assert.ok(page.url().startsWith(server.url), page.url());
  await page.goForward();
  await page.waitForFunction(() => document.querySelector('.playground [name="pg_clients"]').value === '6');
  assert.deepEqual(errors, []);
});

test('the playground colours its points by class on request, and a regression has no "unsure"', async () => {
  const { page, errors } = await open(browser, `${server.url}?pg_clients=4&pg_rounds=2&pg_pace=0&pg_data=circle`);
  await page.waitForSelector('.playground');
  await page.click('.playground button.play');
  await page.waitForFunction(() => document.querySelector('.pg-progress')?.textContent === 'round 2 of 2', null, { timeout: 60000 });
  assert.ok(await page.locator('.heatmap .point[data-client]').count() >= 3);
  await page.click('.map-legend button.points-by');
  const shades = await page.locator('.heatmap .point').evaluateAll(ps => ps.map(p => p.dataset.target));
  assert.deepEqual([...new Set(shades)].sort(), ['0.0', '1.0']);
  assert.match(await page.locator('.map-legend').textContent(), /coloured by its class/);
  await page.locator('.pg-map').screenshot({ path: 'tests/e2e/screenshots/playground-points-by-class.png' });
  await page.goto(`${server.url}?pg_data=plane&pg_hidden=`);
  await page.waitForSelector('.map-legend');
  const legend = await page.locator('.map-legend').textContent();
  assert.match(legend, /prediction 0/);
  assert.doesNotMatch(legend, /unsure/);
  assert.deepEqual(errors, []);
});

test('charts before the first round say so instead of labelling axes 0, 0, 0', async () => {
  const { page, errors } = await open(browser, server.url);
  await page.waitForSelector('.playground');
  const empty = page.locator('.playground .chart.empty');
  assert.ok(await empty.count() >= 3, 'every playground chart is empty');
  assert.equal(await page.locator('.playground .chart .tick').count(), 0);
  assert.match(await empty.first().textContent(), /no rounds yet/);
  assert.equal(await page.locator('.training .chart.empty').count(), 1);
  assert.deepEqual(errors, []);
});

test("the address's refused settings are said on the first screen, with a link to their panel", async () => {
  const { page, errors } = await open(browser, `${server.url}?pg_clients=99&lr=abc`);
  const notice = page.locator('.address-refused');
  await notice.waitFor();
  const box = await notice.boundingBox();
  assert.ok(box.y + box.height < 800, `on the first screen: ${JSON.stringify(box)}`);
  const text = await notice.textContent();
  assert.match(text, /pg_clients = "99"/);
  assert.match(text, /lr = "abc"/);
  assert.deepEqual(await notice.locator('a').evaluateAll(as => as.map(a => a.getAttribute('href')).sort()), ['#playground', '#training']);
  await page.screenshot({ path: 'tests/e2e/screenshots/address-refused.png' });
  const clean = await open(browser, server.url);
  await clean.page.waitForSelector('.playground');
  assert.equal(await clean.page.locator('.address-refused').count(), 0);
  assert.deepEqual(errors, []);
});

test('the first Tab stop is a skip link to the notebook, and each panel has one', async () => {
  const { page, errors } = await open(browser, server.url);
  await page.waitForSelector('.playground');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), '#notebook');
  assert.deepEqual(await page.locator('.skip-links a').evaluateAll(as => as.map(a => a.getAttribute('href'))),
    ['#notebook', '#training', '#playground', '#flower']);
  for (const id of ['notebook', 'training', 'playground', 'flower']) assert.equal(await page.locator(`#${id}`).count(), 1);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#playground');
  assert.deepEqual(errors, []);
});

test('chart labels stay readable on a 390 px phone', async () => {
  const { page, errors } = await open(browser, `${server.url}?rounds=3&pace=0`, { width: 390, height: 844 });
  await page.waitForSelector('.training button.play');
  await page.click('.training button.play');
  await page.waitForFunction(() => document.querySelectorAll('.training .chart .tick text').length > 0, null, { timeout: 60000 });
  const heights = await page.locator('.chart .tick text, .chart .axis-label').evaluateAll(ts => ts.map(t => t.getBoundingClientRect().height));
  assert.ok(heights.length > 0 && Math.min(...heights) >= 10, `tick labels ${Math.min(...heights)} px tall`);
  await page.locator('.training .chart').first().screenshot({ path: 'tests/e2e/screenshots/training-chart-390.png' });
  assert.deepEqual(errors, []);
});
