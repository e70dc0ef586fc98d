// Mobile-unit visits ("jemput bola") in the console: an office's regions and list imported with
// the command line, then a supervisor, by keyboard alone, opens the visits page from the
// navigation, plans a visit from the top suggestion (the form comes with its desa chosen),
// submits it incomplete first (the error summary takes the focus and its link reaches the field),
// completes it, opens the visit, finds it open on the list with its figures, and closes it with
// its figures recorded. An operator sees the visits without the controls. Every screen
// photographed and checked by axe-core.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';

import { ACCOUNTS, rekam, setup } from './harness.mjs';
import { Keys, onScreen, signIn } from './flows.mjs';

const env = setup(test, 'visits');

const REGIONS = `code,name,parent
320405,Cibinong,3204
3204052001,Sukamaju,320405
3204052002,Cikaret,320405
320406,Citeureup,3204
3204062001,Puspanegara,320406
`;

const LIST = `No,NIK,Nama,Tanggal Lahir,Jenis Kelamin,Alamat,RT/RW,Desa/Kelurahan,Kecamatan,Alasan
1,3204054101900001,Siti Aminah,01-01-1990,P,Jl. Mawar No. 1,003/005,Sukamaju,Cibinong,Belum rekam
2,,Budi Hartono,02-01-1990,L,Jl. Melati No. 2,001/001,Sukamaju,Cibinong,Belum rekam
3,,Gita Lestari,03-01-1990,P,Gg. Sawo No. 3,002/001,Sukamaju,Cibinong,Belum rekam
4,,Dedi Kurnia,04-01-1990,L,Jl. Kenanga No. 4,002/001,Cikaret,Cibinong,Belum rekam
5,,Eko Saputra,05-01-1990,L,Jl. Pasar No. 5,001/002,Puspanegara,Citeureup,Belum rekam
`;

/** The number shown for `key` in the figures of `scope`. */
async function figure(scope, key) {
  return Number(await scope.locator(`[data-figure="${key}"] dd`).innerText());
}

