/** Replays a capture into a tracker: what `mluvii-state replay` and the examples use. */
import type { IngestResult, Tracker } from '../tracker/createTracker.js';
import type { WebhookLine } from './readWebhookLines.js';

export interface ReplayResult {
  readonly lines: number;
  /** Store position -> input line, so anomalies can name the line they came from. */
  readonly lineOfPosition: ReadonlyMap<number, number>;
  /** Latest event time seen (epoch ms), or null: the default `--now` of a replay. */
  readonly latestEventMs: number | null;
}

/**
 * Ingests every line, in order. Bad lines never stop the replay: the tracker dead-letters them.
 * `onResult` sees each delivery's outcome (e.g. for progress).
 */
export async function replayInto(
  tracker: Tracker,
  lines: AsyncIterable<WebhookLine> | Iterable<WebhookLine>,
  onResult?: (result: IngestResult, line: WebhookLine) => void,
): Promise<ReplayResult> {
  const lineOfPosition = new Map<number, number>();
  let count = 0;
  let latestUs: number | null = null;
  for await (const item of lines) {
    const result = await tracker.ingest(item.body, item.receivedAt === undefined ? {} : { receivedAt: item.receivedAt });
    lineOfPosition.set(result.position, item.line);
    count++;
    onResult?.(result, item);
  }
  for (const record of tracker.store.read() as Iterable<{ kind: string; event?: { time: number | null } }>) {
    const time = record.kind === 'event' ? record.event!.time : null;
    if (time !== null && (latestUs === null || time > latestUs)) latestUs = time;
  }
  return { lines: count, lineOfPosition, latestEventMs: latestUs === null ? null : Math.floor(latestUs / 1000) };
}
