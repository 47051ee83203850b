/**
 * `mluvii-state replay <file | -> [--json] [--now ISO] [--session id | --operator userId | --email id]`
 */
import { statSync } from 'node:fs';
import { createTracker, type Tracker } from '../tracker/createTracker.js';
import { readWebhookLines } from '../replay/readWebhookLines.js';
import { kpisOfAll, latestEventMs, replayInto } from '../replay/replay.js';
import type { TrackerKpis } from '../tracker/kpiQueries.js';
import { parseDuration } from './duration.js';
import { openStoreOption } from './openStore.js';
import type { Anomaly, AnomalySeverity } from '../types.js';
import { formatTable, progressBar } from './format.js';
import { EXIT, printable, redactSecrets, terminalSafe, type Output } from './output.js';

export interface ReplayCommandOptions {
  readonly json?: boolean;
  readonly now?: string;
  readonly session?: string;
  readonly operator?: string;
  readonly email?: string;
  /** Journal path or PostgreSQL URL to append to instead of memory. */
  readonly store?: string;
  /** When a journal import is made durable: `end` (default: one fsync when the import ends) or `every` append. */
  readonly fsync?: string;
  /** How long finished streams stay in memory (see `--retain`). */
  readonly retain?: string;
}

/** Deliveries a replay into a durable store keeps in flight: its appends are written together. */
const IMPORT_IN_FLIGHT = 512;

/** Set for `inspect`: it looks at a store, so a store that does not exist is an error, not made. */
export interface ReplayMode { readonly createStore: boolean }


/** Large enough for a progress bar to be worth drawing. */
const PROGRESS_MIN_BYTES = 5 * 1024 * 1024;


function summaryOf(tracker: Tracker) {
  const stats = tracker.stats();
  return {
    events: { read: stats.deliveries, applied: stats.applied, duplicate: stats.duplicates, rejected: stats.rejected, unknown: stats.unknown },
    sessionsByStatus: stats.sessionsByStatus,
    emailThreadsByStatus: stats.emailThreadsByStatus,
    operators: stats.operators,
    anomaliesByKind: stats.anomaliesByKind,
  };
}

const SEVERITY_ORDER: Record<AnomalySeverity, number> = { error: 0, warning: 1, info: 2 };

/**
 * What the first non-blank line of a capture says when the file is one JSON document spread over
 * lines (a pretty-printed array or object) rather than one body per line; null when it looks fine.
 */
async function wholeDocumentHint(file: string): Promise<string | null> {
  if (file === '-') return null;
  for await (const item of readWebhookLines(file, { maxLineBytes: 4096 })) {
    const first = typeof item.body === 'string' ? item.body.trim() : '';
    if (first === '[' || first === '{' || (first.startsWith('[') && first !== '[]')) {
      return `${file} looks like one JSON document (line ${item.line} is ${JSON.stringify(printable(first, 20))}), but replay reads one webhook body per line (NDJSON); convert it first, e.g. jq -c '.[]' ${file} > capture.ndjson`;
    }
    return null;
  }
  return null;
}

