// Card issuance in the console: blank cards received (a refused form first), the stock with its
// run-out alert, print orders from a registry simulator for two residents enrolled at this desk,
// one card printed by mouse and the other by keyboard alone, and pickup: a wrong finger refused,
// the right one handing the card over, and a supervisor's approval with the order's photo beside
// the live camera. Every card screen is photographed and checked by axe-core.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import test from 'node:test';

import { ACCOUNTS, BIN, anyOf, setup } from './harness.mjs';
import { Clicks, Keys, RESIDENT, RESIDENT_2, enroll, onScreen, signIn } from './flows.mjs';

const env = setup(test, 'cards', { toml: '[cards]\nfetch_interval_s = 1' });

const C = {
  queue: anyOf('Antrean cetak', 'Print queue'),
  stock: anyOf('Stok blangko', 'Blank cards'),
  pickup: anyOf('Pengambilan KTP', 'Card pickup'),
  batchId: anyOf('Nomor kiriman', 'Batch id'),
  prefix: anyOf('Awalan nomor seri', 'Serial prefix'),
  first: anyOf('Nomor pertama', 'First number'),
  last: anyOf('Nomor terakhir', 'Last number'),
  receive: anyOf('Terima blangko', 'Receive blanks'),
  printSelected: anyOf('Cetak yang dipilih', 'Print selected'),
  backQueue: anyOf('Kembali ke antrean cetak', 'Back to the print queue'),
  query: anyOf('NIK atau QR slip', 'NIK or slip QR'),
  find: anyOf('Cari', 'Find'),
  takeFinger: anyOf('Ambil sidik jari', 'Take fingerprint'),
  supervisorRoute: anyOf('Minta persetujuan supervisor', 'Ask a supervisor to approve'),
  supervisorId: anyOf('ID supervisor', 'Supervisor id'),
  supervisorPassword: anyOf('Kata sandi supervisor', 'Supervisor password'),
  note: anyOf('Catatan', 'Note'),
  approve: anyOf('Setujui penyerahan', 'Approve the handover'),
};

/** A screen checker that does not photograph: the enrollments are the desk's own scenario. */
const quiet = {
  check: async () => {},
  screen: (page, name) => page.locator(`main[data-screen="${name}"]`).waitFor({ state: 'visible' }),
};

/** `rekam sim registry` on a free port with the keys the simulated agent made; its URL. */
async function startRegistry(dataDir, extra = []) {
  const child = spawn(
    BIN,
    [
      'sim', 'registry',
      '--listen', '127.0.0.1:0',
      '--registry-key', path.join(dataDir, 'sim-registry', 'registry.key'),
      '--trust', path.join(dataDir, 'keys', 'workstation.pub'),
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const first = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`rekam sim registry exited ${code}`)));
  });
  const m = /(https?:\/\/127\.0\.0\.1:\d+)/.exec(first);
  if (!m) throw new Error(`no address in: ${first}`);
  return { url: m[1], stop: () => child.kill('SIGTERM') };
}

/** Reloads `path` until `predicate(main text)` holds. */
async function until(page, url, predicate, what, timeout = 60_000) {
  const end = Date.now() + timeout;
  for (;;) {
    await page.goto(url);
    const text = await page.locator('main').innerText();
    if (predicate(text)) return text;
    if (Date.now() > end) throw new Error(`${what} not shown within ${timeout} ms:\n${text}`);
    await page.waitForTimeout(1000);
  }
}

test('blanks are received into the stock, and a refused form names its fields', async () => {
  const s = env.scenario;
  const page = await s.page();
  const act = new Clicks(page);
  await page.goto('/');
  await signIn(act, ACCOUNTS.operator);
  await onScreen(page, 'office-home');
  // No blank card yet: the alert is on the home page.
  await page.locator('[data-banner="stock-alert"]').waitFor();
  await s.check(page, 'home-stock-alert');

  await page.getByRole('navigation').getByRole('link', { name: C.stock }).click();
  await s.screen(page, 'cards-stock');
  await act.fill(page.getByLabel(C.prefix), 'ktp 2026');
  await act.fill(page.getByLabel(C.first), '20');
  await act.fill(page.getByLabel(C.last), '10');
  await page.getByRole('button', { name: C.receive }).click();
  await onScreen(page, 'cards-stock');
  await page.getByRole('alert').waitFor();
  const summary = await page.getByRole('alert').innerText();
  assert.match(summary, /nomor kiriman/i);
  assert.match(summary, /awalan/i);
  // The summary's links lead to the fields.
  await page.getByRole('alert').getByRole('link').first().click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'batch_id');
  await s.check(page, 'cards-stock-refused');

  await act.fill(page.getByLabel(C.batchId), 'BA-2026-118');
  await act.fill(page.getByLabel(C.prefix), 'KTP-2026A-');
  await act.fill(page.getByLabel(C.first), '1');
  await act.fill(page.getByLabel(C.last), '400');
  await page.getByRole('button', { name: C.receive }).click();
  await onScreen(page, 'cards-stock');
  assert.match(await page.locator('main').innerText(), /BA-2026-118.*400/);
  assert.equal(await page.locator('[data-figure="in-stock"] dd').first().innerText(), '400');
  await s.check(page, 'cards-stock-received');

  await page.getByRole('navigation').getByRole('link', { name: C.queue }).click();
  await s.screen(page, 'cards-queue');
  await page.getByRole('navigation').getByRole('link', { name: C.pickup }).click();
  await s.screen(page, 'cards-pickup');
  await page.context().close();
});

