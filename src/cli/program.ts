import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { runGenerate, type GenerateCommandOptions } from './generateCommand.js';
import { runServe, type ServeOptions } from './serveCommand.js';
import { runReport, type ReportCommandOptions } from './reportCommand.js';
import { runJournal, type JournalCommandOptions } from './journalCommand.js';
import { runRebuild, runReplay, type ReplayCommandOptions } from './replayCommand.js';
import { EXIT, type Output } from './output.js';

/**
 * The package version, read from package.json so there is one source of truth. Looked up from
 * this file upwards, which works from the sources (src/cli) and the build (dist/src/cli) alike.
 */
export function packageVersion(): string {
  for (let url = new URL('./package.json', import.meta.url); ; url = new URL('../package.json', url)) {
    try {
      const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'mluvii-state') return pkg.version;
    } catch {
      // Not here: keep walking up.
    }
    if (url.pathname === '/package.json') throw new Error('package.json of mluvii-state not found');
  }
}

const processOutput: Output = {
  out: (text) => { process.stdout.write(text); },
  err: (text) => { process.stderr.write(text); },
  isTTY: process.stderr.isTTY === true,
  stdout: process.stdout,
};

/**
 * Builds the CLI program. Commands set `process.exitCode`; tests pass their own `io` to capture
 * output in-process.
 */
export function createProgram(io: Output = processOutput): Command {
  const program = new Command('mluvii-state')
    .description('Turn mluvii webhooks into an event-sourced picture of sessions, operators and e-mail threads.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(mluvii-state <command> --help shows how to use it)')
    // Parse errors are thrown (CommanderError) rather than exiting, so main.ts maps them to the
    // documented exit code; what commander says goes through `io`.
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) });

  const entityOptions = (command: Command) => command
    .option('--json', 'print one JSON document instead of tables')
    .option('--now <iso>', 'the clock for `stalled` (default: the latest event time in the input)')
    .option('--session <id>', "show one session's view and timeline")
    .option('--operator <userId>', "show one operator's view and timeline")
    .option('--email <id>', "show one e-mail thread's view and timeline")
    .option('--store <location>', 'a journal file path (or postgres:// URL) to keep the events in')
    .option('--fsync <when>', 'with a journal --store: end (one fsync when the import ends, the default) or every append')
    .option('--retain <duration>', 'how long a finished session, e-mail thread or presence stays in memory after its last event (30m, 24h, 7d, never)', '24h');

  entityOptions(program.command('replay')
    .description('Replay stored webhooks (NDJSON, one body or {receivedAt, body} envelope per line; .gz read transparently; - for stdin) and print the picture.')
    .argument('<file>', 'capture file, or - for standard input'))
    .action(async (file: string, options: ReplayCommandOptions) => {
      process.exitCode = await runReplay(file, options, io);
    });

  entityOptions(program.command('inspect')
    .description('Like replay, for one entity: its view, its timeline and its anomalies.')
    .argument('<file>', 'capture file, or - for standard input'))
    .action(async (file: string, options: ReplayCommandOptions) => {
      if (options.session === undefined && options.operator === undefined && options.email === undefined) {
        io.err('mluvii-state: inspect needs --session, --operator or --email\n');
        process.exitCode = EXIT.usage;
        return;
      }
      process.exitCode = await runReplay(file, options, io, { createStore: false });
    });

  entityOptions(program.command('rebuild')
    .description('Re-fold from a store alone (--store) and print what replay printed when the events went in.'))
    .action(async (options: ReplayCommandOptions) => {
      process.exitCode = await runRebuild(options, io);
    });

  program.command('report')
    .description('Replay a capture and write one self-contained HTML report: KPIs, charts, the worst sessions with their timelines.')
    .argument('<file>', 'capture file, or - for standard input')
    .option('--out <file>', 'where to write the HTML', 'report.html')
    .option('--title <text>', 'the report\'s title')
    .action(async (file: string, options: ReportCommandOptions) => {
      process.exitCode = await runReport(file, options, io);
    });

  program.command('journal')
    .description('Check a journal file (verify: exit 1 when damaged) or repair one a start refuses (repair: damaged spans moved aside, every valid record kept).')
    .argument('<action>', 'verify or repair')
    .option('--store <path>', 'the journal file')
    .option('--json', 'print the report as JSON')
    .action((action: string, options: JournalCommandOptions) => {
      if (action !== 'verify' && action !== 'repair') {
        io.err(`mluvii-state: journal ${JSON.stringify(action)}: expected verify or repair\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      process.exitCode = runJournal(action, options, io);
    });

  program.command('generate')
    .description('Write a realistic synthetic webhook stream (NDJSON), deterministic from --seed.')
    .option('--seed <n>', 'random seed', '1')
    .option('--sessions <n>', 'number of sessions per day', '100')
    .option('--days <n>', 'consecutive days with the same daily profile', '1')
    .option('--email-threads <n>', 'number of e-mail threads per day (default sessions / 10)')
    .option('--operators <n>', 'number of operators (default max(5, sessions / 40))')
    .option('--anomalies <rate>', 'rate of injected drops, duplicates and reorderings (0 to 1)', '0')
    .option('--truth <file>', 'write what was injected to this JSON file')
    .option('--envelope', 'wrap each body as {"receivedAt", "body"}, like a stored capture')
    .addOption(new Option('--out <file>', 'write to a file instead of stdout (gzip if it ends in .gz)'))
    .action(async (options: GenerateCommandOptions) => {
      process.exitCode = await runGenerate(options, io);
    });

  program.command('serve')
    .description('Receive mluvii webhooks on POST /webhooks/mluvii and serve the picture over HTTP. Credentials from MLUVII_STATE_WEBHOOK_USER / _PASSWORD (or _TOKEN) and MLUVII_STATE_READ_TOKEN.')
    .option('--port <n>', 'port to listen on', '8080')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--store <location>', 'a journal file path or postgres:// URL (default: memory only)')
    .option('--insecure-no-auth', 'accept webhooks and reads without credentials (development only)')
    .option('--shutdown-grace <seconds>', 'on SIGTERM, how long requests in progress may take before their connections are closed', '10')
    .option('--snapshot-every <seconds>', 'with a journal --store: seconds between snapshots of the folded state (0: only at shutdown)', '300')
    .option('--retain <duration>', 'how long a finished session, e-mail thread or presence stays in memory after its last event (30m, 24h, 7d, never)', '24h')
    .action(async (options: ServeOptions) => {
      process.exitCode = await runServe(options, io);
    });

  return program;
}
