// Browser tabs as the clients of a real Flower federation: a SuperLink on loopback, the built
// page served with /v1/fleet/ passed on to it, K headless Chromium pages each holding its own
// shard (fl_client=i of K), and the repository's ServerApp (Flower's FedAvg) run with `flwr run`.
//  1. Every round trains and evaluates on every tab, the run completes, and the aggregated
//     evaluation loss equals the playground's own federation (`flower_client expect`: same data,
//     split, shards and initial arrays, no Flower) within 1e-4 — arrays cross as exact float32
//     both ways; only where the weighted sums are taken differs (numpy float64 against Rust
//     float32, ~1e-7 a round), and wasm's tanh/exp against the native libm's (~1 ulp).
//  2. SecAgg+: the legacy-API app (flower/secagg: FedAvg under SecAggPlusWorkflow, 3 shares,
//     threshold 2) over the same tabs for 3 rounds: every round securely aggregated, the losses
//     those of plain FedAvg within the quantization error, each tab's panel naming the stage and
//     what left, and an audit of every object the tabs pushed: no array at all — keys,
//     encrypted shares and masked vectors only.
//  3. A tab closed after share_keys under SecAgg+ (min-nodes = K−1): its goodbye takes it offline
//     at once, its neighbours' shares let the workflow remove the masks it left in their vectors,
//     and every round is securely aggregated over the tabs left.
//  4. Real data: the tabs disconnect, two tabs holding shards of the digits (fl_data=digits)
//     join, and a run of the ServerApp's digits model (data = "digits": 64 → 16 → 10) reaches
//     the playground's own federation's losses on the same digits, as in 1.
//  5. The SuperLink gone: the tabs say so, with what to do, and retry; Disconnect stops them.
// Needs the Flower virtualenv (scripts/flower_setup.sh) and the built dist/ (make build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, open, serveWithFleetProxy, screenshots } from '../e2e/harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const venv = join(root, '.venv-flower', 'bin');
const K = 3;
const ROUNDS = 3;

const freePort = () => new Promise(resolve => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const sleep = ms => new Promise(r => setTimeout(r, ms));

async function until(what, check, seconds) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await sleep(500);
  }
}

function flwr(home, env, ...args) {
  const out = spawnSync(join(venv, 'flwr'), args, { cwd: home, env, encoding: 'utf8', timeout: 120_000 });
  return (out.stdout || '') + (out.stderr || '');
}

async function startRun(home, env, config, app = join(root, 'flower')) {
  const out = flwr(home, env, 'run', app, 'local', '--run-config', config);
  const id = /started run (\d+)/.exec(out);
  assert.ok(id, `flwr run: ${out}`);
  return id[1];
}

async function finished(home, env, runId, seconds) {
  return until(`run ${runId} to finish`, () => {
    const runs = JSON.parse(flwr(home, env, 'ls', 'local', '--format', 'json') || '{}').runs || [];
    const status = runs.find(r => r['run-id'] === runId)?.status || '';
    return status.startsWith('finished') ? status : null;
  }, seconds);
}

/// The playground's own federation's losses (no Flower) from the ServerApp's initial arrays.
function expectedLosses(home, clients, hidden, data) {
  const initial = spawnSync(join(venv, 'python'), ['-c', `import json, sys; sys.path.insert(0, ${JSON.stringify(join(root, 'flower'))})
from minisyft_flower.server_app import initial_arrays
print(json.dumps({n: [list(a.shape), a.numpy().flatten().tolist()] for n, a in initial_arrays(${hidden}, 0, "${data}").items()}))`], { encoding: 'utf8' });
  const file = join(home, `initial-${data}.json`);
  writeFileSync(file, initial.stdout);
  const expected = spawnSync(join(root, 'target', 'debug', 'examples', 'flower_client'),
    ['expect', String(clients), String(ROUNDS), file, data], { encoding: 'utf8' });
  return JSON.parse(expected.stdout);
}