test('orders for two residents enrolled here are printed by mouse and by keyboard, and handed over only to the right finger', async () => {
  const s = env.scenario;
  const agent = env.agent;
  // The registry simulator issues a print order as soon as it accepts an enrollment.
  const registry = await startRegistry(agent.dataDir, ['--print-delay-ms', '0']);
  try {
    agent.useRegistry(registry.url);
    await agent.restart();
    const context = await s.context();
    const page = await context.newPage();
    const act = new Clicks(page);
    await page.goto('/');
    await onScreen(page, 'login');
    await signIn(act, ACCOUNTS.operator);
    await onScreen(page, 'office-home');
    const rp = await context.newPage();
    await rp.goto('/resident');
    for (const who of [RESIDENT, RESIDENT_2]) {
      await page.goto('/');
      await enroll(quiet, act, new Clicks(rp), { except: null, who, supervisor: ACCOUNTS.supervisor });
    }
    await rp.close();

    // Delivered, accepted, ordered, fetched: both cards wait in the queue.
    await until(page, '/cards', (t) => /Menunggu cetak \(2\)/.test(t), 'two orders in the queue', 120_000);
    await s.screen(page, 'cards-queue');

    // One card by its own button.
    await page.getByRole('button', { name: new RegExp(`Cetak kartu ${RESIDENT.name}`, 'i') }).click();
    await s.screen(page, 'cards-result');
    assert.match(await page.locator('main').innerText(), /Tercetak pada blangko KTP-2026A-000001/);

    // The other by keyboard alone: tick its box, then "Print selected".
    const keys = new Keys(page);
    await keys.press(page.getByRole('link', { name: C.backQueue }));
    await onScreen(page, 'cards-queue');
    await keys.choose(page.getByRole('checkbox', { name: new RegExp(RESIDENT_2.name, 'i') }));
    await keys.press(page.getByRole('button', { name: C.printSelected }));
    await onScreen(page, 'cards-result');
    assert.match(await page.locator('main').innerText(), /Tercetak pada blangko KTP-2026A-000002/);
    await s.check(page, 'cards-result-keyboard');
    await page.goto('/cards');
    await s.check(page, 'cards-queue-printed');
    await page.goto('/cards/stock');
    assert.equal(await page.locator('[data-figure="in-stock"] dd').first().innerText(), '398');
    assert.equal(await page.locator('[data-figure="printed-today"] dd').first().innerText(), '2');

    // Pickup by keyboard: the NIK typed, someone else's finger refused, the resident's own
    // finger hands the card over.
    await keys.press(page.getByRole('navigation').getByRole('link', { name: C.pickup }));
    await onScreen(page, 'cards-pickup');
    await keys.fill(page.getByLabel(C.query), RESIDENT.nik);
    await keys.press(page.getByRole('button', { name: C.find }));
    await s.screen(page, 'cards-pickup-order');
    await keys.choose(page.getByRole('radio', { name: anyOf('Orang lain', 'Someone else') }));
    await keys.press(page.getByRole('button', { name: C.takeFinger }));
    await onScreen(page, 'cards-pickup-order');
    assert.equal(await page.locator('[data-verdict]').getAttribute('data-verdict'), 'error');
    assert.match(await page.locator('[data-verdict]').innerText(), /tidak cocok/i);
    await s.check(page, 'cards-pickup-refused');
    await keys.choose(page.getByRole('radio', { name: anyOf('Pemohon sendiri', 'The resident') }));
    await keys.press(page.getByRole('button', { name: C.takeFinger }));
    await onScreen(page, 'cards-pickup-order');
    assert.equal(await page.locator('[data-verdict]').getAttribute('data-verdict'), 'ok');
    await page.locator('[data-collected]').waitFor();
    assert.match(await page.locator('[data-collected]').innerText(), /op\.sari/);
    await s.check(page, 'cards-pickup-handed-over');

    // The second resident's finger "does not match" three times: only a supervisor can approve,
    // with the order's photo beside the live camera.
    await page.goto('/cards/pickup');
    await act.fill(page.getByLabel(C.query), RESIDENT_2.nik);
    await page.getByRole('button', { name: C.find }).click();
    await onScreen(page, 'cards-pickup-order');
    for (let i = 0; i < 3; i += 1) {
      await page.getByRole('radio', { name: anyOf('Orang lain', 'Someone else') }).check();
      await page.getByRole('button', { name: C.takeFinger }).click();
      await onScreen(page, 'cards-pickup-order');
      await page.locator('[data-verdict="error"]').waitFor();
    }
    await page.locator('[data-tries-used]').waitFor();
    await s.check(page, 'cards-pickup-tries-used');
    await page.getByRole('link', { name: C.supervisorRoute }).click();
    await s.screen(page, 'cards-pickup-approval');
    await act.fill(page.getByLabel(C.supervisorId), ACCOUNTS.supervisor.id);
    await act.fill(page.getByLabel(C.supervisorPassword), ACCOUNTS.supervisor.password);
    await act.fill(page.getByLabel(C.note), 'Wajah sama dengan foto; jari aus karena pekerjaan.');
    await page.getByRole('button', { name: C.approve }).click();
    await onScreen(page, 'cards-pickup-order');
    assert.match(await page.locator('[data-verdict="ok"]').innerText(), /sup\.budi/);
    await s.check(page, 'cards-pickup-approved');
  } finally {
    registry.stop();
  }
  await s.finish();
});