export async function runReplay(file: string, options: ReplayCommandOptions, io: Output, mode: ReplayMode = { createStore: true }): Promise<number> {
  const nowOption = parseNow(options.now, io);
  if (nowOption === undefined) return EXIT.usage;
  let now = nowOption ?? 0;
  let total = 0;
  try {
    const stat = file === '-' ? null : statSync(file);
    if (stat?.isDirectory() === true) throw new Error('it is a directory');
    total = stat?.size ?? 0;
    const hint = await wholeDocumentHint(file);
    if (hint !== null) {
      io.err(`mluvii-state: ${hint}\n`);
      return EXIT.usage;
    }
  } catch (error) {
    io.err(`mluvii-state: cannot read ${printable(file)}: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  if (options.fsync !== undefined && options.fsync !== 'end' && options.fsync !== 'every') {
    io.err(`mluvii-state: --fsync ${JSON.stringify(printable(options.fsync, 20))}: expected end or every\n`);
    return EXIT.usage;
  }
  const retainFor = parseDuration(options.retain ?? '24h');
  if (retainFor === null) {
    io.err(`mluvii-state: --retain ${JSON.stringify(printable(options.retain ?? '', 20))} is not a duration; give e.g. 30m, 24h, 7d or never\n`);
    return EXIT.usage;
  }
  // An import is durable at its end (one fsync when the journal closes) unless asked for each append.
  const opened = await openStoreOption(options.store, io, { create: mode.createStore, fsync: options.fsync === 'every' ? 'every' : 'none' });
  if (opened === undefined) return EXIT.usage;
  try {
    const tracker = createTracker({ clock: () => now, retainFor, ...(opened === null ? {} : { store: opened.store }) });
    await tracker.ready;
    const showProgress = io.isTTY && total >= PROGRESS_MIN_BYTES;
    let read = 0;
    const lines = readWebhookLines(file, showProgress ? { onBytes: (n) => { read += n; io.err(progressBar(read, total)); } } : {});
    try {
      const { oversize } = await replayInto(tracker, lines, { inFlight: opened === null ? 1 : IMPORT_IN_FLIGHT });
      for (const item of oversize) io.err(`mluvii-state: line ${item.line} of ${printable(file)} is ${item.oversizeBytes!.toLocaleString('en')} bytes, over the limit of a webhook line; skipped\n`);
    } catch (error) {
      if ((error as { code?: string }).code === 'store-unavailable') {
        io.err(`mluvii-state: the store failed: ${redactSecrets((error as Error).message)}; what was stored before is kept\n`);
        return EXIT.store;
      }
      io.err(`mluvii-state: cannot read ${printable(file)}: ${(error as Error).message}\n`);
      return EXIT.usage;
    }
    if (showProgress) io.err('\n');
    await opened?.saveSnapshot(tracker);
    // A replay is deterministic: `stalled` is judged at the latest event time unless --now says otherwise.
    if (nowOption === null) now = (await latestEventMs(tracker.store.read())) ?? Date.now();
    const code = await report(tracker, file, options, io);
    await tracker.close();
    return code;
  } finally {
    await opened?.close();
  }
}

/** `mluvii-state rebuild --store ...`: the same report, re-folded from the store alone. */
export async function runRebuild(options: ReplayCommandOptions, io: Output): Promise<number> {
  const nowOption = parseNow(options.now, io);
  if (nowOption === undefined) return EXIT.usage;
  if (options.store === undefined) {
    io.err('mluvii-state: rebuild needs --store <journal path | postgres URL>\n');
    return EXIT.usage;
  }
  const opened = await openStoreOption(options.store, io, { create: false });
  if (opened == null) return EXIT.usage;
  try {
    let now = nowOption ?? 0;
    const tracker = createTracker({ clock: () => now, store: opened.store });
    await tracker.ready;
    if (nowOption === null) now = (await latestEventMs(opened.store.read())) ?? Date.now();
    const code = await report(tracker, redactSecrets(options.store), options, io);
    await tracker.close();
    return code;
  } finally {
    await opened.close();
  }
}

/** `undefined`: invalid (reported); `null`: not given. */
function parseNow(value: string | undefined, io: Output): number | null | undefined {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    io.err(`mluvii-state: --now ${JSON.stringify(printable(value))} is not an ISO-8601 date-time, e.g. 2024-05-02T16:05:24+02:00\n`);
    return undefined;
  }
  return ms;
}

async function report(tracker: Tracker, label: string, options: ReplayCommandOptions, io: Output): Promise<number> {
  const entity = options.session !== undefined ? `session:${options.session}`
    : options.operator !== undefined ? `operator:${options.operator}`
    : options.email !== undefined ? `email:${options.email}` : null;
  if (entity !== null) return await printEntity(tracker, entity, options, io);
  const anomalies = tracker.anomalies();
  const kpis = await kpisOfAll(tracker);
  if (options.json === true) {
    io.out(`${JSON.stringify({
      summary: summaryOf(tracker),
      sessions: tracker.sessions(),
      operators: tracker.operators(),
      emailThreads: tracker.emailThreads(),
      anomalies,
      kpis,
    })}\n`);
    return 0;
  }
  io.out(terminalSafe(humanSummary(tracker, anomalies, label, kpis)));
  return EXIT.ok;
}

const percent = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)} %`);
const seconds = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

function humanSummary(tracker: Tracker, anomalies: Anomaly[], file: string, kpis: TrackerKpis | null): string {
  const s = summaryOf(tracker);
  const parts: string[] = [];
  parts.push(`Replayed ${file}\n`);
  parts.push(formatTable(['events read', 'applied', 'duplicate', 'rejected', 'unknown'], [[s.events.read, s.events.applied, s.events.duplicate, s.events.rejected, s.events.unknown]]));
  const sessions = Object.entries(s.sessionsByStatus);
  parts.push(`\nSessions (${sessions.reduce((n, [, c]) => n + c, 0)})\n${formatTable(['status', 'count'], sessions)}`);
  const operators = tracker.operators();
  parts.push(`\nOperators (${operators.length})\n${formatTable(
    ['userId', 'status', 'availability', 'active', 'ACW', 'e-mails'],
    operators.map((o) => [String(o.userId), o.status, o.availability, o.activeSessionIds.length, o.afterCallWorkSessionIds.length, o.assignedEmailThreadIds.length]),
  )}`);
  if (kpis !== null) {
    parts.push(`\nKPIs (${kpis.from} to ${kpis.to}; service level ${kpis.serviceLevelSeconds} s; docs/kpis.md)\n${formatTable(
      ['offered', 'answered', 'abandoned', 'short', 'service level', 'abandonment', 'ASA', 'AHT', 'longest wait', 'incomplete'],
      [[kpis.offered, kpis.answered, kpis.abandoned, kpis.shortAbandoned, percent(kpis.serviceLevel), percent(kpis.abandonmentRate),
        seconds(kpis.averageSpeedOfAnswerMs), seconds(kpis.averageHandleTimeMs), seconds(kpis.longestWaitMs), kpis.incomplete]],
    )}`);
  }
  const threads = Object.entries(s.emailThreadsByStatus);
  parts.push(`\nE-mail threads (${threads.reduce((n, [, c]) => n + c, 0)})\n${formatTable(['status', 'count'], threads)}`);
  const byKind = new Map<string, typeof anomalies>();
  for (const a of anomalies) byKind.set(a.kind, [...(byKind.get(a.kind) ?? []), a]);
  const kinds = [...byKind].sort(([, a], [, b]) => SEVERITY_ORDER[a[0]!.severity] - SEVERITY_ORDER[b[0]!.severity] || b.length - a.length);
  parts.push(`\nAnomalies (${anomalies.length})\n${formatTable(['kind', 'severity', 'count', 'example'], kinds.map(([kind, list]) => {
    const a = list[0]!;
    const where = [a.stream, a.source].filter(Boolean).join(' ');
    return [kind, a.severity, list.length, [`${where}:`, a.eventType, a.message].filter(Boolean).join(' ').slice(0, 100)];
  }))}`);
  const worst = anomalies.filter((a) => a.severity === 'error').slice(0, 5);
  if (worst.length > 0) {
    parts.push(`\nWorst examples\n${worst.map((a) => `  ${[a.kind, a.stream, a.source].filter(Boolean).join(' ')}: ${a.message}`).join('\n')}`);
  }
  return `${parts.join('\n')}\n`;
}

async function printEntity(tracker: Tracker, stream: string, options: ReplayCommandOptions, io: Output): Promise<number> {
  const id = Number(stream.slice(stream.indexOf(':') + 1));
  // The async look-ups: a retired entity is read back from the store.
  const view = stream.startsWith('session:') ? await tracker.findSession(id) : stream.startsWith('email:') ? await tracker.findEmailThread(id) : await tracker.findOperator(id);
  const timeline = await tracker.findTimeline(stream);
  const anomalies = tracker.anomalies({ stream });
  if (view === null) {
    // Exit 1 in both modes: a script gets the same answer whether it reads tables or JSON.
    io.err(`mluvii-state: no ${printable(stream)} in the input\n`);
    if (options.json === true) io.out(`${JSON.stringify({ view: null, timeline: [], anomalies: [] })}\n`);
    return EXIT.no;
  }
  if (options.json === true) {
    io.out(`${JSON.stringify({ view, timeline, anomalies })}\n`);
    return 0;
  }
  const status = (state: unknown) => (state !== null && typeof state === 'object' && 'status' in state ? String((state as { status: unknown }).status) : '');
  io.out(terminalSafe(`${stream}\n${JSON.stringify(view, null, 2)}\n\nTimeline\n${formatTable(
    ['source', 'time', 'event', 'status after', 'anomalies'],
    timeline.map((t) => [t.source, t.time, t.eventType, status(t.state), t.anomalies.map((a) => a.kind).join(', ')]),
  )}\n${anomalies.some((a) => a.kind === 'stalled') ? `\n${anomalies.filter((a) => a.kind === 'stalled').map((a) => `  stalled: ${a.message}`).join('\n')}\n` : ''}`));
  return EXIT.ok;
}