const evaluationLosses = log => [...log.matchAll(/minisyft round \d+ evaluate \{[^}]*'eval_loss': ([0-9.e-]+)/g)].map(m => Number(m[1]));

const panel = page => page.locator('.flower');

/// The kind of the object a push-object request carries (`PushObjectRequest.object_content`, field
/// 4: "<Type> <children> <length>", a NUL, the body).
function pushedKind(body) {
  let at = 0;
  const varint = () => {
    let value = 0, shift = 0;
    for (;;) {
      const byte = body[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (at < body.length) {
    const key = varint();
    if ((key & 7) === 0) { varint(); continue; }
    if ((key & 7) !== 2) return `unreadable wire type ${key & 7}`;
    const length = varint();
    const value = body.subarray(at, at + length);
    at += length;
    if (key >> 3 === 4) return value.subarray(0, value.indexOf(0x20)).toString();
  }
  return 'no object';
}
const shot = async (page, name) => {
  mkdirSync(screenshots, { recursive: true });
  await page.locator('.flower-panel').screenshot({ path: join(screenshots, `${name}.png`) });
};
const counts = async page => ({
  trained: Number(await panel(page).getAttribute('data-trained')),
  evaluated: Number(await panel(page).getAttribute('data-evaluated')),
});

test('browser tabs are the clients of a real Flower FedAvg run, and survive one leaving', { timeout: 600_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'flwr-browser-'));
  const port = await freePort();
  writeFileSync(join(home, 'config.toml'), `[superlink.local]\naddress = "127.0.0.1:${port}"\ninsecure = true\n`);
  const env = { ...process.env, PATH: `${venv}:${process.env.PATH}`, FLWR_HOME: home };
  const build = spawnSync('cargo', ['build', '--quiet', '--example', 'flower_client'], { cwd: root, stdio: 'inherit' });
  assert.equal(build.status, 0);
  const logFile = openSync(join(home, 'superlink.log'), 'w');
  const superlink = spawn(join(venv, 'flower-superlink'), ['--insecure', '--host', '127.0.0.1', '--port', String(port),
    '--disable-runtime-dependency-installation'], { cwd: home, env, detached: true, stdio: ['ignore', logFile, logFile] });
  let server, browser;
  let audit = null;
  try {
    server = await serveWithFleetProxy(port, (url, body) => {
      if (audit && url.endsWith('/push-object')) {
        const kind = pushedKind(body);
        audit[kind] = (audit[kind] || 0) + 1;
      }
    });
    browser = await launch();
    await until('the SuperLink', async () => {
      try { await fetch(`http://127.0.0.1:${port}/`); return true; } catch { return false; }
    }, 60);
    const tabs = [];
    for (let i = 0; i < K; i++) {
      const tab = await open(browser, `${server.url}?fl_client=${i}&fl_clients=${K}`);
      await tab.page.locator('.flower button.connect').click();
      tabs.push(tab);
    }
    const nodes = [];
    for (const { page } of tabs) {
      await until('a node id', async () => (await panel(page).getAttribute('data-status')) === 'waiting', 60);
      nodes.push(await panel(page).getAttribute('data-node'));
    }
    assert.equal(new Set(nodes).size, K, `K distinct 64-bit node ids: ${nodes}`);

    // 1. Every round on every tab; the losses the playground's own federation reaches.
    const first = await startRun(home, env, `num-server-rounds=${ROUNDS} min-nodes=${K}`);
    assert.equal(await finished(home, env, first, 240), 'finished:completed');
    for (const { page } of tabs) assert.deepEqual(await counts(page), { trained: ROUNDS, evaluated: ROUNDS });
    const losses = evaluationLosses(flwr(home, env, 'log', first, 'local', '--show'));
    const want = expectedLosses(home, K, 8, 'circle');
    console.log(`Flower's aggregated evaluation loss: ${losses}\nthe playground's own federation:    ${want}`);
    assert.equal(losses.length, ROUNDS);
    losses.forEach((loss, i) => assert.ok(Math.abs(loss - want[i]) < 1e-4, `round ${i + 1}: ${loss} vs ${want[i]}`));
    await shot(tabs[0].page, 'flower-tab');

    // 2. SecAgg+ over the same tabs: only masked vectors and encrypted shares leave them.
    audit = {};
    const secure = await startRun(home, env, `num-server-rounds=${ROUNDS} min-nodes=${K}`, join(root, 'flower', 'secagg'));
    assert.equal(await finished(home, env, secure, 300), 'finished:completed');
    const secureLog = flwr(home, env, 'log', secure, 'local', '--show');
    if (secureLog.split('Secure aggregation completed').length - 1 !== ROUNDS) {
      const panels = await Promise.all(tabs.map(({ page }) => panel(page).innerText()));
      assert.fail(`${ROUNDS} rounds securely aggregated expected:\n${secureLog.slice(-3000)}\n${panels.join('\n----\n')}`);
    }
    const secureLosses = [...secureLog.matchAll(/minisyft round \d+ evaluate loss ([0-9.e-]+)/g)].map(m => Number(m[1]));
    console.log(`SecAgg+: aggregated evaluation loss ${secureLosses}; what the tabs pushed: ${JSON.stringify(audit)}`);
    assert.equal(secureLosses.length, ROUNDS);
    if (secureLosses.some((loss, i) => !(Math.abs(loss - want[i]) < 1e-3))) {
      const panels = await Promise.all(tabs.map(({ page }) => panel(page).innerText()));
      assert.fail(`losses ${secureLosses} vs FedAvg's ${want}:\n${secureLog.slice(-3000)}\n${panels.join('\n----\n')}`);
    }
    assert.ok(!audit.Array && !audit.ArrayChunk, `no array leaves a tab under SecAgg+: ${JSON.stringify(audit)}`);
    assert.ok(audit.ConfigRecord >= 4 * K * ROUNDS, `keys, shares, masked vectors: ${JSON.stringify(audit)}`);
    audit = null;
    for (const { page } of tabs) {
      assert.deepEqual(await counts(page), { trained: 2 * ROUNDS, evaluated: 2 * ROUNDS });
      assert.equal(await page.locator('.fl-secagg').getAttribute('data-stage'), 'unmask');
      assert.match(await panel(page).innerText(), /SecAgg\+ collect_masked_vectors\), round 3/);
      assert.match(await panel(page).innerText(), /a masked vector of \d+ integers mod 2\^32/);
    }
    await shot(tabs[0].page, 'flower-tab-secagg');

    // 3. A tab closed after share_keys, under SecAgg+: its neighbours hold its shares, so the
    //    workflow removes what it masked, the round completes, and the run goes on with the rest.
    const CLOSED_ROUNDS = 2;
    const second = await startRun(home, env, `num-server-rounds=${CLOSED_ROUNDS} min-nodes=${K - 1}`, join(root, 'flower', 'secagg'));
    const last = tabs.pop();
    const stageOf = async page => (await page.locator('.fl-secagg').innerText().catch(() => ''));
    await until('the closing tab past share_keys in round 1', async () => /collect_masked_vectors, round 1/.test(await stageOf(last.page)), 120);
    const closedNode = await panel(last.page).getAttribute('data-node');
    await last.page.close();
    // The tab's goodbye (a deactivate-node signed in advance, sent on pagehide): the SuperLink
    // marks it offline at once, not after 2 × 30 s without a heartbeat.
    const closedAt = Date.now();
    await until('the closed tab\'s node offline', () => {
      const listed = flwr(home, env, 'supernode', 'ls', 'local', '--format', 'json');
      const node = (JSON.parse(listed.slice(listed.indexOf('{')) || '{}').nodes || []).find(n => String(n['node-id']) === closedNode);
      return node && node.status === 'offline';
    }, 30);
    const offlineAfter = (Date.now() - closedAt) / 1000;
    console.log(`the closed tab's node was offline after ${offlineAfter.toFixed(1)} s`);
    assert.ok(offlineAfter < 8, `offline after ${offlineAfter} s: the goodbye was not sent`);
    assert.equal(await finished(home, env, second, 300), 'finished:completed');
    const secondLog = flwr(home, env, 'log', second, 'local', '--show');
    const fits = [...secondLog.matchAll(/minisyft round (\d+) fit: (\d+) results, (\d+) failures/g)].map(m => [Number(m[2]), Number(m[3])]);
    console.log(`a tab closed under SecAgg+: results and failures per round ${JSON.stringify(fits)}`);
    assert.equal(secondLog.split('Secure aggregation completed').length - 1, CLOSED_ROUNDS, secondLog.slice(-3000));
    assert.ok(fits.every(([ok]) => ok >= K - 1) && fits.slice(1).every(([ok, failed]) => ok === K - 1 && failed === 0),
      `every round aggregated the tabs left: ${JSON.stringify(fits)}`);
    for (const { page } of tabs) {
      assert.deepEqual(await counts(page), { trained: 2 * ROUNDS + CLOSED_ROUNDS, evaluated: 2 * ROUNDS + CLOSED_ROUNDS });
    }

    // 4. Real data: the circle's tabs leave, two tabs holding digits shards join.
    for (const { page } of tabs) {
      await page.locator('.flower button.disconnect').click();
      await until('a stopped tab', async () => (await panel(page).getAttribute('data-status')) === 'stopped', 30);
    }
    const digitTabs = [];
    for (let i = 0; i < 2; i++) {
      const tab = await open(browser, `${server.url}?fl_client=${i}&fl_clients=2&fl_data=digits`);
      await tab.page.locator('.flower button.connect').click();
      digitTabs.push(tab);
    }
    for (const { page } of digitTabs) {
      await until('a digits node', async () => (await panel(page).getAttribute('data-status')) === 'waiting', 60);
    }
    const third = await startRun(home, env, `num-server-rounds=${ROUNDS} min-nodes=2 data='digits' hidden=16`);
    assert.equal(await finished(home, env, third, 240), 'finished:completed');
    for (const { page } of digitTabs) assert.deepEqual(await counts(page), { trained: ROUNDS, evaluated: ROUNDS });
    const digitLosses = evaluationLosses(flwr(home, env, 'log', third, 'local', '--show'));
    const digitWant = expectedLosses(home, 2, 16, 'digits');
    console.log(`digits: Flower's aggregated evaluation loss ${digitLosses}\nthe playground's own federation      ${digitWant}`);
    assert.equal(digitLosses.length, ROUNDS);
    digitLosses.forEach((loss, i) => assert.ok(Math.abs(loss - digitWant[i]) < 1e-4, `round ${i + 1}: ${loss} vs ${digitWant[i]}`));
    assert.match(await digitTabs[0].page.locator('.flower').innerText(), /training digits on Web Worker/);
    await shot(digitTabs[0].page, 'flower-tab-digits');

    // 5. The SuperLink gone: each tab says so and retries; Disconnect stops it.
    process.kill(-superlink.pid, 'SIGTERM');
    tabs.splice(0, tabs.length, ...digitTabs);
    for (const { page } of tabs) {
      await until('a retrying tab', async () => (await panel(page).getAttribute('data-status')) === 'retrying', 60);
      assert.match(await page.locator('.fl-problem').innerText(), /Is the SuperLink running\?/);
    }
    await shot(tabs[0].page, 'flower-superlink-gone');
    await tabs[0].page.locator('.flower button.disconnect').click();
    await until('a stopped tab', async () => (await panel(tabs[0].page).getAttribute('data-status')) === 'stopped', 30);
    for (const { errors } of tabs) assert.deepEqual(errors.filter(e => !/Failed to load resource/.test(e)), []);
  } finally {
    await browser?.close();
    server?.stop();
    try { process.kill(-superlink.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
});
