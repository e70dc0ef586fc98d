// The office head's figures: a village's list imported with `rekam worklist` (one resident
// closed as deceased), a resident on it enrolled at the desk, then the figures page (period form,
// tables, the day's bars and coverage per kecamatan) and the signed report — served by the
// console and written by `rekam report daily` then opened from its bytes with nothing fetched —
// each photographed and checked by axe-core; the written report and the PDF downloaded from the
// figures page verify with `rekam report verify`.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';

import { ACCOUNTS, rekam, setup } from './harness.mjs';
import { Clicks, RESIDENT, enroll, onScreen, signIn } from './flows.mjs';

const env = setup(test, 'figures');

/** A screen checker that does not photograph: the enrollment is the desk's own scenario. */
const quiet = {
  check: async () => {},
  screen: (page, name) => page.locator(`main[data-screen="${name}"]`).waitFor({ state: 'visible' }),
};

const REGIONS = `code,name,parent
317101,Cempaka Putih,3171
3171011001,Cempaka Putih Timur,317101
3171011002,Rawasari,317101
317102,Johar Baru,3171
3171021001,Galur,317102
`;

const LIST = `No,NIK,Nama,Tanggal Lahir,Jenis Kelamin,Alamat,RT/RW,Desa/Kelurahan,Kecamatan,Alasan
1,${RESIDENT.nik},${RESIDENT.name},15-08-1990,L,${RESIDENT.street},003/007,Cempaka Putih Timur,Cempaka Putih,Belum rekam
2,,Siti Rahmawati,02-05-1988,P,Jl. Rawasari Selatan 4,001/002,Rawasari,Cempaka Putih,Belum rekam
3,,Hendra Gunawan,11-11-1970,L,Jl. Galur 9,004/001,Galur,Johar Baru,Belum rekam
4,,Maya Sari,23-01-2000,P,Jl. Galur 12,004/001,Galur,Johar Baru,Pemilih pemula
`;

test('the office head reads the day in the console and in a signed report', async () => {
  const s = env.scenario;
  const agent = env.agent;
  const db = path.join(agent.dataDir, 'agent.db');
  const dir = path.dirname(agent.dataDir);
  fs.writeFileSync(path.join(dir, 'regions.csv'), REGIONS);
  fs.writeFileSync(path.join(dir, 'list.csv'), LIST);
  const by = ACCOUNTS.operator.id;
  await rekam(['worklist', 'regions', 'import', '--db', db, '--by', by, path.join(dir, 'regions.csv')]);
  await rekam(['worklist', 'import', '--db', db, '--by', by, path.join(dir, 'list.csv')]);
  const entries = JSON.parse(await rekam(['worklist', 'list', '--db', db, '--json']));
  const hendra = entries.find((e) => e.name === 'Hendra Gunawan');
  await rekam([
    'worklist', 'close', '--db', db, '--outcome', 'deceased', '--note', 'Meninggal 2024, belum dilaporkan',
    '--by', by, String(hendra.id),
  ]);

  const context = await s.context();
  const page = await context.newPage();
  const act = new Clicks(page);
  await page.goto('/');
  await onScreen(page, 'login');
  await signIn(act, ACCOUNTS.operator);
  await onScreen(page, 'office-home');
  const rp = await context.newPage();
  await rp.goto('/resident');
  await enroll(quiet, act, new Clicks(rp), { except: null, who: RESIDENT, supervisor: ACCOUNTS.supervisor });
  await rp.close();

  await page.goto('/');
  await onScreen(page, 'office-home');
  await page.getByRole('navigation').getByRole('link', { name: 'Angka & laporan' }).click();
  await s.screen(page, 'office-figures');
  const text = await page.locator('main').innerText();
  assert.match(text, /Cempaka Putih/);
  assert.match(text, /Siti Rahmawati|Hendra Gunawan/);
  assert.equal(await page.locator('svg[role="img"]').count(), 2, 'bars per day and coverage');
  // The by-kecamatan table: one finalized in Cempaka Putih.
  const kec = page.locator('#fig-kecamatan');
  assert.match(await kec.innerText(), /Cempaka Putih\s+1\s+1/);

  // The period form works without script: a GET with the dates.
  const today = await page.getByLabel('Dari tanggal').inputValue();
  await page.getByRole('button', { name: 'Tampilkan' }).click();
  await onScreen(page, 'office-figures');
  assert.ok(page.url().includes(`from=${today}`));

  await page.getByRole('link', { name: /Laporan periode ini/ }).click();
  await s.screen(page, 'report');
  assert.match(await page.locator('h1').innerText(), /Laporan harian/);
  await page.emulateMedia({ media: 'print' });
  await s.check(page, 'report-print');
  await page.emulateMedia({ media: 'screen' });

  // The same report as a PDF download, beside the HTML one; it verifies like the file below.
  await page.goBack();
  await onScreen(page, 'office-figures');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Unduh PDF' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `rekam-report-${today}.pdf`);
  const pdf = path.join(dir, download.suggestedFilename());
  await download.saveAs(pdf);
  assert.equal(fs.readFileSync(pdf).subarray(0, 5).toString('latin1'), '%PDF-');
  assert.match(
    await rekam(['report', 'verify', pdf, '--trust', path.join(agent.dataDir, 'keys', 'workstation.pub')]),
    /signature good/,
  );

  // The same day written by the command, opened from its bytes: nothing to fetch.
  const out = path.join(dir, 'report.html');
  await rekam([
    'report', 'daily', '--db', db, '--date', today, '--key', path.join(agent.dataDir, 'keys', 'workstation.key'),
    '--office', 'Dinas Dukcapil Kota Jakarta Pusat', '--out', out,
  ]);
  const verified = await rekam([
    'report', 'verify', out, '--trust', path.join(agent.dataDir, 'keys', 'workstation.pub'),
  ]);
  assert.match(verified, /signature good/);
  const file = await context.newPage();
  await file.setContent(fs.readFileSync(out, 'utf8'));
  await s.screen(file, 'report');
  assert.match(await file.locator('main').innerText(), /Masalah data yang ditemukan[\s\S]*Hendra Gunawan[\s\S]*meninggal/);
  await context.close();
  // Every screen axe-clean, nothing fetched off the machine, no script error.
  await s.finish();
});
