import { serve, launch, open } from './harness.mjs';
const server = await serve(); const browser = await launch();
const { page } = await open(browser, `${server.url}?pg_clients=64&pg_rounds=3&pg_points=1000`);
await page.waitForSelector('.playground');
await browser.startTracing(page, { categories: ['devtools.timeline', 'v8.execute', 'disabled-by-default-devtools.timeline', 'blink', 'v8'] });
await page.click('.playground button.play');
await page.waitForFunction(() => document.querySelector('.pg-progress')?.textContent === 'round 3 of 3', null, { timeout: 120000 });
const buffer = await browser.stopTracing();
const events = JSON.parse(buffer.toString()).traceEvents;
// main thread: the renderer's CrRendererMain
const names = events.filter(e => e.name === 'thread_name' && e.args.name === 'CrRendererMain');
const mains = new Set(names.map(e => `${e.pid}:${e.tid}`));
const onMain = events.filter(e => mains.has(`${e.pid}:${e.tid}`) && e.ph === 'X');
const tasks = onMain.filter(e => e.name === 'RunTask' && e.dur > 40000);
for (const task of tasks) {
  const inside = onMain.filter(e => e !== task && e.ts >= task.ts && e.ts + (e.dur || 0) <= task.ts + task.dur && e.dur > 3000);
  console.log(`\nTASK ${(task.dur / 1000).toFixed(1)} ms`);
  for (const e of inside.slice(0, 25)) console.log(`  +${((e.ts - task.ts) / 1000).toFixed(1)} ${(e.dur / 1000).toFixed(1)}ms ${e.name} ${JSON.stringify(e.args?.data || {}).slice(0, 150)}`);
}
await browser.close(); server.stop();
