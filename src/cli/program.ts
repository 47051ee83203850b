import { readFileSync } from 'node:fs';
import { Command } from 'commander';

/** The package version, read from package.json so there is one source of truth. */
export function packageVersion(): string {
  const url = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/** Builds the CLI program; exported so tests can run it in-process. */
export function createProgram(): Command {
  return new Command('mluvii-state')
    .description('Turn mluvii webhooks into an event-sourced picture of sessions, operators and e-mail threads.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError();
}
