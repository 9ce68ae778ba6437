import { serve, launch, open } from './harness.mjs';
const server = await serve(); const browser = await launch();
const { page } = await open(browser, `${server.url}?pg_clients=64&pg_rounds=3&pg_points=1000`);
await page.waitForSelector('.playground');
await page.evaluate(() => { window.longTasks = []; new PerformanceObserver(l => { for (const e of l.getEntries()) window.longTasks.push([Math.round(e.startTime), Math.round(e.duration)]); }).observe({ type: 'longtask' }); });
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 200 }); await cdp.send('Profiler.start');
await page.evaluate(() => { window.marks = []; new MutationObserver(() => window.marks.push([document.querySelector('.pg-progress')?.textContent, Math.round(performance.now())])).observe(document.querySelector('.pg-progress'), { childList: true, subtree: true, characterData: true }); window.marks.push(['click', Math.round(performance.now())]); });
await page.click('.playground button.play');
await page.waitForFunction(() => document.querySelector('.pg-progress')?.textContent === 'round 3 of 3', null, { timeout: 120000 });
const { profile } = await cdp.send('Profiler.stop');
console.log('long tasks', JSON.stringify(await page.evaluate(() => window.longTasks)), JSON.stringify(await page.evaluate(() => window.marks)));
const byId = new Map(profile.nodes.map(n => [n.id, n]));
const parent = new Map(); for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
const name = id => { const n = byId.get(id); return n.callFrame.functionName || '(anon)'; };
const stack = id => { const s = []; while (id !== undefined) { s.push(name(id)); id = parent.get(id); } return s; };
// busy runs: consecutive samples not idle
let t = profile.startTime, runs = [], cur = null;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  const idle = name(profile.samples[i]) === '(idle)';
  if (!idle) { if (!cur) cur = { start: t, samples: [] }; cur.samples.push([profile.samples[i], profile.timeDeltas[i]]); cur.end = t; }
  else if (cur) { runs.push(cur); cur = null; }
}
if (cur) runs.push(cur);
runs.sort((a, b) => (b.end - b.start) - (a.end - a.start));
for (const run of runs.slice(0, 3)) {
  console.log(`\n== busy ${((run.end - run.start) / 1000).toFixed(1)} ms`);
  const agg = new Map();
  for (const [id, dt] of run.samples) { const s = stack(id); const key = s.slice(0, 6).join(' < '); agg.set(key, (agg.get(key) || 0) + dt / 1000); }
  console.log([...agg.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `${v.toFixed(1)}ms ${k}`).join('\n'));
}
await browser.close(); server.stop();
