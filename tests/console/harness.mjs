// The browser tests' harness: a real `rekam serve --simulated` on a temporary data directory and
// a free loopback port, operators added with `rekam operators add`, Debian's chromium driven by
// playwright-core, and the checks every screen gets: a full-page screenshot under
// target/console-screenshots/, axe-core (no serious or critical violation), no request to
// anything but 127.0.0.1, no uncaught script error.
//
// One chromium serves every scenario when `REKAM_BROWSER_WS` names a running browser server
// (run.mjs starts one); a scenario file run alone (`node --test x.test.mjs`) launches its own.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '..', '..');
export const BIN = process.env.REKAM_BIN ?? path.join(REPO, 'target', 'debug', 'rekam');
export const SHOTS = path.join(REPO, 'target', 'console-screenshots');
export const CHROMIUM = process.env.REKAM_CHROMIUM ?? '/usr/bin/chromium';

// Flags for a closed network: nothing in the browser itself reaches out (field check, updates,
// sync, QUIC probes), so the only requests are the page's.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** The accounts every scenario has (added with `rekam operators add`). */
export const ACCOUNTS = {
  operator: { id: 'op.sari', name: 'Sari Wulandari', role: 'operator', password: 'kopi-tubruk-pagi-7' },
  supervisor: { id: 'sup.budi', name: 'Budi Santoso', role: 'supervisor', password: 'nasi-uduk-siang-3' },
  admin: { id: 'adm.rina', name: 'Rina Hartati', role: 'admin', password: 'es-teler-malam-9' },
};

const AXE_SOURCE = fs.readFileSync(
  path.join(here, 'node_modules', 'axe-core', 'axe.min.js'),
  'utf8',
);
/** The axe-core version that checks the screens. */
export const AXE_VERSION = JSON.parse(
  fs.readFileSync(path.join(here, 'node_modules', 'axe-core', 'package.json'), 'utf8'),
).version;

// --- the browser -------------------------------------------------------------------------------

/** Connects to the shared browser server, or launches chromium for this file alone. */
export async function openBrowser() {
  const ws = process.env.REKAM_BROWSER_WS;
  if (ws) {
    const browser = await chromium.connect(ws);
    return { browser, close: () => browser.close() };
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return { browser, close: () => browser.close() };
}

/** Starts a browser server for several scenario processes (run.mjs). */
export async function launchBrowserServer() {
  return chromium.launchServer({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

// --- the agent ---------------------------------------------------------------------------------

/** Runs `rekam` with `args`, writing `input` to its standard input; resolves to its stdout. */
export function rekam(args, input = '') {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`rekam ${args.join(' ')} exited ${code}: ${err.trim()}`));
    });
    child.stdin.end(input);
  });
}

/**
 * A `rekam serve --simulated` on a temporary data directory.
 *
 * Options: `realtime` (simulators wait like people; default false, fast), `console` (keys of a
 * `[console]` section, e.g. `{ idle_lock_minutes: 1 }`), `toml` (more configuration text),
 * `accounts: false` (no operators added).
 */
export class Agent {
  static async start(options = {}) {
    const a = new Agent(options);
    try {
      await a.#spawn('127.0.0.1:0');
      // Restarts keep the address, so the browser's pages and cookies stay valid.
      a.#writeConfig(a.addr);
      if (options.accounts !== false) {
        for (const who of Object.values(ACCOUNTS)) await a.addOperator(who);
      }
    } catch (e) {
      await a.close();
      throw e;
    }
    return a;
  }

