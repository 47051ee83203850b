/** Replays a capture into a tracker: what `mluvii-state replay` and the examples use. */
import type { IngestResult, Tracker } from '../tracker/createTracker.js';
import type { StoreRecord } from '../store/eventStore.js';
import type { WebhookLine } from './readWebhookLines.js';

export interface ReplayResult {
  /** Deliveries ingested (non-blank lines within the length limit). */
  readonly lines: number;
  /** Lines over the length limit, skipped (see `readWebhookLines`). */
  readonly oversize: readonly WebhookLine[];
}

/**
 * Ingests every line, in order, each with `source: "line N"` so anomalies point back at the
 * input. Bad lines never stop the replay: the tracker dead-letters them. `onResult` sees each
 * delivery's outcome (e.g. for progress).
 */
export async function replayInto(
  tracker: Tracker,
  lines: AsyncIterable<WebhookLine> | Iterable<WebhookLine>,
  onResult?: (result: IngestResult, line: WebhookLine) => void,
): Promise<ReplayResult> {
  let count = 0;
  const oversize: WebhookLine[] = [];
  for await (const item of lines) {
    if (item.oversizeBytes !== undefined) {
      oversize.push(item);
      continue;
    }
    const source = `line ${item.line}`;
    const result = await tracker.ingest(item.body, item.receivedAt === undefined ? { source } : { source, receivedAt: item.receivedAt });
    count++;
    onResult?.(result, item);
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
