// The worklist at the desk: an office's list imported with the command line, then an operator
// finds residents by name, NIK and address (a plain search form, by keyboard alone), sees the
// first-time voter ("pemilih pemula") marked, and starts an enrollment from an entry with the
// resident's data filled in; then a visit opened with the command line narrows the list to its
// desa; a resident enrolled from the list is confirmed, and one who moved away is closed with a
// note. Every screen photographed and checked by axe-core.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';

import { ACCOUNTS, rekam, setup } from './harness.mjs';
import { Clicks, Keys, RESIDENT, enroll, onScreen, signIn } from './flows.mjs';

const env = setup(test, 'worklist', { toml: '[election]\nday = "2099-02-14"' });

const REGIONS = `code,name,parent
320405,Cibinong,3204
3204052001,Sukamaju,320405
3204052002,Cikaret,320405
`;

/** Born the day before this day 16 years ago: 17 within a year, before the election. */
function sixteen() {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - 16);
  d.setUTCDate(d.getUTCDate() - 1);
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}-${p(d.getUTCMonth() + 1)}-${d.getUTCFullYear()}`;
}

const LIST = `No,NIK,Nama,Tanggal Lahir,Jenis Kelamin,Alamat,RT/RW,Desa/Kelurahan,Kecamatan,Alasan
1,3204054101900001,Siti Aminah,01-01-1990,P,Jl. Mawar No. 1,003/005,Sukamaju,Cibinong,Belum rekam
2,,Budi Hartono,02-01-1990,L,Jl. Melati No. 2,001/001,Sukamaju,Cibinong,Belum rekam
3,,Gita Lestari,${sixteen()},P,Gg. Sawo No. 3,002/001,Sukamaju,Cibinong,Berusia 17 sebelum hari pemungutan suara
4,,Dedi Kurnia,04-01-1990,L,Jl. Kenanga No. 4,002/001,Cikaret,Cibinong,Belum rekam
`;

async function rows(page) {
  return page.locator('main tbody th[scope=row]').evaluateAll((ths) =>
    ths.map((th) => th.childNodes[0].textContent.trim()),
  );
}

test('an operator searches the worklist by keyboard and starts an enrollment with the data filled in', async () => {
  const s = env.scenario;
  const db = path.join(s.agent.dataDir, 'agent.db');
  const regions = path.join(s.agent.root, 'regions.csv');
  const list = path.join(s.agent.root, 'list.csv');
  fs.writeFileSync(regions, REGIONS);
  fs.writeFileSync(list, LIST);
  const by = ACCOUNTS.admin.id;
  await rekam(['worklist', 'regions', 'import', '--db', db, regions, '--by', by]);
  await rekam(['worklist', 'import', '--db', db, list, '--by', by]);

  const page = await s.page();
  const keys = new Keys(page);
  await page.goto('/');
  await page.waitForURL(/\/login/);
  await signIn(keys, ACCOUNTS.operator);
  await onScreen(page, 'office-home');
  await keys.press(page.getByRole('navigation').getByRole('link', { name: 'Daftar sasaran' }));
  await s.screen(page, 'desk-worklist');
  assert.deepEqual(await rows(page), ['Siti Aminah', 'Budi Hartono', 'Gita Lestari', 'Dedi Kurnia']);
  assert.equal(await page.locator('[data-first-time-voter]').count(), 1);
  assert.match(await page.locator('tr', { has: page.locator('[data-first-time-voter]') }).innerText(), /Gita Lestari/);

  // By address, then by NIK, then by name: typed, and sent with Enter on the button.
  const box = page.getByLabel('Cari nama, NIK, atau alamat');
  const search = page.getByRole('button', { name: 'Cari' });
  await keys.fill(box, 'mawar');
  await keys.press(search);
  await onScreen(page, 'desk-worklist');
  assert.deepEqual(await rows(page), ['Siti Aminah']);
  await keys.fill(page.getByLabel('Cari nama, NIK, atau alamat'), '3204054101');
  await keys.press(page.getByRole('button', { name: 'Cari' }));
  await onScreen(page, 'desk-worklist');
  assert.deepEqual(await rows(page), ['Siti Aminah']);
  await keys.fill(page.getByLabel('Cari nama, NIK, atau alamat'), 'hartono');
  await keys.press(page.getByRole('button', { name: 'Cari' }));
  await s.screen(page, 'desk-worklist');
  assert.deepEqual(await rows(page), ['Budi Hartono']);
  await keys.fill(page.getByLabel('Cari nama, NIK, atau alamat'), 'tidak ada');
  await keys.press(page.getByRole('button', { name: 'Cari' }));
  await s.screen(page, 'desk-worklist');
  assert.match(await page.locator('main').innerText(), /Tidak ada sasaran yang cocok/);

  // Start enrollment from Siti's entry: the start form shows her data.
  await keys.fill(page.getByLabel('Cari nama, NIK, atau alamat'), 'siti');
  await keys.press(page.getByRole('button', { name: 'Cari' }));
  await onScreen(page, 'desk-worklist');
  await keys.press(page.getByRole('link', { name: 'Mulai perekaman Siti Aminah' }));
  await s.screen(page, 'desk-start');
  assert.equal(await page.getByLabel('NIK').inputValue(), '3204054101900001');
  assert.equal(await page.getByLabel('Nama lengkap').inputValue(), 'Siti Aminah');
  assert.equal(await page.getByLabel('Tanggal lahir').inputValue(), '1990-01-01');
  assert.equal(await page.getByLabel('Jenis kelamin').inputValue(), 'female');
  assert.equal(await page.getByLabel('Kelurahan/Desa').inputValue(), 'Sukamaju');
  assert.equal(await page.getByLabel('Kecamatan').inputValue(), 'Cibinong');

  // A visit to Sukamaju opened: the list is the visit's, under its place.
  await rekam([
    'visit', 'new', '--db', db, '--place-kind', 'school', '--place', 'SMAN 1 Cibinong', '--desa', 'Sukamaju',
    '--date', new Date().toISOString().slice(0, 10), '--staff', ACCOUNTS.operator.id, '--by', by,
  ]);
  await rekam(['visit', 'open', '--db', db, '1', '--by', by]);
  await page.goto('/desk/worklist');
  await s.screen(page, 'desk-worklist');
  assert.match(await page.locator('h1').innerText(), /SMAN 1 Cibinong, Sukamaju/);
  assert.deepEqual(await rows(page), ['Siti Aminah', 'Budi Hartono', 'Gita Lestari']);
});

/** Budi as his documents have him: the list has his name, birth date and desa, not his NIK. */
const BUDI = {
  ...RESIDENT,
  nik: '3204050201900001',
  name: 'Budi Hartono',
  birth: { year: '1990', month: '01', day: '02' },
  street: 'Jl. Melati No. 2',
  rt: '1',
  rw: '1',
  village: 'Sukamaju',
  district: 'Cibinong',
  regency: 'Bogor',
  province: 'Jawa Barat',
  sex: 'male',
};

/** A screen checker that does not photograph: the enrollment is the desk's own scenario. */
const quiet = {
  check: async () => {},
  screen: (page, name) => page.locator(`main[data-screen="${name}"]`).waitFor({ state: 'visible' }),
};

test('a resident enrolled from the list without a NIK is confirmed as the same person by keyboard', async () => {
  const s = env.scenario;
  const context = await s.context();
  const page = await context.newPage();
  const keys = new Keys(page);
  await page.goto('/');
  await onScreen(page, 'login');
  await signIn(keys, ACCOUNTS.operator);
  await onScreen(page, 'office-home');
  const rp = await context.newPage();
  await rp.goto('/resident');
  await page.goto('/desk/worklist?q=budi');
  await onScreen(page, 'desk-worklist');
  await keys.press(page.getByRole('link', { name: 'Mulai perekaman Budi Hartono' }));
  await onScreen(page, 'desk-start');
  await enroll(quiet, new Clicks(page), new Clicks(rp), { except: null, who: BUDI, supervisor: ACCOUNTS.supervisor });

  // The enrollment is a candidate for Budi's entry: the list says so and links to it.
  await page.goto('/desk/worklist');
  await s.screen(page, 'desk-worklist');
  await keys.press(page.getByRole('link', { name: 'Periksa 1 kemungkinan kecocokan' }));
  await s.screen(page, 'desk-worklist-candidates');
  await keys.press(page.getByRole('link', { name: 'Periksa kecocokan Budi Hartono' }));
  await s.screen(page, 'desk-worklist-decide');
  const compared = await page.locator('main table').innerText();
  assert.match(compared, /3204050201900001/);
  assert.match(compared, /Sukamaju/);

  // Saved without a choice: the question again, the summary's link reaching the radios.
  await keys.press(page.getByRole('button', { name: 'Simpan' }));
  await s.screen(page, 'desk-worklist-decide');
  await page.locator('.error-summary').getByRole('link').click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'same');
  await keys.choose(page.getByRole('radio', { name: /^Ya, orang yang sama/ }));
  await keys.press(page.getByRole('button', { name: 'Simpan' }));
  await s.screen(page, 'desk-worklist-candidates');
  assert.match(await page.locator('main').innerText(), /dicatat sudah merekam/);

  // Budi is recorded: off the visit's list.
  await page.goto('/desk/worklist');
  await onScreen(page, 'desk-worklist');
  assert.deepEqual(await rows(page), ['Siti Aminah', 'Gita Lestari']);

  // Siti has moved away: the operator closes her entry, first forgetting to say what happened.
  await keys.press(page.getByRole('link', { name: 'Tutup entri Siti Aminah' }));
  await s.screen(page, 'desk-worklist-close');
  await keys.fill(page.getByLabel('Catatan (tidak wajib)'), 'Pindah ke Bekasi, kata Ketua RT 003');
  await keys.press(page.getByRole('button', { name: 'Tutup entri' }));
  await s.screen(page, 'desk-worklist-close');
  assert.equal(await page.getByLabel('Catatan (tidak wajib)').inputValue(), 'Pindah ke Bekasi, kata Ketua RT 003');
  await page.locator('.error-summary').getByRole('link').click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'outcome');
  await keys.choose(page.getByRole('radio', { name: 'Pindah tanpa lapor' }));
  await keys.press(page.getByRole('button', { name: 'Tutup entri' }));
  await s.screen(page, 'desk-worklist');
  assert.match(await page.locator('[data-notice]').innerText(), /Entri Siti Aminah ditutup: Pindah tanpa lapor/);
  assert.deepEqual(await rows(page), ['Gita Lestari']);

  // Closing the visit counts the enrollment made during it, Budi's entry matched and Siti's closed.
  const closed = await rekam(['visit', 'close', '--db', path.join(s.agent.dataDir, 'agent.db'), '1', '--by', ACCOUNTS.admin.id]);
  assert.match(closed, /started 1, finalized 1/);
  assert.match(closed, /targeted 3, matched 1, closed 1, remaining 1/);
  await context.close();
  await s.finish();
});
