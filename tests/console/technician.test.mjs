// A technician (added with `rekam operators add --role technician`) opens the technician page,
// tests the camera, reads the report with its pictures, then calibrates the camera for a blue
// backdrop by keyboard alone; every screen photographed and checked by axe-core. An operator is
// refused the page.

import assert from 'node:assert/strict';
import test from 'node:test';

import { ACCOUNTS, setup } from './harness.mjs';
import { Clicks, Keys, onScreen, signIn } from './flows.mjs';

const env = setup(test, 'technician');

const TECHNICIAN = { id: 'tek.joko', name: 'Joko Susilo', role: 'technician', password: 'bakso-malang-sore-2' };

test('a technician tests the camera, reads the report and calibrates the camera by keyboard', async () => {
  const s = env.scenario;
  await s.agent.addOperator(TECHNICIAN);
  const page = await s.page();
  const act = new Clicks(page);
  await page.goto('/');
  await page.waitForURL(/\/login/);
  await signIn(act, TECHNICIAN);
  await onScreen(page, 'office-home');

  await page.getByRole('navigation').getByRole('link', { name: 'Teknisi' }).click();
  await s.screen(page, 'technician');
  await page.getByRole('button', { name: 'Uji kamera' }).click();
  await onScreen(page, 'technician');
  await page.locator('[data-banner="test-passed"]').waitFor();
  await s.check(page, 'technician-camera-tested');

  await page.getByRole('link', { name: /^Lihat laporan / }).first().click();
  await s.screen(page, 'device-report');
  const text = await page.locator('main').innerText();
  assert.match(text, /Camera/);
  assert.match(text, /Backdrop colour distance to nominal/);
  assert.match(text, /tek\.joko/);
  const pictures = await page.locator('img').evaluateAll((imgs) => imgs.map((i) => i.complete && i.naturalWidth > 0));
  assert.ok(pictures.length > 0 && pictures.every(Boolean), `pictures loaded: ${pictures}`);

  // Calibration by keyboard alone.
  await page.goto('/technician');
  await onScreen(page, 'technician');
  const keys = new Keys(page);
  await keys.select(page.getByLabel('Warna latar'), 'blue');
  await keys.press(page.getByRole('button', { name: 'Kalibrasi kamera' }));
  await onScreen(page, 'technician');
  await page.locator('[data-banner="test-passed"]').waitFor();
  await s.check(page, 'technician-calibrated');
  assert.equal(await page.locator('tr[data-report]').count(), 2);

  // An operator has neither the link nor the page.
  await page.getByRole('button', { name: 'Keluar' }).click();
  await page.waitForURL(/\/login/);
  await signIn(act, ACCOUNTS.operator);
  await onScreen(page, 'office-home');
  assert.equal(await page.getByRole('navigation').getByRole('link', { name: 'Teknisi' }).count(), 0);
  const resp = await page.goto('/technician');
  assert.equal(resp.status(), 403);
  await s.screen(page, 'forbidden');
  await s.finish();
});