  constructor(options) {
    this.options = options;
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'rekam-console-'));
    this.dataDir = path.join(this.root, 'data');
    this.configPath = path.join(this.root, 'rekam.toml');
    this.logPath = path.join(this.root, 'agent.log');
    this.#writeConfig('127.0.0.1:0');
  }

  #writeConfig(listen) {
    const o = this.options;
    let toml = `[agent]
listen = "${listen}"
data_dir = "${this.dataDir}"

[registry]
# Unless a scenario starts a registry simulator, nothing listens here: packets wait in the
# outbox (the uploader's tries stay on loopback).
url = "${o.registry ?? 'http://127.0.0.1:9'}"

[devices]
simulated = true
realtime = ${o.realtime ? 'true' : 'false'}
watch_interval_ms = 0
`;
    if (o.console) {
      toml += '\n[console]\n';
      for (const [k, v] of Object.entries(o.console)) toml += `${k} = ${JSON.stringify(v)}\n`;
    }
    if (o.toml) toml += `\n${o.toml}\n`;
    fs.writeFileSync(this.configPath, toml);
  }

  async #spawn(listen) {
    const log = fs.openSync(this.logPath, 'a');
    const child = spawn(BIN, ['serve', '--simulated', '--config', this.configPath], {
      stdio: ['ignore', 'pipe', log],
    });
    fs.closeSync(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const lines = readline.createInterface({ input: child.stdout });
    const first = await Promise.race([
      new Promise((resolve) => lines.once('line', resolve)),
      this.exited.then((e) => {
        throw new Error(`rekam serve (${listen}) exited ${JSON.stringify(e)}:\n${this.log()}`);
      }),
      deadline(30_000).then(() => {
        throw new Error(`rekam serve printed no address within 30 s:\n${this.log()}`);
      }),
    ]);
    // Later output (none is expected) must not fill the pipe.
    lines.on('line', () => {});
    const m = /http:\/\/(127\.0\.0\.1:\d+)/.exec(first);
    if (!m) throw new Error(`no address in rekam serve's first line: ${first}`);
    this.addr = m[1];
    this.url = `http://${m[1]}`;
    const health = await fetch(`${this.url}/v1/health`);
    if (!health.ok) throw new Error(`/v1/health answered ${health.status}`);
  }

  /** The daemon's process id (for its memory figures). */
  get pid() {
    return this.child.pid;
  }

  /** What the daemon logged so far (the last lines). */
  log(lines = 40) {
    try {
      return fs.readFileSync(this.logPath, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Adds an account with `rekam operators add ... --password-stdin`. */
  async addOperator({ id, name, role, password }) {
    await rekam(
      ['operators', 'add', '--id', id, '--name', name, '--role', role, '--password-stdin', '--config', this.configPath],
      `${password}\n`,
    );
  }

  /** Stops the daemon gracefully (SIGTERM; SIGKILL if it hangs). */
  async stop() {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const done = await Promise.race([this.exited, deadline(10_000).then(() => null)]);
    if (!done) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** Points the agent at the registry at `url` from its next start (`restart()`). */
  useRegistry(url) {
    this.options.registry = url;
    this.#writeConfig(this.addr);
  }

  /** Stops and starts the daemon again on the same data directory and address. */
  async restart() {
    await this.stop();
    await this.#spawn(this.addr);
  }

  /** Pulls the simulated fingerprint scanner's cable (see agent/src/devices/unplug.rs). */
  unplugFingerprint() {
    fs.writeFileSync(path.join(this.dataDir, 'sim-fingerprint-unplugged'), '');
  }

  /** Plugs the simulated fingerprint scanner back. */
  plugFingerprint() {
    fs.rmSync(path.join(this.dataDir, 'sim-fingerprint-unplugged'), { force: true });
  }

  /** Stops the daemon and removes its directory (kept when REKAM_KEEP is set). */
  async close() {
    await this.stop();
    if (!process.env.REKAM_KEEP) fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Like `sleep`, but does not keep the process alive (for timeouts raced against work). */
function deadline(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

// --- a scenario --------------------------------------------------------------------------------

/**
 * One scenario: a browser context on the agent, whose every page is watched (requests, script
 * errors) and whose screens are checked with `screen()`. `finish()` fails on anything found.
 */
export class Scenario {
  constructor(name, browser, agent) {
    this.name = name;
    this.browser = browser;
    this.agent = agent;
    this.shots = 0;
    this.requests = [];
    this.foreign = [];
    this.errors = [];
    this.violations = [];
    fs.mkdirSync(SHOTS, { recursive: true });
    for (const f of fs.readdirSync(SHOTS)) {
      if (f.startsWith(`${name}-`)) fs.rmSync(path.join(SHOTS, f));
    }
  }

  /** A new browser context (its own cookies), Indonesian-speaking, watched. */
  async context(options = {}) {
    const context = await this.browser.newContext({
      baseURL: this.agent.url,
      locale: 'id-ID',
      viewport: { width: 1280, height: 900 },
      ...options,
    });
    context.setDefaultTimeout(15_000);
    context.on('request', (r) => this.#request(r.url()));
    context.on('page', (p) => this.#watch(p));
    this.contexts = [...(this.contexts ?? []), context];
    return context;
  }

  /** A page in `context` (or a new context). */
  async page(context) {
    const c = context ?? (await this.context());
    const p = await c.newPage();
    return p;
  }

  #watch(page) {
    page.on('pageerror', (e) => this.errors.push(`${page.url()}: ${e.message}`));
    page.on('websocket', (ws) => this.#request(ws.url()));
  }

  #request(url) {
    this.requests.push(url);
    let u;
    try {
      u = new URL(url);
    } catch {
      this.foreign.push(url);
      return;
    }
    if (u.protocol === 'data:' || u.protocol === 'blob:' || url === 'about:blank') return;
    if (u.hostname !== '127.0.0.1') this.foreign.push(url);
  }

  /**
   * Waits for the screen `name` (`<main data-screen="name">`), saves a full-page screenshot and
   * runs axe-core on it.
   */
  async screen(page, name) {
    await page.locator(`main[data-screen="${name}"]`).waitFor({ state: 'visible' });
    await this.check(page, name);
  }

  /** Screenshot and axe-core on whatever `page` shows now, saved as `label`. */
  async check(page, label) {
    this.shots += 1;
    const file = `${this.name}-${String(this.shots).padStart(2, '0')}-${label}.png`;
    // Pictures (the card, the photo) are in the screenshot: wait for them, but not for the live
    // MJPEG streams, which never finish loading.
    await page
      .waitForFunction(
        () => Array.from(document.images).every((i) => i.complete || i.src.includes('.mjpg')),
        null,
        { timeout: 3000 },
      )
      .catch(() => {});
    // Chromium now and then answers "Unable to capture screenshot" while it composites a new
    // page; that is the browser, not the console, so it is asked again.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await page.screenshot({ path: path.join(SHOTS, file), fullPage: true, animations: 'disabled' });
        break;
      } catch (e) {
        if (attempt >= 4 || !String(e.message).includes('Unable to capture screenshot')) throw e;
        await page.waitForTimeout(300);
      }
    }
    // Evaluated through the debugger protocol, so a strict Content-Security-Policy (no inline
    // script) does not stop it and need not be loosened for the test.
    const has = await page.evaluate(() => typeof window.axe !== 'undefined');
    if (!has) await page.evaluate(AXE_SOURCE);
    const found = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join('; ')}`),
        }));
    });
    for (const v of found) this.violations.push({ screen: label, url: page.url(), ...v });
  }

  /** Everything found, as text (empty when clean). */
  report() {
    const out = [];
    for (const v of this.violations) {
      out.push(`axe ${v.impact} ${v.id} on ${v.screen} (${v.url}): ${v.help}`);
      for (const n of v.nodes) out.push(`    ${n}`);
    }
    for (const u of this.foreign) out.push(`request off 127.0.0.1: ${u}`);
    for (const e of this.errors) out.push(`script error: ${e}`);
    return out.join('\n');
  }

  /** Closes the contexts; throws when a screen had a serious or critical violation, a request left
   * 127.0.0.1 or a script failed. */
  async finish() {
    for (const c of this.contexts ?? []) await c.close().catch(() => {});
    this.contexts = [];
    const r = this.report();
    if (r) throw new Error(`${this.name}:\n${r}`);
    if (this.requests.length === 0) throw new Error(`${this.name}: the browser made no request at all`);
  }
}

/**
 * Sets up one scenario file: the browser and an agent before, everything closed after. Returns
 * a getter for `{ browser, agent, scenario }`.
 */
export function setup(test, name, agentOptions = {}) {
  const state = {};
  test.before(async () => {
    state.browser = await openBrowser();
    state.agent = await Agent.start(agentOptions);
    state.scenario = new Scenario(name, state.browser.browser, state.agent);
  });
  test.after(async () => {
    try {
      if (state.scenario) {
        const r = state.scenario.report();
        if (r) console.error(r);
      }
    } finally {
      await state.agent?.close();
      await state.browser?.close();
    }
  });
  return state;
}

// --- driving the console -----------------------------------------------------------------------

/** Text matching either language's wording, for labels and buttons (`either('Masuk', 'Sign in')`). */
export function either(...words) {
  return new RegExp(`^\\s*(${words.map(escape).join('|')})\\s*$`, 'i');
}

/** Text containing any of `words`. */
export function anyOf(...words) {
  return new RegExp(words.map(escape).join('|'), 'i');
}

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Moves the focus with Tab (or Shift+Tab) until `locator` has it; throws after `max` presses.
 * The keyboard-only scenario's one way of reaching a control.
 */
export async function tabTo(page, locator, { max = 80, back = false } = {}) {
  const el = await locator.elementHandle();
  for (let i = 0; i <= max; i += 1) {
    if (await el.evaluate((e) => e === document.activeElement)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  const focused = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200));
  throw new Error(`Tab never reached ${locator} (focus is on ${focused})`);
}
