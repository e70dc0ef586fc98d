// Driving the console the way an operator does, by mouse and keyboard (`Clicks`) or by keyboard
// alone (`Keys`), through labels, roles and `<main data-screen>`: the steps the scenarios share.
// Wording is matched in both languages, so a step works whichever language the console shows.

import { anyOf, tabTo } from './harness.mjs';

/** Operates the page with the mouse (and types into fields). */
export class Clicks {
  constructor(page) {
    this.page = page;
    this.keyboard = false;
  }
  async fill(locator, text) {
    await locator.fill(text);
  }
  async press(locator) {
    await locator.click();
  }
  async choose(locator) {
    await locator.check();
  }
  async select(locator, option) {
    await locator.selectOption(option);
  }
}

/** Operates the page with Tab, Shift+Tab, Enter, Space, arrows and typing only: never a click. */
export class Keys {
  constructor(page) {
    this.page = page;
    this.keyboard = true;
  }
  async fill(locator, text) {
    await tabTo(this.page, locator);
    await this.page.keyboard.press('ControlOrMeta+A');
    await this.page.keyboard.press('Backspace');
    await this.page.keyboard.type(text);
  }
  async press(locator) {
    await tabTo(this.page, locator);
    const tag = await locator.evaluate((e) => `${e.tagName} ${e.getAttribute('type') ?? ''}`);
    // Links follow Enter; buttons take Enter or Space; a checkbox only Space.
    await this.page.keyboard.press(/INPUT (checkbox|radio)/.test(tag) ? 'Space' : 'Enter');
  }
  /** A radio button or checkbox: Tab into its group, then arrows (radios) or Space. */
  async choose(locator) {
    const kind = await locator.evaluate((e) => ({ type: e.type, name: e.name }));
    if (kind.type === 'radio') {
      const group = this.page.locator(`input[type=radio][name="${kind.name}"]`);
      // Tab stops on the group's checked radio, or its first when none is.
      const n = await group.count();
      let reached = false;
      for (let i = 0; i < 80 && !reached; i += 1) {
        reached = await group.evaluateAll((rs) => rs.includes(document.activeElement));
        if (!reached) await this.page.keyboard.press('Tab');
      }
      if (!reached) throw new Error(`Tab never reached the radio group ${kind.name}`);
      for (let i = 0; i <= n; i += 1) {
        if (await locator.evaluate((e) => e === document.activeElement)) break;
        await this.page.keyboard.press('ArrowDown');
      }
      if (!(await locator.isChecked())) await this.page.keyboard.press('Space');
      return;
    }
    await tabTo(this.page, locator);
    if (!(await locator.isChecked())) await this.page.keyboard.press('Space');
  }
  /** A `<select>`: focused with Tab, moved with the arrow keys to the option whose value or text
   * is `option`. */
  async select(locator, option) {
    await tabTo(this.page, locator);
    const want = await locator.evaluate(
      (s, o) => [...s.options].findIndex((x) => x.value === o || x.textContent.trim() === o),
      option,
    );
    if (want < 0) throw new Error(`no option ${option} in ${locator}`);
    for (let i = 0; i < 200; i += 1) {
      const at = await locator.evaluate((s) => s.selectedIndex);
      if (at === want) return;
      await this.page.keyboard.press(at < want ? 'ArrowDown' : 'ArrowUp');
    }
    throw new Error(`could not reach option ${option} in ${locator} with the arrow keys`);
  }
}

// --- wording (both languages) ------------------------------------------------------------------

export const W = {
  operatorId: anyOf('ID operator', 'Operator ID', 'Nama pengguna', 'User name', 'ID petugas'),
  password: anyOf('Kata sandi', 'Password'),
  signIn: anyOf('Masuk', 'Sign in'),
  signOut: anyOf('Keluar', 'Sign out'),
  newEnrollment: anyOf('Perekaman baru', 'New enrollment', 'Pendaftaran baru', 'Rekam baru'),
  english: anyOf('English'),
  indonesian: anyOf('Bahasa Indonesia', 'Indonesia'),
  errorSummary: anyOf('Ada masalah', 'There is a problem', 'Periksa', 'Check'),
  unlock: anyOf('Buka kunci', 'Unlock', 'Lanjutkan', 'Continue'),
};

/** Waits for `<main data-screen=name>` (one name or any of several); returns the name shown. */
export async function onScreen(page, ...names) {
  const sel = names.map((n) => `main[data-screen="${n}"]`).join(', ');
  await page.locator(sel).first().waitFor({ state: 'visible' });
  return page.locator('main[data-screen]').first().getAttribute('data-screen');
}

/** Fills the sign-in form of the page (already on it) and submits it. */
export async function signIn(act, who, password = who.password) {
  const page = act.page;
  await act.fill(page.getByLabel(W.operatorId), who.id);
  await act.fill(page.getByLabel(W.password), password);
  await act.press(page.getByRole('button', { name: W.signIn }));
}

/** The session's CSRF token, as the page's forms carry it. */
export async function csrfToken(page) {
  return page.locator('input[name="_csrf"]').first().inputValue();
}
