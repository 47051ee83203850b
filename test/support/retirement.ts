/** Captures for the retirement tests: generated days with late arrivals, and what a user can see. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Tracker } from 'mluvii-state';
import { generateStream } from '../../src/generate/generateStream.js';

export const HOUR = 3_600_000;

export interface Delivery { readonly body: string; readonly receivedAt: number }

/**
 * A generated multi-day capture with faults, plus late arrivals: some deliveries moved to after
 * everything else (a next-day submission) and some repeated there (a retry days later).
 */
export const captureOf = (maxSessions: number) => fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  sessions: fc.integer({ min: 3, max: maxSessions }),
  days: fc.integer({ min: 1, max: 3 }),
  moved: fc.array(fc.nat(), { maxLength: 4 }),
  repeated: fc.array(fc.nat(), { maxLength: 4 }),
}).map(({ seed, sessions, days, moved, repeated }) => {
  const { lines } = generateStream({ seed, sessions, days, anomalies: 0.1, envelope: true });
  const deliveries: Delivery[] = lines.map((line) => {
    const { receivedAt, body } = JSON.parse(line) as { receivedAt: string; body: unknown };
    return { body: JSON.stringify(body), receivedAt: Date.parse(receivedAt) };
  });
  const end = deliveries.at(-1)!.receivedAt;
  const late = new Set(moved.map((i) => i % deliveries.length));
  const kept = deliveries.filter((_, i) => !late.has(i));
  let at = end + 2 * 24 * HOUR;
  for (const i of late) kept.push({ body: deliveries[i]!.body, receivedAt: (at += 60_000) });
  for (const i of repeated) kept.push({ body: deliveries[i % deliveries.length]!.body, receivedAt: (at += 60_000) });
  return kept;
});
export const capture = captureOf(12);

/** Every stream the deliveries name. */
export function streamsOf(deliveries: readonly Delivery[]): string[] {
  const ids = new Set<string>();
  for (const { body } of deliveries) {
    const data = (JSON.parse(body) as { data?: Record<string, unknown> }).data ?? {};
    for (const [key, prefix] of [['sessionId', 'session:'], ['id', 'session:'], ['emailThreadId', 'email:'], ['userId', 'operator:']] as const) {
      if (typeof data[key] === 'number') ids.add(`${prefix}${data[key]}`);
    }
  }
  return [...ids].sort();
}

export async function feed(deliveries: readonly Delivery[], tracker: Tracker, retireEvery: number): Promise<Tracker> {
  let n = 0;
  for (const { body, receivedAt } of deliveries) {
    await tracker.ingest(body, { receivedAt });
    if (++n % retireEvery === 0) tracker.retire();
  }
  return tracker;
}

/** What a user can see of `streams` through the async look-ups, and the counters. */
export async function everything(tracker: Tracker, streams: readonly string[]) {
  const seen: Record<string, unknown> = {};
  for (const stream of streams) {
    const id = Number(stream.slice(stream.indexOf(':') + 1));
    const view = stream.startsWith('session:') ? await tracker.findSession(id)
      : stream.startsWith('email:') ? await tracker.findEmailThread(id) : await tracker.findOperator(id);
    seen[stream] = { view, timeline: await tracker.findTimeline(stream) };
  }
  return seen;
}


/** Runs `body` with a fresh temporary directory, removed afterwards whatever happens. */
export async function inTempDir(prefix: string, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
