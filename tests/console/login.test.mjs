// Signing in: wrong passwords are refused with the attempts left, the fifth locks the account and
// says until when (even the right password is refused then), another account is unaffected, and
// a signed-out visitor is sent to the sign-in page.

import assert from 'node:assert/strict';
import test from 'node:test';

import { ACCOUNTS, setup } from './harness.mjs';
import { Clicks, W, onScreen, signIn } from './flows.mjs';

const env = setup(test, 'login');

test('five wrong passwords lock the account and the page says until when', async () => {
  const s = env.scenario;
  const page = await s.page();
  const act = new Clicks(page);
  await page.goto('/');
  // Not signed in: the console asks who is there first.
  await page.waitForURL(/\/login/);
  await s.screen(page, 'login');

  const op = ACCOUNTS.operator;
  for (let i = 1; i <= 4; i += 1) {
    await signIn(act, op, `salah-${i}`);
    await onScreen(page, 'login');
    const summary = page.getByRole('alert');
    await summary.waitFor();
    // What was typed is kept; the attempts left are counted down.
    assert.equal(await page.getByLabel(W.operatorId).inputValue(), op.id);
    assert.match(await summary.innerText(), new RegExp(`\\b${5 - i}\\b`), `after ${i} failures`);
    if (i === 1) await s.check(page, 'login-wrong-password');
  }
  await signIn(act, op, 'salah-5');
  await onScreen(page, 'login');
  const locked = page.getByRole('alert');
  await locked.waitFor();
  const text = await locked.innerText();
  assert.match(text, /dikunci|terkunci|locked/i, text);
  // Until when, as a time of day.
  assert.match(text, /\b\d{1,2}[:.]\d{2}\b/, text);
  await s.check(page, 'login-locked');

  // Locked means locked: the right password does not open it now.
  await signIn(act, op, op.password);
  await onScreen(page, 'login');
  assert.match(await page.getByRole('alert').innerText(), /dikunci|terkunci|locked/i);

  // Someone else at the same desk is not locked out.
  await signIn(act, ACCOUNTS.supervisor);
  await onScreen(page, 'office-home');
  await s.screen(page, 'office-home');
  await s.finish();
});
