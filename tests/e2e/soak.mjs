// Soak: 1000 training rounds on the page (untrusted-server mode, as fast as it goes), sampled every
// 100 rounds: time per round, the page's JS heap after a garbage collection, its wasm memory, the
// message log, and the training workers' stores. A measurement, not a test: `make soak` prints it.
import { serve, launch, open, shot } from './harness.mjs';

const ROUNDS = Number(process.env.SOAK_ROUNDS || 1000);
const server = await serve();
const browser = await launch();
try {
  const { page, errors } = await open(browser, `${server.url}?rounds=${ROUNDS}&mode=untrusted&pace=0&lr=0.05`);
  await page.waitForSelector('.notebook .cell');
  const cdp = await page.context().newCDPSession(page);
  const sample = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    return page.evaluate(heap => {
      const stats = document.querySelector('.training-stats');
      return {
        round: Number(document.querySelector('.progress').textContent.match(/round (\d+)/)[1]),
        at: performance.now(),
        heap,
        wasm: Number(stats.dataset.memory),
        messages: Number(stats.dataset.messages),
        objects: document.querySelectorAll('.training-stores .worker:not([data-worker="me"]) .object').length,
        pointers: document.querySelectorAll('.training-stores .worker[data-worker="me"] .object').length,
      };
    }, usedSize);
  };
  await page.click('.training button.play');
  const rows = [];
  for (let target = 100; target <= ROUNDS; target += 100) {
    await page.waitForFunction(t => Number(document.querySelector('.progress').textContent.match(/round (\d+)/)[1]) >= t,
      target, { timeout: 300000, polling: 50 });
    rows.push(await sample());
  }
  await shot(page, 'soak');
  console.log('| rounds | ms per round (last 100) | JS heap after GC | wasm memory | messages logged | objects on the workers | pointers me holds |');
  console.log('|---|---|---|---|---|---|---|');
  let previous = null;
  for (const row of rows) {
    const perRound = previous ? ((row.at - previous.at) / (row.round - previous.round)).toFixed(1) : '–';
    console.log(`| ${row.round} | ${perRound} | ${(row.heap / 1e6).toFixed(2)} MB | ${(row.wasm / 1e6).toFixed(1)} MB | ${row.messages} | ${row.objects} | ${row.pointers} |`);
    previous = row;
  }
  if (errors.length) console.log('console errors:', errors);
} finally {
  await browser.close();
  server.stop();
}
