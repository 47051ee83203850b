import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });

describe('the built package', () => {
  beforeAll(() => {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  });

  it('is importable by name and parses a webhook', () => {
    const out = node(['--input-type=module', '-e', `
      import { parseWebhook } from 'mluvii-state';
      const r = parseWebhook('{"eventType":"SessionCreated","data":{"id":1,"tenantId":62,"channel":"Chat","source":"Default"}}');
      console.log(r.ok && r.event.stream);`]);
    expect(out.trim()).toBe('session:1');
  });

  it('packs the build of the library (not the bench), the README, the LICENSE and the docs', () => {
    const [info] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as [{ files: { path: string }[] }];
    const files = info.files.map((f) => f.path);
    for (const expected of ['package.json', 'README.md', 'LICENSE', 'docs/operations.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/machines/index.js', 'dist/src/adapters/http/fastifyPlugin.d.ts']) {
      expect(files).toContain(expected);
    }
    expect(files.filter((f) => /^(dist\/bench|bench|test|src|examples|scripts)\//.test(f))).toEqual([]);
  });

  it('typechecks for a consumer with skipLibCheck false, from the packed tarball, PostgreSQL store included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mluvii-consumer-'));
    const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1)!;
    execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir]);
    const modules = join(dir, 'consumer', 'node_modules');
    mkdirSync(modules, { recursive: true });
    renameSync(join(dir, 'package'), join(modules, 'mluvii-state'));
    // What an install would put beside it (linked from this checkout): everything but this
    // package's own development dependencies, so a public type that needs one of them fails here.
    // The consumer brings its own @types/node.
    const devOnly = new Set(Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies));
    devOnly.delete('@types/node');
    const link = (name: string) => { if (!devOnly.has(name)) symlinkSync(join(root, 'node_modules', name), join(modules, name)); };
    for (const name of readdirSync(join(root, 'node_modules'))) {
      if (name === '.bin' || name === 'mluvii-state' || name.startsWith('.')) continue;
      if (!name.startsWith('@')) link(name);
      else {
        mkdirSync(join(modules, name));
        for (const scoped of readdirSync(join(root, 'node_modules', name))) link(`${name}/${scoped}`);
      }
    }
    writeFileSync(join(dir, 'consumer', 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
    writeFileSync(join(dir, 'consumer', 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', skipLibCheck: false, noEmit: true, types: ['node'] },
      files: ['index.ts'],
    }));
    writeFileSync(join(dir, 'consumer', 'index.ts'), `
      import { createJournalStore, createPostgresStore, createReceiver, createTracker, type SessionView } from 'mluvii-state';
      import { sessionMachine } from 'mluvii-state/machines';
      const shared = createTracker({ store: await createPostgresStore({ url: 'postgresql://localhost/x' }) });
      const local = createTracker({ store: await createJournalStore({ path: 'journal' }) });
      const view: SessionView | null = local.session(1);
      createReceiver({ tracker: shared, insecureNoAuth: true });
      console.log(view?.status, sessionMachine.id);
    `);
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'consumer')], { encoding: 'utf8' });
  });

  it('has a CLI that answers --version and --help, runnable as `npx mluvii-state` from the checkout', () => {
    const version = JSON.parse(node(['-p', 'JSON.stringify(require("./package.json").version)']));
    expect(execFileSync('npx', ['--no-install', 'mluvii-state', '--version'], { cwd: root, encoding: 'utf8' }).trim()).toBe(version);
    expect(node(['dist/src/cli/main.js', '--version']).trim()).toBe(version);
    expect(node(['dist/src/cli/main.js', '--help'])).toContain('Usage: mluvii-state');
  });
});
