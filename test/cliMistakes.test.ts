import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateStream } from 'mluvii-state';
import { createProgram } from '../src/cli/program.js';
import { readWebhookLines } from '../src/replay/readWebhookLines.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mluvii-cli-mistakes-'));
const SAMPLE = join(root, 'examples/data/sample-day.ndjson');
const { lines } = generateStream({ seed: 2, sessions: 20 });

/** Runs the CLI in-process, as main.ts does (commander errors end as exit 2). */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  process.exitCode = 0;
  try {
    await createProgram({ out: (t) => { out += t; }, err: (t) => { err += t; }, isTTY: false }).parseAsync(['node', 'mluvii-state', ...args]);
  } catch (error) {
    process.exitCode = (error as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, out, err };
}

/** One line on stderr, no stack trace. */
const oneLine = (err: string) => {
  expect(err.trim().split('\n')).toHaveLength(1);
  expect(err).not.toMatch(/\n\s+at /);
};

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });

describe('user mistakes get one line and a documented exit code', () => {
  it.each([['99999'], ['abc'], ['-1']])('serve --port %s', async (port) => {
    const { code, err } = await cli('serve', '--port', port, '--insecure-no-auth');
    expect(code).toBe(2);
    oneLine(err);
    expect(err).toContain('from 0 to 65535');
  });

  it('report on a missing capture, or into a missing directory; --retain that is not a duration', async () => {
    const missing = await cli('report', join(dir, 'no-such.ndjson'), '--out', join(dir, 'r.html'));
    expect(missing.code).toBe(2);
    oneLine(missing.err);
    expect(missing.err).toContain('cannot read');
    const nowhere = await cli('report', SAMPLE, '--out', join(dir, 'no-such-dir', 'r.html'));
    expect(nowhere.code).toBe(2);
    oneLine(nowhere.err);
    expect(nowhere.err).toContain('cannot write');
    for (const command of ['replay', 'serve']) {
      const args = command === 'replay' ? ['replay', SAMPLE, '--retain', 'soon'] : ['serve', '--insecure-no-auth', '--retain', 'soon'];
      const { code, err } = await cli(...args);
      expect(code, command).toBe(2);
      oneLine(err);
      expect(err).toContain('is not a duration');
    }
  });

  it('serve on a port already in use', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    const port = (taken.address() as { port: number }).port;
    const result = run(['serve', '--port', String(port), '--insecure-no-auth']);
    taken.close();
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('serve with blank credentials refuses to start', async () => {
    const result = run(['serve', '--port', '0'], { MLUVII_STATE_WEBHOOK_USER: '', MLUVII_STATE_WEBHOOK_PASSWORD: '', MLUVII_STATE_READ_TOKEN: 'r' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('MLUVII_STATE_WEBHOOK_USER is empty');
  });

  it('generate --out into a missing directory, or onto a directory', async () => {
    for (const [out, says] of [[join(dir, 'no/such/dir/x.ndjson'), 'does not exist'], [dir, 'is a directory']] as const) {
      const { code, err } = await cli('generate', '--sessions', '2', '--out', out);
      expect(code).toBe(2);
      oneLine(err);
      expect(err).toContain(says);
    }
  });

  it('output piped into a reader that stops (EPIPE) ends quietly', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'generate', '--sessions', '3000'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(err).toBe('');
  });

  it('a line over the length limit is skipped as it streams past, and the valid line before it is kept', async () => {
    const big = join(dir, 'big-line.ndjson');
    const file = createWriteStream(big);
    file.write(`${lines[0]}\n`);
    file.write('{"eventType":"SessionCreated","data":{"pad":"');
    for (let i = 0; i < 17; i++) file.write('x'.repeat(1024 * 1024));
    file.write(`"}}\n${lines[1]}\n`);
    await new Promise((resolve) => file.end(resolve));
    const { code, out, err } = await cli('replay', big, '--json');
    expect(code).toBe(0);
    expect(err).toContain('line 2 of');
    expect(err).toContain('over the limit of a webhook line; skipped');
    expect(JSON.parse(out).summary.events.read).toBe(2);
  });

  it('reads lines without holding an oversize one (the limit is checked as bytes arrive)', async () => {
    const path = join(dir, 'lines.ndjson');
    writeFileSync(path, `a\n${'b'.repeat(5000)}\n\nc`);
    const seen = [];
    for await (const item of readWebhookLines(path, { maxLineBytes: 100 })) seen.push([item.line, item.body, item.oversizeBytes]);
    expect(seen).toEqual([[1, 'a', undefined], [2, null, 5000], [4, 'c', undefined]]);
  });

  it('a binary file: invalid-utf8, and no raw control bytes on the terminal', async () => {
    const binary = join(dir, 'binary.dat');
    writeFileSync(binary, Buffer.from([0x7b, 0xff, 0xfe, 0x01, 0x1b, 0x5b, 0x32, 0x4a, 0x0a, 0x00, 0x07, 0x1b, 0x0a]));
    const table = await cli('replay', binary);
    expect(table.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(table.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    const doc = JSON.parse((await cli('replay', binary, '--json')).out);
    expect(doc.anomalies.map((a: { error: { code: string } }) => a.error.code)).toContain('invalid-utf8');
  });

  it('a pretty-printed JSON array gets a hint that input is one body per line, and nothing is stored', async () => {
    const array = join(dir, 'array.json');
    writeFileSync(array, JSON.stringify(lines.slice(0, 3).map((l) => JSON.parse(l)), null, 2));
    const journal = join(dir, 'array.journal');
    const { code, err } = await cli('replay', array, '--store', journal);
    expect(code).toBe(2);
    oneLine(err);
    expect(err).toContain('one webhook body per line');
    expect(existsSync(journal)).toBe(false);
  });

  it('inspect exits 1 for an entity not in the input, in table and --json modes alike', async () => {
    expect((await cli('inspect', SAMPLE, '--session', '1')).code).toBe(1);
    expect((await cli('inspect', SAMPLE, '--session', '1', '--json')).code).toBe(1);
  });

  it('rebuild on a capture or a missing path: an error, and the file is untouched', async () => {
    const victim = join(dir, 'victim.ndjson');
    writeFileSync(victim, `${lines.join('\n')}\n`);
    const before = readFileSync(victim);
    const onCapture = await cli('rebuild', '--store', victim);
    expect(onCapture.code).toBe(2);
    expect(onCapture.err).toContain('is not a mluvii-state journal');
    expect(readFileSync(victim)).toEqual(before);
    const missing = join(dir, 'missing.journal');
    expect((await cli('rebuild', '--store', missing)).code).toBe(2);
    expect((await cli('inspect', victim, '--session', '1', '--store', missing)).code).toBe(2);
    expect(existsSync(missing)).toBe(false);
  });

  it('a PostgreSQL password never appears in what a command says', async () => {
    const { code, err } = await cli('replay', SAMPLE, '--store', 'postgresql://user:supersecret@127.0.0.1:1/db');
    expect(code).toBe(2);
    expect(err).toContain('postgresql://user:***@127.0.0.1:1/db');
    expect(err).not.toContain('supersecret');
  });

  it('journal verify exits 1 on damage and 0 once repaired', async () => {
    const journal = join(dir, 'verify.journal');
    expect((await cli('replay', SAMPLE, '--store', journal)).code).toBe(0);
    expect((await cli('journal', 'verify', '--store', journal)).code).toBe(0);
    const bytes = readFileSync(journal);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(journal, bytes);
    const damaged = await cli('rebuild', '--store', journal);
    expect(damaged.code).toBe(2);
    expect(damaged.err).toContain('journal repair --store');
    expect((await cli('journal', 'verify', '--store', journal)).code).toBe(1);
    expect((await cli('journal', 'repair', '--store', journal)).code).toBe(0);
    expect((await cli('journal', 'verify', '--store', journal)).code).toBe(0);
    expect((await cli('rebuild', '--store', journal)).code).toBe(0);
    expect((await cli('journal', 'fix', '--store', journal)).code).toBe(2);
  });

  it('an unknown option: commander says so in one line plus a hint, exit 2', async () => {
    const { code, err } = await cli('replay', SAMPLE, '--bogus');
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(2);
  });
});
