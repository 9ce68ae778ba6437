// `make bench-load`: how long a phone waits for the first cell. Chromium with Lighthouse's mobile
// throttling (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up, CPU 4× slower; no cache) opens
// the page, runs the notebook's first cell (In [1], `print(y[0])`) the moment it can, and waits for
// its output — from a host that sends the precompressed files `make build` writes (Brotli, as
// nginx's `brotli_static` or Caddy's `precompressed` would), one that sends gzip, and python's
// http.server, which compresses nothing. Prints the time to the first cell's output and the bytes
// on the wire before it. A measurement, never a test: it times the machine it runs on.
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, servePrecompressed } from './harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'dist');
const RUNS = Number(process.env.RUNS || 3);

async function pythonHost() {
  const port = 19000 + Math.floor(Math.random() * 1000);
  const server = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', '--directory', dist, String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(url)).ok) return { url, stop: () => server.kill() }; } catch { /* not up yet */ }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error('python http.server did not start');
}

async function firstCell(browser, url) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  let bytes = 0, counting = true;
  cdp.on('Network.loadingFinished', e => { if (counting) bytes += e.encodedDataLength; });
  const start = Date.now();
  await page.goto(url, { waitUntil: 'commit' });
  const first = page.locator('.notebook .cell').filter({ has: page.locator('.prompt:text-is("In [1]")') });
  await first.locator('textarea.code').waitFor({ timeout: 60000 });
  const ready = Date.now() - start;
  // When the first screen's wasm had arrived, on the page's clock (its navigation starts near `start`).
  const wasm = await page.evaluate(() => Math.max(0, ...performance.getEntriesByType('resource')
    .filter(r => /\/app(-[0-9a-f]+)?_bg\.wasm(\.gz)?$/.test(r.name)).map(r => r.responseEnd)));
  await first.locator('textarea.code').press('Shift+Enter');
  await first.locator('.output').filter({ hasText: 'tensor(2)' }).waitFor({ timeout: 60000 });
  const output = Date.now() - start;
  counting = false;
  await context.close();
  return { ready, output, bytes, wasm };
}

const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const browser = await launch();
try {
  for (const [name, host] of [['Brotli (precompressed)', () => servePrecompressed('br')], ['gzip (precompressed)', () => servePrecompressed('gzip')], ['uncompressed (python http.server)', pythonHost]]) {
    const server = await host();
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await firstCell(browser, server.url));
    server.stop();
    console.log(`${name}: first cell's output after ${(median(runs.map(r => r.output)) / 1000).toFixed(2)} s ` +
      `(page ready for it ${(median(runs.map(r => r.ready)) / 1000).toFixed(2)} s, its wasm in by ${(median(runs.map(r => r.wasm)) / 1000).toFixed(2)} s), ${Math.round(median(runs.map(r => r.bytes)) / 1024)} KiB on the wire before it; ` +
      `runs: ${runs.map(r => (r.output / 1000).toFixed(2)).join(', ')} s`);
  }
} finally {
  await browser.close();
}
