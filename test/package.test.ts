import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });

describe('the built package', () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root });
  });

  it('is importable by name and parses a webhook', () => {
    const out = node(['--input-type=module', '-e', `
      import { parseWebhook } from 'mluvii-state';
      const r = parseWebhook('{"eventType":"SessionCreated","data":{"id":1,"tenantId":62,"channel":"Chat","source":"Default"}}');
      console.log(r.ok && r.event.stream);`]);
    expect(out.trim()).toBe('session:1');
  });

  it('has a CLI that answers --version and --help', () => {
    const version = JSON.parse(node(['-p', 'JSON.stringify(require("./package.json").version)']));
    expect(node(['dist/src/cli/main.js', '--version']).trim()).toBe(version);
    expect(node(['dist/src/cli/main.js', '--help'])).toContain('Usage: mluvii-state');
  });
});
