/**
 * What a journal record's payload holds (the framing is journalFormat.ts): a one-line JSON
 * header, then for events (and conflicting re-deliveries) a newline and the body text as
 * delivered, unescaped. Header fields: `k` kind, `p` position, `r` receivedAt, `s` source, `st`
 * the stream (events and re-deliveries; absent in records written before it was kept, then read
 * from the body); dead letters: `raw`, `e` error; re-deliveries: `o` original position, `i`
 * identity, `c` whether a conflicting body follows.
 */
import { normalizeTrustedText } from '../catalogue/parseWebhook.js';
import type { ParseError, StreamId } from '../types.js';
import { decodeRawBody, encodeRawBody, type EncodedRawBody } from './rawBody.js';
import type { StoreRecord } from './records.js';

export type Header =
  | { k: 'e'; p: number; r: number; s: string | null; st?: StreamId }
  | { k: 'd'; p: number; r: number; s: string | null; raw: EncodedRawBody; e: ParseError }
  | { k: 'r'; p: number; r: number; s: string | null; o: number; i: string; c: boolean; st?: StreamId | null };

/** A record's payload text. `body`: the delivered body text of an event or a conflicting re-delivery. */
export function payloadOf(record: StoreRecord, body: string | null): string {
  switch (record.kind) {
    case 'event':
      if (body === null) throw new Error('a journal needs the body text of every event');
      return `${JSON.stringify({ k: 'e', p: record.position, r: record.receivedAt, s: record.source, st: record.event.stream })}\n${body}`;
    case 'dead-letter':
      return JSON.stringify({ k: 'd', p: record.position, r: record.receivedAt, s: record.source, raw: encodeRawBody(record.raw), e: record.error });
    case 'redelivery': {
      const conflicting = record.conflicting !== null && body !== null;
      const header = { k: 'r', p: record.position, r: record.receivedAt, s: record.source, o: record.originalPosition, i: record.identity, c: conflicting, st: record.stream ?? null };
      return conflicting ? `${JSON.stringify(header)}\n${body}` : JSON.stringify(header);
    }
  }
}

/** A payload's header, parsed from its bytes alone, and where its body starts in them (-1: none). */
export function headerOfBytes(payload: Buffer): { header: Header; bodyAt: number } {
  const newline = payload.indexOf(10);
  const header = JSON.parse(payload.toString('utf8', 0, newline === -1 ? payload.length : newline)) as Header;
  return { header, bodyAt: newline === -1 ? -1 : newline + 1 };
}

/** The body text of a payload whose body starts at `bodyAt` (-1: it has none). */
export const bodyOf = (payload: Buffer, bodyAt: number): string | null => (bodyAt < 0 ? null : payload.toString('utf8', bodyAt));

/**
 * The stream a header names; records written before headers named it are read from their body.
 * The body is decoded only then (a start passes over most records reading their header alone).
 */
export function streamOfHeader(header: Header, payload: Buffer, bodyAt: number): StreamId | null {
  if (header.k === 'd') return null;
  if (header.st !== undefined) return header.st;
  const text = header.k === 'e' || header.c ? bodyOf(payload, bodyAt) : null;
  return text === null ? null : normalizeTrustedText(text).stream;
}

/** The record of a parsed header and its body text. */
export function recordFrom(header: Header, body: string | null): StoreRecord {
  switch (header.k) {
    case 'e': return { kind: 'event', position: header.p, receivedAt: header.r, source: header.s, event: normalizeTrustedText(body!) };
    case 'd': return { kind: 'dead-letter', position: header.p, receivedAt: header.r, source: header.s, raw: decodeRawBody(header.raw), error: header.e };
    case 'r': return {
      kind: 'redelivery', position: header.p, receivedAt: header.r, source: header.s, originalPosition: header.o, identity: header.i,
      conflicting: header.c ? normalizeTrustedText(body!) : null, ...(header.st === undefined ? {} : { stream: header.st }),
    };
  }
}
