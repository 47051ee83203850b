/**
 * `npm run bench:supervisor`: the supervisor's views over a generated day held in memory:
 * `kpis()` over the whole day (the first call, then the median of 7 more) and the dashboard's first paint in headless Chromium
 * (from navigation to the board filled: KPI tiles, counters, queue, operators). Targets: kpis()
 * under 100 ms, first paint under 1 s.
 *
 * Options: --sessions N (default 90000), --chromium PATH (default /usr/bin/chromium).
 */
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { createReceiver, createTracker, generateLines, latestEventMs, replayInto, startServer } from '../src/index.js';
import { unwrapLine } from '../src/replay/readWebhookLines.js';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '90000' }, chromium: { type: 'string', default: '/usr/bin/chromium' } } });
const sessions = Number(values.sessions);
let clock = 0;
const tracker = createTracker({ retainFor: Infinity, clock: () => clock });
const generated = generateLines({ seed: 1, sessions, envelope: true });
let n = 0;
await replayInto(tracker, (function* () { for (const line of generated.lines) yield unwrapLine(line, ++n); })());
clock = (await latestEventMs(tracker.store.read())) ?? Date.now();
const day = Math.floor(clock / 86_400_000) * 86_400_000;
console.log(`supervisor bench: a generated day of ${sessions} sessions (${tracker.stats().deliveries} deliveries) in memory`);

const times: number[] = [];
for (let i = 0; i < 8; i++) {
  const started = performance.now();
  await tracker.kpis({ from: day - 86_400_000, to: day + 86_400_000, interval: '1h' });
  times.push(performance.now() - started);
}
const first = times[0]!;
const again = times.slice(1).sort((a, b) => a - b);
console.log(`kpis() over the day, per hour: first call ${first.toFixed(0)} ms; again (what a dashboard asks after each burst) median ${again[3]!.toFixed(0)} ms (min ${again[0]!.toFixed(0)}, max ${again[5]!.toFixed(0)}); target < 100 ms`);

const receiver = createReceiver({ tracker, readToken: 'bench-read-token', webhookToken: 'bench-webhook-token' });
const server = await startServer((request) => receiver.handle(request), '127.0.0.1', 0);
// What the dashboard asks for on its first paint, each timed alone.
for (const path of ['/now', '/stats', '/operators?limit=1000', `/kpis?from=${day}&to=${day + 86_400_000}`, '/anomalies?order=newest&limit=200']) {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${server.address.port}${path}`, { headers: { authorization: 'Bearer bench-read-token' } });
  const bytes = (await response.arrayBuffer()).byteLength;
  console.log(`  GET ${path.split('?')[0]}: ${(performance.now() - started).toFixed(0)} ms, ${(bytes / 1024).toFixed(0)} KiB`);
}
const browser = await chromium.launch({ executablePath: values.chromium, args: ['--no-sandbox'] });
const paints: number[] = [];
for (let i = 0; i < 5; i++) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.addInitScript("sessionStorage.setItem('mluvii-state-read-token', 'bench-read-token')");
  await page.goto(`http://127.0.0.1:${server.address.port}/`);
  await page.locator('#operators tr').first().waitFor();
  await page.locator('#kpis .tile').first().waitFor();
  paints.push(await page.evaluate('performance.now()') as number);
  await page.close();
}
paints.sort((a, b) => a - b);
console.log(`dashboard first paint with the day's state (navigation to the board filled): median ${paints[2]!.toFixed(0)} ms (min ${paints[0]!.toFixed(0)}, max ${paints[4]!.toFixed(0)}; target < 1 s)`);
await browser.close();
await server.stop(100);
