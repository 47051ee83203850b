/**
 * The live dashboard and the HTML report in a real headless Chromium: the page asks for the read
 * token and refuses a wrong one; posted webhooks show in the counters and the queue; a new
 * anomaly appears in the feed; the report renders its charts without console errors.
 * Screenshots land in docs/images/ (shown in the README).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createReceiver, createTracker, latestEventMs, readWebhookLines, replayInto, startServer, type RunningServer, type Tracker } from 'mluvii-state';
import { activityBody, mluviiTime, sessionBody } from '../src/generate/bodies.js';
import { CHROMIUM, launch } from './support/browser.js';

if (CHROMIUM === undefined) console.warn('SKIPPED: browser tests need Chromium (apt-get install chromium; .ci/run installs it)');

const root = fileURLToPath(new URL('..', import.meta.url));
const images = join(root, 'docs', 'images');
const READ = 'read-token-for-tests';
const WEBHOOK = 'webhook-token-for-tests';

describe.skipIf(CHROMIUM === undefined)('dashboard and report in a browser', () => {
  let browser: Browser;
  let server: RunningServer;
  let tracker: Tracker;
  let base: string;
  let captureEnd: number;
  beforeAll(async () => {
    browser = await launch();
    // The sample day first, so the board is in use (and the screenshot shows one), the clock at
    // its end as if it were happening now.
    let clock = 0;
    tracker = createTracker({ retainFor: Infinity, clock: () => clock });
    await replayInto(tracker, readWebhookLines(join(root, 'examples', 'data', 'sample-day.ndjson')));
    clock = (await latestEventMs(tracker.store.read())) ?? Date.now();
    captureEnd = clock;
    const receiver = createReceiver({ tracker, readToken: READ, webhookToken: WEBHOOK });
    server = await startServer((request) => receiver.handle(request), '127.0.0.1', 0);
    base = `http://127.0.0.1:${server.address.port}`;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop(100);
  });

  // mluvii sends the webhook token in the URL it was given.
  const post = (body: object) => fetch(`${base}/webhooks/mluvii?token=${WEBHOOK}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });

  async function openDashboard(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${base}/`);
    return { page, errors };
  }

  it('asks for the read token and refuses a wrong one', async () => {
    const { page, errors } = await openDashboard();
    await page.getByLabel('Token').fill('not-the-token');
    await page.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => page.locator('#login-error').textContent()).toMatch(/refused/);
    expect(await page.locator('#board').isHidden()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows posted webhooks in the counters and the queue, and new anomalies in the feed, live', async () => {
    const { page, errors } = await openDashboard();
    await page.getByLabel('Token').fill(READ);
    await page.keyboard.press('Enter');
    await page.locator('#board').waitFor({ state: 'visible' });
    await page.locator('#connection[data-state="live"]').waitFor();
    const queued = async () => Number(await page.locator('#counters .tile', { hasText: 'queued' }).locator('strong').textContent());
    const before = await queued();

    const session = { id: 9_900_001, tenantId: 62, channel: 'Chat', source: 'Default' };
    const now = captureEnd * 1000;
    const posted = performance.now();
    expect((await post(sessionBody('SessionCreated', session))).status).toBe(200);
    expect((await post(sessionBody('SessionStarted', session, { started: mluviiTime(now) }))).status).toBe(200);
    await page.locator(`#queue tr[data-session="${session.id}"]`).waitFor();
    await expect.poll(queued).toBe(before + 1);
    const shownAfterMs = performance.now() - posted;

    // A re-delivery: a duplicate anomaly arrives in the feed.
    const message = activityBody('ChatMessage', session.id, 99_000_001, now + 1000, { client: 'Guest', text: 'Dobrý den' });
    await post(message);
    await post(message);
    await page.locator('#anomalies li[data-kind="duplicate"]').first().waitFor();
    await page.getByLabel('Kind').selectOption('duplicate');
    expect(await page.locator('#anomalies li').evaluateAll((items) => items.every((li) => li.getAttribute('data-kind') === 'duplicate'))).toBe(true);
    await page.getByLabel('Kind').selectOption('');
    await page.screenshot({ path: join(images, 'dashboard.png') });
    expect(errors).toEqual([]);
    console.log(`dashboard: a posted session showed in the queue ${shownAfterMs.toFixed(0)} ms after it was posted`);
    await page.close();
  });

  it('the report renders its four charts with no console errors', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'mluvii-report-')), 'report.html');
    execFileSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'report', join(root, 'examples', 'data', 'sample-day.ndjson'), '--out', out]);
    const page = await browser.newPage({ viewport: { width: 1100, height: 1300 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (error) => errors.push(String(error)));
    // Offline: the file must need nothing from the network.
    await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(`file://${out}`);
    await page.waitForFunction('document.body.dataset.charts !== undefined');
    expect(await page.evaluate('document.body.dataset.charts')).toBe('4');
    expect(await page.locator('canvas').count()).toBeGreaterThanOrEqual(4);
    await page.locator('#worst a').first().click();
    expect(page.url()).toMatch(/#session-\d+$/);
    await page.goto(`file://${out}`);
    await page.waitForFunction('document.body.dataset.charts !== undefined');
    await page.screenshot({ path: join(images, 'report.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
