/** Replays a capture into a tracker: what `mluvii-state replay` and the examples use. */
import type { IngestResult, Tracker } from '../tracker/createTracker.js';
import type { TrackerKpis } from '../tracker/kpiQueries.js';
import { offeredAt } from '../views/kpis.js';
import type { StoreRecord } from '../store/eventStore.js';
import type { WebhookLine } from './readWebhookLines.js';

export interface ReplayResult {
  /** Deliveries ingested (non-blank lines within the length limit). */
  readonly lines: number;
  /** Lines over the length limit, skipped (see `readWebhookLines`). */
  readonly oversize: readonly WebhookLine[];
}

export interface ReplayOptions {
  /** Sees each delivery's outcome, in input order (e.g. for progress). */
  readonly onResult?: (result: IngestResult, line: WebhookLine) => void;
  /**
   * Deliveries ingested at once (default 1). A durable store writes and syncs those issued
   * together in one go (group commit), so a bulk import into a journal or PostgreSQL wants many:
   * the order of the store's positions and of the fold is the input order all the same.
   */
  readonly inFlight?: number;
}

/**
 * Ingests every line, in order, each with `source: "line N"` so anomalies point back at the
 * input. Bad lines never stop the replay: the tracker dead-letters them. A store failure does:
 * the deliveries in flight settle, and the replay rejects with it.
 */
export async function replayInto(
  tracker: Tracker,
  lines: AsyncIterable<WebhookLine> | Iterable<WebhookLine>,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const inFlight = Math.max(1, options.inFlight ?? 1);
  let count = 0;
  const oversize: WebhookLine[] = [];
  const window: { item: WebhookLine; result: Promise<IngestResult> }[] = [];
  // The oldest is settled inline, not through a helper async function: awaiting such a helper per
  // delivery was measured to keep every settled delivery's promises alive (about 4 KB per event).
  try {
    for await (const item of lines) {
      if (item.oversizeBytes !== undefined) {
        oversize.push(item);
        continue;
      }
      const source = `line ${item.line}`;
      const result = tracker.ingest(item.body, item.receivedAt === undefined ? { source } : { source, receivedAt: item.receivedAt });
      result.catch(() => undefined); // observed below; never an unhandled rejection meanwhile
      window.push({ item, result });
      count++;
      if (window.length >= inFlight) {
        const oldest = window.shift()!;
        const settled = await oldest.result;
        options.onResult?.(settled, oldest.item);
      }
    }
    while (window.length > 0) {
      const oldest = window.shift()!;
      const settled = await oldest.result;
      options.onResult?.(settled, oldest.item);
    }
  } catch (error) {
    await Promise.allSettled(window.map((w) => w.result));
    throw error;
  }
  return { lines: count, oversize };
}

/** Latest event time in a store (epoch ms), or null: the default clock of a deterministic report. */
export async function latestEventMs(records: Iterable<StoreRecord> | AsyncIterable<StoreRecord>): Promise<number | null> {
  let latest: number | null = null;
  for await (const record of records) {
    const time = record.kind === 'event' ? record.event.time : null;
    if (time !== null && (latest === null || time > latest)) latest = time;
  }
  return latest === null ? null : Math.floor(latest / 1000);
}

/**
 * The KPIs of everything a tracker holds (in memory and archived), per hour: the window runs
 * from the hour of the earliest session's start to the end of the hour of the latest. Null
 * without sessions. What `replay --json` and `report` show.
 */
export async function kpisOfAll(tracker: Tracker): Promise<TrackerKpis | null> {
  let first = Infinity;
  let last = -Infinity;
  for (const view of await tracker.findSessions()) {
    const at = offeredAt(view);
    if (at === null) continue;
    first = Math.min(first, at);
    last = Math.max(last, at);
  }
  if (first === Infinity) return null;
  const hour = 3_600_000;
  return tracker.kpis({ from: Math.floor(first / hour) * hour, to: Math.floor(last / hour) * hour + hour, interval: '1h' });
}