test('a supervisor plans a visit from a suggestion by keyboard, opens it and closes it', async () => {
  const s = env.scenario;
  const db = path.join(s.agent.dataDir, 'agent.db');
  fs.writeFileSync(path.join(s.agent.root, 'regions.csv'), REGIONS);
  fs.writeFileSync(path.join(s.agent.root, 'list.csv'), LIST);
  const by = ACCOUNTS.admin.id;
  await rekam(['worklist', 'regions', 'import', '--db', db, path.join(s.agent.root, 'regions.csv'), '--by', by]);
  await rekam(['worklist', 'import', '--db', db, path.join(s.agent.root, 'list.csv'), '--by', by]);

  const page = await s.page();
  const keys = new Keys(page);
  await page.goto('/');
  await page.waitForURL(/\/login/);
  await signIn(keys, ACCOUNTS.supervisor);
  await onScreen(page, 'office-home');
  await keys.press(page.getByRole('navigation').getByRole('link', { name: 'Kunjungan' }));
  await s.screen(page, 'office-visits');
  const main = page.locator('main');
  assert.match(await main.innerText(), /Tidak ada kunjungan yang sedang dibuka/);
  const suggested = await page.locator('[data-section="plan"] tbody th[scope=row]').allInnerTexts();
  assert.deepEqual(suggested, ['Sukamaju', 'Cikaret', 'Puspanegara'], 'the largest backlog first');

  // The top suggestion: the form comes with Sukamaju chosen, today's date and the planner ticked.
  await keys.press(page.getByRole('link', { name: 'Rencanakan kunjungan ke Sukamaju, Cibinong' }));
  await s.screen(page, 'office-visit-new');
  assert.equal(await page.getByLabel('Desa/kelurahan').inputValue(), '3204052001');
  assert.equal(await page.getByLabel('Tanggal kunjungan').inputValue(), new Date().toISOString().slice(0, 10));
  assert.equal(await page.getByRole('checkbox', { name: `${ACCOUNTS.supervisor.name} (${ACCOUNTS.supervisor.id})` }).isChecked(), true);

  // Sent without a kind of place or a name: the summary has the focus and links each field.
  await keys.press(page.getByRole('button', { name: 'Simpan rencana kunjungan' }));
  await s.screen(page, 'office-visit-new');
  assert.equal(await page.evaluate(() => document.activeElement?.hasAttribute('data-error-summary')), true);
  const summary = page.locator('[data-error-summary]');
  assert.deepEqual(await summary.getByRole('link').allInnerTexts(), ['Pilih jenis tempat', 'Tulis nama tempat']);
  assert.equal(await page.getByLabel('Desa/kelurahan').inputValue(), '3204052001', 'the choice stays');
  await keys.press(summary.getByRole('link', { name: 'Tulis nama tempat' }));
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'place_name');
  await page.keyboard.type('SMAN 1 Cibinong');
  await keys.choose(page.getByRole('radio', { name: 'Sekolah' }));
  await keys.choose(page.getByRole('checkbox', { name: `${ACCOUNTS.operator.name} (${ACCOUNTS.operator.id})` }));
  await keys.press(page.getByRole('button', { name: 'Simpan rencana kunjungan' }));
  await s.screen(page, 'office-visit');
  assert.match(await page.locator('h1').innerText(), /SMAN 1 Cibinong/);
  assert.match(await page.getByRole('status').innerText(), /direncanakan/);
  assert.equal(await page.locator('[data-status]').innerText(), 'Direncanakan');
  // Staff in the form's order (the accounts by id).
  const staff = `${ACCOUNTS.operator.id}, ${ACCOUNTS.supervisor.id}`;
  assert.match(await main.innerText(), new RegExp(staff.replace(/\./g, '\\.')));
  assert.deepEqual(
    await page.locator('main tbody tr[data-entry-status] th').allInnerTexts(),
    ['Siti Aminah', 'Budi Hartono', 'Gita Lestari'],
  );

  // Opened: the page links the desk's list, which is now the visit's.
  await keys.press(page.getByRole('button', { name: /^Buka kunjungan 1 / }));
  await s.screen(page, 'office-visit');
  assert.equal(await page.locator('[data-status]').innerText(), 'Sedang dibuka');
  assert.match(await page.getByRole('status').innerText(), /Kunjungan 1 dibuka/);
  assert.equal(await figure(page, 'remaining'), 3);

  // On the list: open, with its figures and the Close button; Sukamaju no longer suggested.
  await keys.press(page.getByRole('navigation').getByRole('link', { name: 'Kunjungan' }));
  await s.screen(page, 'office-visits');
  const open = page.locator('[data-section="open"]');
  assert.match(await open.innerText(), /SMAN 1 Cibinong/);
  assert.equal(await figure(open, 'targeted'), 3);
  assert.deepEqual(await page.locator('[data-section="plan"] tbody th[scope=row]').allInnerTexts(), ['Cikaret', 'Puspanegara']);

  await keys.press(page.getByRole('link', { name: 'Mulai perekaman dari daftar sasaran' }));
  await onScreen(page, 'desk-worklist');
  assert.match(await page.locator('h1').innerText(), /SMAN 1 Cibinong, Sukamaju/);
  await page.goBack();
  await onScreen(page, 'office-visits');

  await keys.press(page.getByRole('button', { name: /^Tutup kunjungan 1 / }));
  await s.screen(page, 'office-visit');
  assert.equal(await page.locator('[data-status]').innerText(), 'Ditutup');
  assert.match(await main.innerText(), /Hasil yang dicatat saat ditutup/);
  assert.equal(await figure(page, 'targeted'), 3);
  assert.equal(await figure(page, 'remaining'), 3);
  assert.equal(await page.getByRole('button', { name: /kunjungan 1/ }).count(), 0, 'nothing left to do');

  const shown = JSON.parse(await rekam(['visit', 'show', '--db', db, '1', '--json']));
  assert.equal(shown.status, 'closed');
  assert.equal(shown.unit_id, null);
  assert.deepEqual(shown.staff, [ACCOUNTS.operator.id, ACCOUNTS.supervisor.id]);

  await keys.press(page.getByRole('link', { name: 'Kembali ke daftar kunjungan' }));
  await s.screen(page, 'office-visits');
  assert.match(await page.locator('[data-section="closed"]').innerText(), /0 selesai direkam, 3 sasaran belum merekam/);
  await page.context().close();

  // An operator sees the visits and their figures, without the controls.
  const op = await s.page();
  await op.goto('/visits');
  await op.waitForURL(/\/login/);
  await signIn(new Keys(op), ACCOUNTS.operator);
  await s.screen(op, 'office-visits');
  assert.equal(await op.getByRole('link', { name: /^Rencanakan kunjungan/ }).count(), 0);
  await s.finish();
});
