/**
 * `npm run load`: the service under load on loopback, then killed and restarted mid-load.
 *
 * 1. `mluvii-state serve` with a journal (fsync every append) is driven by autocannon with a
 *    generated stream (duplicates and reorderings mixed in) for --seconds: requests/s, p50/p99.
 * 2. The same load with 100 `/events` clients that read, then with 100 that never read: requests/s
 *    beside the steady figure, the server's RSS before and after, and how many stalled clients it
 *    dropped (their queues are bounded).
 * 3. Again, and the server is killed with SIGKILL halfway; it is restarted on the same journal.
 *    Every acknowledged (200) delivery must be in the journal at the position it was given, with
 *    the content of the body that was sent, and the restarted service's views must equal a
 *    tracker re-folded from the journal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createTracker, generateStream, getIdentity, createJournalStore, parseWebhook, sameContent } from '../src/index.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' } } });
const seconds = Number(values.seconds);
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mluvii-load-'));
const journal = join(dir, 'load.journal');
const env = { PATH: process.env.PATH, MLUVII_STATE_WEBHOOK_USER: 'mluvii', MLUVII_STATE_WEBHOOK_PASSWORD: 'load', MLUVII_STATE_READ_TOKEN: 'read' };
const AUTH = `Basic ${Buffer.from('mluvii:load').toString('base64')}`;
const { lines } = generateStream({ seed: 12, sessions: 4000, anomalies: 0.06 });

function start(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--store', journal], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve) => child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const match = /"port":(\d+)/.exec(out);
    if (match !== null) { out = ''; resolve({ child, port: Number(match[1]) }); }
  }));
}

/** position -> index of the line acknowledged at it */
const acknowledged = new Map<number, number>();
let next = 0;
function run(port: number, duration: number) {
  return autocannon({
    url: `http://127.0.0.1:${port}`, connections: Number(values.connections), duration,
    requests: [{
      method: 'POST', path: '/webhooks/mluvii', headers: { authorization: AUTH, 'content-type': 'application/json' },
      // One request in flight per connection, so the connection's context knows which line it sent.
      setupRequest: (request, context) => {
        const line = ((context as { line?: number }).line = next++ % lines.length);
        return { ...request, body: lines[line]! };
      },
      onResponse: (status, body, context) => {
        if (status === 200) acknowledged.set((JSON.parse(body) as { position: number }).position, (context as { line: number }).line);
      },
    }],
  });
}

const report = (label: string, r: autocannon.Result) =>
  console.log(`${label.padEnd(28)} ${Math.round(r.requests.average).toLocaleString('en').padStart(7)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  2xx ${r['2xx']}  non-2xx ${r.non2xx}  errors ${r.errors}`);

/** Opens `count` `/events` clients; those that do not read pause their sockets after the request. */
async function eventClients(port: number, count: number, reading: boolean): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET /events HTTP/1.1\r\nhost: x\r\nauthorization: Bearer read\r\n\r\n');
    if (reading) socket.resume();
    else socket.pause();
    sockets.push(socket);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  return sockets;
}
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

let server = await start();
report('steady load', await run(server.port, seconds));

const readers = await eventClients(server.port, 100, true);
report('with 100 /events readers', await run(server.port, seconds));
for (const socket of readers) socket.destroy();
const before = rssMiB(server.child.pid!);
const stalled = await eventClients(server.port, 100, false);
report('with 100 stalled /events', await run(server.port, seconds));
const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { authorization: 'Bearer read' } })).text();
console.log(`100 stalled /events clients: RSS ${before.toFixed(0)} -> ${rssMiB(server.child.pid!).toFixed(0)} MiB, dropped ${/clients_dropped_total (\d+)/.exec(metrics)?.[1]}`);
for (const socket of stalled) socket.destroy();
// The steady figure again: the machine and the journal's growth drift between phases.
report('steady load again', await run(server.port, seconds));

const load = run(server.port, seconds);
setTimeout(() => server.child.kill('SIGKILL'), (seconds * 1000) / 2);
report('killed halfway (SIGKILL)', await load);
server = await start();

// Every acknowledged delivery is in the journal, at its position, with the content that was sent.
const store = await createJournalStore({ path: journal });
const records = new Map(store.read().map((r) => [r.position, r]));
let missing = 0;
let mismatched = 0;
for (const [position, line] of acknowledged) {
  const record = records.get(position);
  const sent = parseWebhook(lines[line]!);
  if (record === undefined) missing++;
  else if (!sent.ok) mismatched += record.kind === 'dead-letter' ? 0 : 1;
  else if (record.kind === 'event' ? !sameContent(record.event, sent.event) : record.kind === 'redelivery' ? record.identity !== getIdentity(sent.event) : true) mismatched++;
}
const rebuilt = createTracker({ store, clock: () => 0 });
const views: unknown[] = [];
for (let cursor: string | null = ''; cursor !== null;) {
  const page = await (await fetch(`http://127.0.0.1:${server.port}/sessions?limit=1000${cursor === '' ? '' : `&cursor=${cursor}`}`, { headers: { authorization: 'Bearer read' } })).json() as { items: unknown[]; nextCursor: string | null };
  views.push(...page.items);
  cursor = page.nextCursor;
}
const same = JSON.stringify(views) === JSON.stringify(rebuilt.sessions());
console.log(`after restart: ${acknowledged.size} acknowledged deliveries, ${missing} missing, ${mismatched} with other content; journal holds ${records.size}; views after restart ${same ? 'equal' : 'DIFFER from'} a re-fold of the journal`);
await store.close();
server.child.kill('SIGTERM');
await new Promise((resolve) => server.child.once('exit', resolve));
rmSync(dir, { recursive: true, force: true });
if (missing > 0 || mismatched > 0 || !same) process.exitCode = 1;
