/**
 * What the HTML report shows, computed from a tracker: series for its charts and the worst
 * sessions with their timelines. Pure data (JSON-safe), rendered by renderReport.ts.
 */
import { kpisOfAll } from '../replay/replay.js';
import type { Tracker, TimelineItem } from '../tracker/createTracker.js';
import type { TrackerKpis } from '../tracker/kpiQueries.js';
import { isAnswered, offeredAt } from '../views/kpis.js';
import type { AnomalyKind, SessionView } from '../types.js';

/** Sessions waiting are counted every this many ms. */
const WAITING_STEP_MS = 5 * 60_000;
/** How many of the worst sessions the report details. */
const WORST = 20;

export interface ReportData {
  readonly title: string;
  readonly generatedAt: string;
  readonly kpis: TrackerKpis | null;
  /** Epoch seconds and the number of sessions waiting for an operator then. */
  readonly waiting: { readonly times: number[]; readonly counts: number[] };
  /** Average handle time (s) and sessions with a known one, per channel. */
  readonly handleByChannel: readonly { readonly channel: string; readonly averageSeconds: number; readonly sessions: number }[];
  /** Per hour (epoch seconds): anomalies of each kind. */
  readonly anomalies: { readonly times: number[]; readonly byKind: Readonly<Record<string, number[]>> };
  readonly worst: readonly { readonly view: SessionView; readonly why: string; readonly timeline: readonly TimelineItem[] }[];
}

/** When a session stopped waiting: its first operator join, else its end, else its latest event. */
function waitEnd(view: SessionView): number | null {
  let first = Infinity;
  for (const o of view.operators) for (const s of o.stints) if (s.joinedAt !== null) first = Math.min(first, Date.parse(s.joinedAt));
  if (first !== Infinity) return first;
  const end = view.endedAt ?? view.lastEventAt;
  return end === null ? null : Date.parse(end);
}

function waitingSeries(views: readonly SessionView[], from: number, to: number): ReportData['waiting'] {
  const times: number[] = [];
  const counts: number[] = [];
  const steps = Math.max(1, Math.ceil((to - from) / WAITING_STEP_MS));
  const delta = new Float64Array(steps + 1);
  for (const view of views) {
    const start = offeredAt(view);
    const end = waitEnd(view);
    if (start === null || end === null || end <= start) continue;
    const a = Math.max(0, Math.ceil((start - from) / WAITING_STEP_MS));
    const b = Math.min(steps, Math.ceil((end - from) / WAITING_STEP_MS));
    if (b > a) {
      delta[a]! += 1;
      delta[b]! -= 1;
    }
  }
  let running = 0;
  for (let i = 0; i < steps; i++) {
    running += delta[i]!;
    times.push((from + i * WAITING_STEP_MS) / 1000);
    counts.push(running);
  }
  return { times, counts };
}

export async function getReportData(tracker: Tracker, title: string): Promise<ReportData> {
  const views = await tracker.findSessions();
  const kpis = await kpisOfAll(tracker);
  const from = kpis === null ? 0 : Date.parse(kpis.from);
  const to = kpis === null ? 0 : Date.parse(kpis.to);

  const byChannel = new Map<string, number[]>();
  for (const view of views) {
    if (view.durations.handleMs === null) continue;
    const channel = view.channel ?? '(none)';
    byChannel.set(channel, [...(byChannel.get(channel) ?? []), view.durations.handleMs]);
  }
  const handleByChannel = [...byChannel].sort(([a], [b]) => a.localeCompare(b))
    .map(([channel, list]) => ({ channel, averageSeconds: list.reduce((x, y) => x + y, 0) / list.length / 1000, sessions: list.length }));

  const hours = Math.max(1, Math.ceil((to - from) / 3_600_000));
  const anomalyTimes = Array.from({ length: hours }, (_, i) => (from + i * 3_600_000) / 1000);
  const byKind: Partial<Record<AnomalyKind, number[]>> = {};
  for (const a of tracker.anomalies()) {
    if (a.time === null || a.kind === 'stalled') continue;
    const hour = Math.floor((Date.parse(a.time) - from) / 3_600_000);
    if (hour < 0 || hour >= hours) continue;
    (byKind[a.kind] ??= new Array<number>(hours).fill(0))[hour]!++;
  }

  const ranked = views
    .map((view) => ({ view, score: (view.durations.complete ? 0 : 1e12) + (view.durations.queueMs ?? 0) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, WORST);
  const worst = [];
  for (const { view } of ranked) {
    const why = !view.durations.complete ? 'incomplete: a transition was inferred'
      : isAnswered(view) ? `waited ${((view.durations.queueMs ?? 0) / 1000).toFixed(0)} s for an operator`
      : `abandoned after ${((view.durations.queueMs ?? 0) / 1000).toFixed(0)} s`;
    worst.push({ view, why, timeline: await tracker.findTimeline(`session:${view.id}`) });
  }
  return {
    title, generatedAt: new Date().toISOString(), kpis, waiting: waitingSeries(views, from, to), handleByChannel,
    anomalies: { times: anomalyTimes, byKind: byKind as Record<string, number[]> }, worst,
  };
}
