/** The PostgreSQL log's rows as store records. */
import { normalizeTrustedText } from '../catalogue/parseWebhook.js';
import type { ParseError } from '../types.js';
import type { StoreRecord } from './eventStore.js';
import { decodeRawBody, type EncodedRawBody } from './rawBody.js';

/** The event a stored body stands for (validated when appended; rows are not re-validated). */
export const eventOf = (body: string) => normalizeTrustedText(body);

export interface Row {
  position: string; tx_text: string; kind: StoreRecord['kind']; received_at: Date; source: string | null; stream_id: string | null;
  body: string | null; identity: string | null; original_position: string | null; error: ParseError | null; raw: EncodedRawBody | null;
}

export function toRecord(row: Row): StoreRecord {
  const base = { position: Number(row.position), receivedAt: row.received_at.getTime(), source: row.source };
  switch (row.kind) {
    case 'event': return { kind: 'event', ...base, event: eventOf(row.body!) };
    case 'dead-letter': return { kind: 'dead-letter', ...base, raw: decodeRawBody(row.raw!), error: row.error! };
    case 'redelivery': return {
      kind: 'redelivery', ...base, originalPosition: Number(row.original_position), identity: row.identity!,
      conflicting: row.body === null ? null : eventOf(row.body), stream: row.stream_id,
    };
  }
}

