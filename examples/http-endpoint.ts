/**
 * Example: the tracker behind a plain `node:http` webhook endpoint.
 *
 *   npx tsx examples/http-endpoint.ts            # listens on 127.0.0.1:8080
 *   curl -XPOST localhost:8080/webhooks/mluvii -d @test/fixtures/vendor/SessionStarted.json
 *   curl localhost:8080/sessions/7371450
 *
 * mluvii deletes a webhook that keeps failing, so every authenticated body is answered 2xx, bad
 * ones included: the tracker keeps them as dead letters. (The production receiver with auth,
 * limits and metrics is `mluvii-state serve`; this shows the embedding.)
 */
import { createServer, type Server } from 'node:http';
import { createTracker, type Tracker } from 'mluvii-state';

export function createWebhookServer(tracker: Tracker = createTracker()): Server {
  return createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (request.method === 'POST' && url.pathname === '/webhooks/mluvii') {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const result = await tracker.ingest(Buffer.concat(chunks));
      return send(200, { outcome: result.outcome, anomalies: result.raised.map((a) => a.kind) });
    }
    const session = /^\/sessions\/(\d+)$/.exec(url.pathname);
    if (request.method === 'GET' && session !== null) {
      const view = tracker.session(Number(session[1]));
      return view === null ? send(404, { error: 'no such session' }) : send(200, view);
    }
    if (request.method === 'GET' && url.pathname === '/anomalies') return send(200, tracker.anomalies());
    return send(404, { error: 'not found' });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 8080);
  createWebhookServer().listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
}
