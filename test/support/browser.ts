/** A real headless Chromium for the browser tests (Debian's package, driven by playwright-core). */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Chromium is: `MLUVII_STATE_CHROMIUM`, or Debian's path. `.ci/run` installs it when missing. */
export const CHROMIUM = [process.env.MLUVII_STATE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => path !== undefined && existsSync(path));

export const launch = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
