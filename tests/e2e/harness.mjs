// Shared set-up for the end-to-end tests: serve dist/ on loopback, drive Debian's Chromium
// through playwright-core (never a downloaded browser), collect console errors.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFile } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { join, dirname, extname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const screenshots = join(root, 'tests', 'e2e', 'screenshots');

export async function serve() {
  const port = 18000 + Math.floor(Math.random() * 1000);
  const server = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', '--directory', dist, String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(url)).ok) return { url, stop: () => server.kill() }; } catch { /* not up yet */ }
    await new Promise(r => setTimeout(r, 100));
  }
  server.kill();
  throw new Error('dist/ server did not start');
}

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.png': 'image/png', '.csv': 'text/csv' };
const dist = join(root, 'dist');
const contentType = file => types[extname(file)] || 'application/octet-stream';

/// The file of dist/ a request asks for (a directory's index.html), or the status that refuses it:
/// 400 for a path that does not decode, 403 for one that leaves dist/.
function distFile(req) {
  let path;
  try { path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, ''); } catch { return { refused: 400 }; }
  const file = join(dist, path.endsWith('/') ? join(path, 'index.html') : path);
  return file.startsWith(dist) ? { file } : { refused: 403 };
}

/// `server` on a free loopback port: its address, and how to stop it.
async function listening(server) {
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, stop: () => server.close() };
}

// dist/ as the page's own server would serve it, passing /v1/fleet/ on to a Flower SuperLink at
// `fleetPort` (what trunk's [[proxy]] does for `make federation`; python's http.server cannot).
// `onFleetRequest(url, body)`, if given, sees every Fleet request's body as it passes (an audit
// of what a tab sends).
export async function serveWithFleetProxy(fleetPort, onFleetRequest) {
  const server = createServer((req, res) => {
    if (req.url.startsWith('/v1/fleet/')) {
      if (onFleetRequest) {
        const chunks = [];
        req.on('data', chunk => chunks.push(chunk));
        req.on('end', () => onFleetRequest(req.url, Buffer.concat(chunks)));
      }
      const upstream = httpRequest({ host: '127.0.0.1', port: fleetPort, path: req.url, method: req.method, headers: req.headers }, answer => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end('the SuperLink did not answer');
      });
      req.pipe(upstream);
      return;
    }
    const { file, refused } = distFile(req);
    if (refused) { res.writeHead(refused); res.end(); return; }
    readFile(file, (error, body) => {
      if (error) { res.writeHead(404); res.end(); return; }
      res.writeHead(200, { 'Content-Type': contentType(file) });
      res.end(body);
    });
  });
  return listening(server);
}

/// dist/ from a host that sends the precompressed files the build writes beside each file
/// (`encoding` 'br' or 'gzip', when the browser accepts it), as nginx's `brotli_static` /
/// `gzip_static` or Caddy's `precompressed` would.
export async function servePrecompressed(encoding) {
  const suffix = encoding === 'br' ? '.br' : '.gz';
  const server = createServer((req, res) => {
    const { file, refused } = distFile(req);
    if (refused) { res.writeHead(refused); res.end(); return; }
    const compressed = (req.headers['accept-encoding'] || '').includes(encoding) && existsSync(file + suffix);
    readFile(compressed ? file + suffix : file, (error, body) => {
      if (error) { res.writeHead(404); res.end(); return; }
      const headers = { 'Content-Type': contentType(file) };
      if (compressed) headers['Content-Encoding'] = encoding;
      res.writeHead(200, headers);
      res.end(body);
    });
  });
  return listening(server);
}

/// dist/ from a host with no `.gz` files that answers every missing file with its index page and
/// 200 (an app's catch-all: `try_files … /index.html`), compressing nothing.
export async function serveCatchAll() {
  const server = createServer((req, res) => {
    const { file: asked, refused } = distFile(req);
    if (refused === 400) { res.writeHead(400); res.end(); return; }
    const file = asked && !asked.endsWith('.gz') && existsSync(asked) ? asked : join(dist, 'index.html');
    readFile(file, (error, body) => {
      if (error) { res.writeHead(500); res.end(); return; }
      res.writeHead(200, { 'Content-Type': contentType(file) });
      res.end(body);
    });
  });
  return listening(server);
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // Several pages of one browser are tabs in the background but one: without these, Chromium
    // may throttle their timers (down to once a minute), and a Flower tab's heartbeat lapses.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'],
  });
}

export async function open(browser, url, viewport = { width: 1280, height: 800 }) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  const warnings = [];
  page.on('console', m => {
    if (m.type() === 'error') errors.push(m.text());
    if (m.type() === 'warning') warnings.push(m.text());
  });
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(url);
  await showPanels(page);
  return { page, errors, warnings };
}

/// The panels below the notebook load when first scrolled near (www/panels_loader.js), as a
/// reader's would: scroll there, wait until they have started loading, and go back to the top.
/// (Again until they have: the notebook mounting meanwhile can move them out of view first.)
export async function showPanels(page) {
  const started = () => page.evaluate(() => document.querySelector('script[src="./panels.js"]') !== null);
  for (let tries = 0; tries < 100 && !(await started()); tries++) {
    await page.locator('#flower').scrollIntoViewIfNeeded();
    await page.waitForTimeout(100);
  }
  assert.ok(await started(), 'the panels began loading once scrolled to');
  await page.evaluate(() => scrollTo(0, 0));
}

export async function shot(page, name) {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}
