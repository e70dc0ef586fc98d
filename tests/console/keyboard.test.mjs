// The same main path by keyboard alone: Tab and Shift+Tab to reach each control, Enter and Space
// to press it, arrows in lists and radio groups, typing in fields; the mouse is never used, on
// the desk nor on the resident's screen.

import assert from 'node:assert/strict';
import test from 'node:test';

import { ACCOUNTS, setup } from './harness.mjs';
import { Keys, RESIDENT, enroll, onScreen, signIn } from './flows.mjs';

const env = setup(test, 'keyboard');

test('an operator enrolls a resident start to slip by keyboard only', async () => {
  const s = env.scenario;
  const context = await s.context();
  // Proof that no mouse was used: every real pointer press on any page is counted (a button
  // pressed with Enter or Space fires a click, but never a pointerdown).
  const pointer = [];
  await context.exposeBinding('rekamPointer', ({ page: p }, what) => pointer.push(`${p.url()}: ${what}`));
  await context.addInitScript(() => {
    addEventListener(
      'pointerdown',
      (e) => {
        if (e.isTrusted) window.rekamPointer(`${e.target.tagName} ${e.target.textContent?.trim().slice(0, 40)}`);
      },
      true,
    );
  });
  const page = await context.newPage();
  const act = new Keys(page);
  await page.goto('/');
  await s.screen(page, 'login');
  await signIn(act, ACCOUNTS.operator);
  await onScreen(page, 'office-home');

  const rp = await context.newPage();
  await rp.goto('/resident');
  await s.screen(rp, 'resident');

  const seen = await enroll(s, act, new Keys(rp), { supervisor: ACCOUNTS.supervisor });
  for (const step of [/face/, /sign/, /finger/, /review/, /slip/]) {
    assert.ok(seen.some((n) => step.test(n)), `no ${step} screen in ${seen.join(' > ')}`);
  }
  assert.ok((await page.locator('main').innerText()).includes(RESIDENT.nik));
  assert.deepEqual(pointer, [], 'the mouse was used');
  await s.finish();
});
