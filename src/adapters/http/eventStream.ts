/**
 * The `/events` Server-Sent Events stream. Notices are queued and written out every
 * {@link FLUSH_MS} ms, one chunk for all clients, so a webhook's ingest never waits on them and
 * a hundred clients cost a hundred writes per flush, not per notice. A client
 * that stops reading is dropped once what is queued for it passes a bound, so a stalled reader
 * cannot hold memory; the number of clients is capped.
 */
import type { TrackerNotice } from '../../tracker/createTracker.js';

export interface EventStreamOptions {
  /** Bytes queued for one client beyond which it is dropped. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  /** Clients at once; more are answered 503. Default 100. */
  readonly maxClients?: number;
}

export interface EventStreamHub {
  /** A response streaming notices to a new client, or a 503 when there are too many. */
  open(): Response;
  publish(notice: TrackerNotice): void;
  /** Clients connected now. */
  readonly clients: number;
  /** Clients dropped for not reading. */
  readonly dropped: number;
  /** Ends every stream. */
  close(): void;
}

/** How often queued notices are written out: late enough to batch a burst, soon enough to look live. */
const FLUSH_MS = 25;

/** Bytes a client may have queued before its stream reports back-pressure. */
const HIGH_WATER = 64 * 1024;

export function createEventStreamHub(options: EventStreamOptions = {}): EventStreamHub {
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  const maxClients = options.maxClients ?? 100;
  const clients = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();
  let queued: TrackerNotice[] = [];
  let dropped = 0;

  function flush(): void {
    const notices = queued;
    queued = [];
    if (clients.size === 0) return;
    const chunk = encoder.encode(notices.map((notice) => `event: ${notice.type}\ndata: ${JSON.stringify(notice)}\n\n`).join(''));
    for (const client of clients) {
      // desiredSize is the high-water mark less what is queued: below this, the client is not reading.
      if ((client.desiredSize ?? 0) < HIGH_WATER - maxBuffered) {
        clients.delete(client);
        dropped++;
        client.error(new Error('event stream client too slow: dropped'));
        continue;
      }
      client.enqueue(chunk);
    }
  }

  return {
    get clients() { return clients.size; },
    get dropped() { return dropped; },
    open() {
      if (clients.size >= maxClients) {
        return new Response(JSON.stringify({ error: `at most ${maxClients} event stream clients` }), { status: 503, headers: { 'content-type': 'application/json', 'retry-after': '10' } });
      }
      let own: ReadableStreamDefaultController<Uint8Array>;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          own = controller;
          clients.add(controller);
          controller.enqueue(encoder.encode(': connected\n\n'));
        },
        cancel() { clients.delete(own); },
      }, new ByteLengthQueuingStrategy({ highWaterMark: HIGH_WATER }));
      return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
    },
    publish(notice) {
      if (clients.size === 0) return;
      if (queued.length === 0) setTimeout(flush, FLUSH_MS);
      queued.push(notice);
    },
    close() {
      for (const client of clients) client.close();
      clients.clear();
    },
  };
}
