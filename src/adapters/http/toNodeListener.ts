/** Adapts a fetch-style handler to `node:http` (and Express, mounted before any body parser). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

export type FetchHandler = (request: Request) => Promise<Response>;

/** Node-style headers (`IncomingMessage.headers`, Fastify's) as Web `Headers`. */
export function headersFrom(record: Readonly<Record<string, string | string[] | undefined>>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

/**
 * The URL a handler sees for a request target: always on a fixed origin, so that routing depends
 * on the path alone, never on what a client put in the Host header. An absolute-form target
 * (`GET http://x/y`) keeps its path and query only.
 */
export function requestUrl(target: string | undefined): string {
  const raw = target ?? '/';
  if (raw.startsWith('/')) return `http://localhost${raw.startsWith('//') ? raw.replace(/^\/+/, '/') : raw}`;
  try {
    const absolute = new URL(raw);
    return `http://localhost${absolute.pathname}${absolute.search}`;
  } catch {
    return 'http://localhost/';
  }
}

/** Bytes of an unread request body drained after answering (413) before the connection is closed anyway. */
const DRAIN_LIMIT = 1024 * 1024;

export function toNodeListener(handle: FetchHandler): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      let request: Request;
      try {
        const headers = headersFrom(req.headers);
        const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
        request = new Request(requestUrl(req.url), {
          method: req.method ?? 'GET',
          headers,
          ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
        } as RequestInit);
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad request"}');
        return;
      }
      const response = await handle(request);
      if (response.headers.get('connection') === 'close' && !req.complete) {
        // The body was not read (413): read a bounded amount of it, so the client sees the answer
        // rather than a reset, then close; the connection is never reused for another request.
        let drained = 0;
        req.on('data', (chunk: Buffer) => {
          drained += chunk.length;
          if (drained > DRAIN_LIMIT) req.socket.destroy();
        });
        req.resume();
        res.on('finish', () => req.socket.destroySoon());
      }
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body === null) {
        res.end();
        return;
      }
      const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
      res.on('close', () => body.destroy());
      body.on('error', () => res.destroy());
      body.pipe(res);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"internal error"}');
    });
  };
}
