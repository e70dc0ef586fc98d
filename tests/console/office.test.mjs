// The office's pages as an administrator: the outbox, the audit log with its chain verified, the
// operator accounts with one added and its password reset, each screen photographed and checked
// by axe-core. A supervisor sees the audit log but not the accounts.

import assert from 'node:assert/strict';
import test from 'node:test';

import { ACCOUNTS, setup } from './harness.mjs';
import { Clicks, onScreen, signIn } from './flows.mjs';

const env = setup(test, 'office');

test('an administrator reaches the outbox, the audit log and the operator accounts', async () => {
  const s = env.scenario;
  const page = await s.page();
  const act = new Clicks(page);
  await page.goto('/');
  await page.waitForURL(/\/login/);
  await signIn(act, ACCOUNTS.admin);
  await onScreen(page, 'office-home');

  await page.getByRole('navigation').getByRole('link', { name: 'Kiriman' }).click();
  await s.screen(page, 'office-outbox');

  await page.getByRole('navigation').getByRole('link', { name: 'Log audit' }).click();
  await s.screen(page, 'office-audit');
  await page.getByRole('button', { name: 'Periksa rantai' }).click();
  await onScreen(page, 'office-audit');
  assert.match(await page.locator('main').innerText(), /Rantai utuh/);
  await s.check(page, 'office-audit-verified');

  await page.getByRole('navigation').getByRole('link', { name: 'Operator' }).click();
  await s.screen(page, 'office-operators');
  await page.getByLabel('ID operator').fill('op.dewi');
  await page.getByLabel('Nama lengkap').fill('Dewi Anggraini');
  await page.getByLabel('Kata sandi', { exact: true }).fill('gado-gado-sore-5');
  await page.getByLabel('Ulangi kata sandi').fill('gado-gado-sore-4');
  await page.getByRole('button', { name: 'Tambah operator' }).click();
  await onScreen(page, 'office-operators');
  // Two passwords that differ: refused, the id and name kept, the passwords not sent back.
  await page.getByRole('alert').waitFor();
  assert.equal(await page.getByLabel('ID operator').inputValue(), 'op.dewi');
  assert.equal(await page.getByLabel('Kata sandi', { exact: true }).inputValue(), '');
  await s.check(page, 'office-operators-refused');
  await page.getByLabel('Kata sandi', { exact: true }).fill('gado-gado-sore-5');
  await page.getByLabel('Ulangi kata sandi').fill('gado-gado-sore-5');
  await page.getByRole('button', { name: 'Tambah operator' }).click();
  await onScreen(page, 'office-operators');
  assert.match(await page.locator('main').innerText(), /op\.dewi/);
  await s.check(page, 'office-operators-added');
  await page.getByRole('link', { name: /^Atur ulang kata sandi .*Dewi/ }).click();
  await s.screen(page, 'office-operator-password');

  // A supervisor reads the audit log, but the accounts are not theirs.
  await page.getByRole('button', { name: 'Keluar' }).click();
  await page.waitForURL(/\/login/);
  await signIn(act, ACCOUNTS.supervisor);
  await onScreen(page, 'office-home');
  assert.equal(await page.getByRole('navigation').getByRole('link', { name: 'Operator' }).count(), 0);
  const resp = await page.goto('/operators');
  assert.equal(resp.status(), 403);
  await s.screen(page, 'forbidden');
  await s.finish();
});
