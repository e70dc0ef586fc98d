// A whole enrollment by clicks and typing only, in Indonesian: sign in, New enrollment,
// demographics, the face with its live preview and the resident approving on their own screen
// (/resident, a second page of the same browser), signature, three slaps with the left ring
// finger excepted on the diagram, the supervisor's approval at the same desk, irises, review,
// finalize, slip; then the audit log names both; then, one click on the language switch, a short
// run in English.

import assert from 'node:assert/strict';
import test from 'node:test';

import { ACCOUNTS, setup } from './harness.mjs';
import { Clicks, RESIDENT, RESIDENT_2, W, enroll, go, onScreen, signIn } from './flows.mjs';

const env = setup(test, 'enrollment');

test('an operator enrolls a resident start to slip by clicks alone, then in English', async () => {
  const s = env.scenario;
  const context = await s.context();
  const page = await context.newPage();
  const act = new Clicks(page);
  await page.goto('/');
  await s.screen(page, 'login');
  await signIn(act, ACCOUNTS.operator);
  await onScreen(page, 'office-home');
  assert.equal(await page.locator('html').getAttribute('lang'), 'id');

  // The second monitor, turned towards the resident.
  const rp = await context.newPage();
  await rp.goto('/resident');
  await s.screen(rp, 'resident');
  const resident = new Clicks(rp);

  const seen = await enroll(s, act, resident, { supervisor: ACCOUNTS.supervisor });
  for (const step of [/start|demograph/, /face/, /sign/, /finger/, /iris/, /review/, /slip/]) {
    assert.ok(seen.some((n) => step.test(n)), `no ${step} screen in ${seen.join(' > ')}`);
  }
  // The simulated kit has an iris scanner (devices.iris = true by default): the step is there.

  // The slip: the enrollment id as text and as a QR code, the NIK and the name.
  const slip = page.locator('main');
  const text = await slip.innerText();
  assert.ok(text.includes(RESIDENT.nik), 'the NIK on the slip');
  assert.ok(text.includes(RESIDENT.name), 'the name on the slip');
  assert.ok((await slip.locator('svg, img, canvas').count()) > 0, 'a QR code on the slip');
  await page.emulateMedia({ media: 'print' });
  await s.check(page, 'desk-slip-print');
  await page.emulateMedia({ media: 'screen' });

  // The audit log names the operator who enrolled and the supervisor who approved.
  const sup = await s.context();
  const sp = await sup.newPage();
  await sp.goto('/login?next=/audit');
  await signIn(new Clicks(sp), ACCOUNTS.supervisor);
  await sp.goto('/audit');
  await s.screen(sp, 'office-audit');
  // Who did what, from the log's own rows (filtered by who): the operator started it, the
  // supervisor approved it.
  const rowsBy = async (id) => {
    await sp.goto(`/audit?actor=${encodeURIComponent(id)}`);
    await onScreen(sp, 'office-audit');
    return sp.locator('main table tbody tr').allInnerTexts();
  };
  const started = await rowsBy(ACCOUNTS.operator.id);
  assert.ok(started.some((r) => r.includes('session.start')), `session.start by the operator:\n${started.join('\n')}`);
  const approved = await rowsBy(ACCOUNTS.supervisor.id);
  assert.ok(approved.some((r) => r.includes('session.approved')), `session.approved by the supervisor:\n${approved.join('\n')}`);

  // One click on the language switch, then a short run in English.
  await page.goto('/');
  await onScreen(page, 'office-home');
  await go(act, page.locator('header').getByRole('button', { name: W.english }));
  await onScreen(page, 'office-home');
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await s.check(page, 'office-home-en');
  const short = await enroll(s, act, resident, { who: RESIDENT_2, supervisor: ACCOUNTS.supervisor, until: /desk-signature/ });
  assert.ok(short.some((n) => /face/.test(n)), short.join(' > '));
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.match(await page.locator('h1').first().innerText(), /[A-Za-z]/);
  await s.finish();
});
