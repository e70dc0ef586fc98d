// Runs the browser scenarios (all `*.test.mjs` here, or the files named) one after the other with
// Node's test runner, every one on a single shared chromium (a browser server), so CI starts the
// browser once. Exits non-zero when a scenario fails.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchBrowserServer } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const named = process.argv.slice(2);
const files = named.length
  ? named
  : fs.readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => path.join(here, f));

const server = await launchBrowserServer();
let code = 1;
try {
  code = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
      stdio: 'inherit',
      env: { ...process.env, REKAM_BROWSER_WS: server.wsEndpoint() },
    });
    child.on('error', reject);
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
} finally {
  await server.close();
}
process.exit(code);
