/**
 * Reads stored webhook captures: newline-delimited bodies, line order = arrival order. A line may
 * also be an envelope `{"receivedAt": "<ISO>", "body": <webhook body or string>}`. Gzip input is
 * recognised by its magic bytes, whatever the file is called. Blank lines are skipped.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface WebhookLine {
  /** 1-based line number in the input. */
  readonly line: number;
  /**
   * The webhook body: the line itself (text, or its bytes when they are not UTF-8, which the
   * tracker dead-letters as `invalid-utf8`), or an envelope's `body`. Null for a line over the
   * length limit, which is skipped (see `oversizeBytes`).
   */
  readonly body: unknown;
  /** An envelope's `receivedAt`, if any. */
  readonly receivedAt?: string;
  /** For a line longer than `maxLineBytes`: its length in bytes. It was not held in memory. */
  readonly oversizeBytes?: number;
}

export interface ReadLinesOptions {
  /** Called with the byte count of each chunk read (for progress). */
  readonly onBytes?: (bytes: number) => void;
  /**
   * Longest line kept, in bytes (default 16 MiB; the receiver's body limit is 1 MiB). A longer
   * line is skipped as it streams past, never held whole: a 600 MB line costs no memory.
   */
  readonly maxLineBytes?: number;
}

const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const GZIP_MAGIC = [0x1f, 0x8b];

/** Peeks at the first bytes and gunzips when they are gzip's. */
async function maybeGunzip(input: Readable): Promise<Readable> {
  const iterator = input[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head: Buffer = first.done === true ? Buffer.alloc(0) : Buffer.from(first.value as Buffer);
  const rest = Readable.from((async function* () {
    if (head.length > 0) yield head;
    for (let chunk = await iterator.next(); chunk.done !== true; chunk = await iterator.next()) yield chunk.value as Buffer;
  })());
  return head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1] ? rest.pipe(createGunzip()) : rest;
}

/** Splits an envelope line; anything else (including text that is not JSON) is the body itself. */
export function unwrapLine(text: string, line: number): WebhookLine {
  if (text.startsWith('{"receivedAt"') || text.includes('"body"')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      if (parsed !== null && typeof parsed === 'object' && 'body' in parsed && !('eventType' in parsed)) {
        const receivedAt = typeof parsed.receivedAt === 'string' ? parsed.receivedAt : undefined;
        return receivedAt === undefined ? { line, body: parsed.body } : { line, body: parsed.body, receivedAt };
      }
    } catch {
      // Not JSON: the tracker will dead-letter it with the parse error.
    }
  }
  return { line, body: text };
}

/** A line's bytes as a webhook line: text (unwrapped if an envelope), or the bytes when not UTF-8. */
function toWebhookLine(bytes: Buffer, line: number): WebhookLine | null {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { line, body: bytes };
  }
  if (text.endsWith('\r')) text = text.slice(0, -1);
  return text.trim() === '' ? null : unwrapLine(text, line);
}

/**
 * Lines of a capture file, or of standard input for `-`. Blank lines are skipped.
 * Rejects (before yielding anything) when the file cannot be opened.
 */
export async function* readWebhookLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<WebhookLine> {
  const raw = path === '-' ? process.stdin : createReadStream(path);
  if (path !== '-') {
    await new Promise<void>((resolve, reject) => {
      raw.once('open', () => resolve());
      raw.once('error', reject);
    });
  }
  if (options.onBytes !== undefined) raw.on('data', (chunk: Buffer | string) => options.onBytes!(chunk.length));
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const input = await maybeGunzip(raw);
  let line = 1;
  let parts: Buffer[] = [];
  let held = 0;
  /** Bytes of the current line so far, once it is over the limit (then nothing is held). */
  let oversize = 0;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let from = 0;
    for (let newline = chunk.indexOf(0x0a); ; newline = chunk.indexOf(0x0a, from)) {
      const end = newline < 0 ? chunk.length : newline;
      if (oversize > 0) oversize += end - from;
      else if (held + end - from > maxLineBytes) {
        oversize = held + end - from;
        parts = [];
        held = 0;
      } else if (end > from) {
        parts.push(chunk.subarray(from, end));
        held += end - from;
      }
      if (newline < 0) break;
      if (oversize > 0) yield { line, body: null, oversizeBytes: oversize };
      else {
        const item = toWebhookLine(parts.length === 1 ? parts[0]! : Buffer.concat(parts), line);
        if (item !== null) yield item;
      }
      parts = [];
      held = 0;
      oversize = 0;
      line++;
      from = newline + 1;
    }
  }
  if (oversize > 0) yield { line, body: null, oversizeBytes: oversize };
  else if (held > 0) {
    const item = toWebhookLine(Buffer.concat(parts), line);
    if (item !== null) yield item;
  }
}
