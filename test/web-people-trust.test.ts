/**
 * Issue 19 on the People page, in Debian's Chromium (playwright-core) against the local backend on real
 * faces-dev photos (real engine, SQLite, the launcher's HTTP server): finding people, keyboard focus,
 * the tab title, live refresh, the person picker, merging named people, the photo view's walk, and the
 * narrow screen. Each check reads the album back through the API where the page changed it.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Capabilities } from '../src/album/capabilities';
import type { Person, Photo } from '../src/album/types';
import type { RunningAlbum } from '../src/local/launcher/album-daemon';
import { createLogger } from '../src/log/logger';
import { chromiumFound, launchChromium } from './support/chromium';
import { startPageAlbum } from './support/page-album';

const DEV = resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const STRANGERS = resolve(import.meta.dirname, '../../shared/datasets/faces-strangers');
const IDENTITIES: Record<string, number> = {
  Hugo_Chavez: 4,
  Colin_Powell: 4,
  Ariel_Sharon: 4,
  Jennifer_Capriati: 3,
};
/** One face seen once: it belongs to no person. */
const STRANGER = 'stranger/1.jpg';
const GROUP = 'group/two people.jpg';
const log = createLogger({ level: 'error' });

async function photosFolder(root: string): Promise<void> {
  const copy = (from: string, key: string) => {
    mkdirSync(dirname(join(root, key)), { recursive: true });
    copyFileSync(from, join(root, key));
  };
  for (const [who, n] of Object.entries(IDENTITIES))
    for (let i = 1; i <= n; i++) copy(join(DEV, who, `${i}.jpg`), `${who}/${i}.jpg`);
  copy(join(STRANGERS, 'Aaron_Eckhart/1.jpg'), STRANGER);
  // Two more faces of no one, for the Unknown faces view.
  for (const who of ['Aaron_Guiel', 'Aaron_Patterson'])
    copy(join(STRANGERS, who, '1.jpg'), `stranger/${who}.jpg`);
  const tiles = await Promise.all(
    ['Hugo_Chavez/5.jpg', 'Colin_Powell/5.jpg'].map((f) => sharp(join(DEV, f)).resize(400, 400).toBuffer()),
  );
  mkdirSync(join(root, 'group'), { recursive: true });
  await sharp({ create: { width: 800, height: 400, channels: 3, background: '#222' } })
    .composite(tiles.map((input, i) => ({ input, left: i * 400, top: 0 })))
    .jpeg()
    .toFile(join(root, GROUP));
}

function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Pixels of the focus ring's colour (--accent, light scheme #0b57d0) inside a box of the page. */
async function accentPixels(page: Page, box: { x: number; y: number; width: number; height: number }) {
  const png = await page.screenshot({ clip: box });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  let n = 0;
  for (let i = 0; i < data.length; i += info.channels)
    if (Math.abs(data[i]! - 11) < 40 && Math.abs(data[i + 1]! - 87) < 40 && Math.abs(data[i + 2]! - 208) < 40)
      n++;
  return n;
}

describe.skipIf(!chromiumFound())('People page: issue 19 (local backend, real faces)', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let work: string;
  let running: RunningAlbum;
  let caps: Capabilities & { faceAttributes?: string[] };
  const personOf: Record<string, string> = {};
  /** The `oss://<bucket>/` every photo's uri starts with (the local bucket is the folder). */
  let uriBase = '';
  const api = async <T>(path: string, init?: { method: string; body?: unknown }): Promise<T> => {
    const res = await fetch(running.url + path, {
      method: init?.method ?? 'GET',
      headers: init?.body ? { 'content-type': 'application/json' } : {},
      body: init?.body ? JSON.stringify(init.body) : undefined,
    });
    expect(res.status, `${init?.method ?? 'GET'} ${path}`).toBeLessThan(300);
    return (await res.json()) as T;
  };
  const enc = encodeURIComponent;

  beforeAll(async () => {
    browser = await launchChromium();
    work = mkdtempSync(join(tmpdir(), 'fa-web19-'));
    await photosFolder(join(work, 'photos'));
    running = await startPageAlbum(work, log);
    await running.idle();
    caps = await api('/capabilities');
    for (const p of (await api<{ items: Person[] }>('/people?limit=100')).items) {
      const photos = await api<{ items: Photo[] }>(`/people/${enc(p.id)}/photos?limit=100`);
      const folder = photos.items.map((ph) => ph.key.split('/')[0]!).find((f) => f in IDENTITIES);
      if (folder) personOf[folder] = p.id;
      const ph = photos.items[0]!;
      uriBase = ph.uri.slice(0, ph.uri.length - ph.key.length);
    }
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await running?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('People: "Search people" filters by name, the sort survives a reload, focus is visible and comes back to the card, the tab title follows', async () => {
    expect(Object.keys(personOf).sort()).toEqual(Object.keys(IDENTITIES).sort());
    await api(`/people/${enc(personOf.Hugo_Chavez!)}`, { method: 'PATCH', body: { name: 'Hugo Chávez' } });
    await api(`/people/${enc(personOf.Ariel_Sharon!)}`, { method: 'PATCH', body: { name: 'Ariel' } });
    const page = await browser.context.newPage();
    const errors = watchConsole(page);
    await page.goto(`${running.url}/`);
    const grid = page.getByRole('list', { name: 'People' });
    await expect.poll(() => grid.getByRole('listitem').count()).toBe(4);
    expect(await page.title()).toBe('People · face-album');

    // Server-side ?q= (accent-insensitive), typing debounced: "hugo chav" finds "Hugo Chávez" only.
    const search = page.getByRole('searchbox', { name: 'Search people' });
    await search.fill('hugo chav');
    await expect.poll(() => grid.getByRole('listitem').count()).toBe(1);
    await grid.getByRole('link', { name: /^Hugo Chávez, \d photos/ }).waitFor();
    await search.fill('');
    await expect.poll(() => grid.getByRole('listitem').count()).toBe(4);

    // The sort is remembered across a reload.
    await page.getByRole('combobox', { name: 'Sort by' }).selectOption('name');
    await page.reload();
    await expect.poll(() => grid.getByRole('listitem').count()).toBe(4);
    expect(await page.getByRole('combobox', { name: 'Sort by' }).inputValue()).toBe('name');
    // Sort by name (bug 10): named people first in name order, unnamed after them, most photos first.
    const cards = await grid
      .getByRole('link')
      .evaluateAll((els) =>
        els.map(
          (el) =>
            [
              el.querySelector('.name')?.textContent,
              Number.parseInt(el.querySelector('.count')?.textContent ?? '', 10),
            ] as const,
        ),
      );
    expect(cards.map(([name]) => name)).toEqual(['Ariel', 'Hugo Chávez', 'Unnamed person', 'Unnamed person']);
    expect(cards[2]![1]).toBeGreaterThan(cards[3]![1]);
    await page.getByRole('combobox', { name: 'Sort by' }).selectOption('imageCount');

    // Keyboard: Tab to the first card; its focus ring is drawn (not clipped to the card's corners).
    const first = grid.getByRole('link').first();
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      if (await first.evaluate((el) => el === document.activeElement)) break;
    }
    expect(await first.evaluate((el) => el === document.activeElement)).toBe(true);
    const card = (await grid.getByRole('listitem').first().boundingBox())!;
    expect(await accentPixels(page, card)).toBeGreaterThan(200);

    // Enter opens the person: focus on its heading, the tab titled with the name; Back: focus on the card.
    const href = await first.getAttribute('href');
    await page.keyboard.press('Enter');
    const h1 = page.getByRole('heading', { level: 1 });
    await expect.poll(() => h1.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.title()).toBe(`${await h1.textContent()} · face-album`);
    await page.goBack();
    await expect
      .poll(() =>
        page.evaluate(() => document.activeElement?.getAttribute('href') ?? document.activeElement?.tagName),
      )
      .toBe(href);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('People refreshes by itself: a merge made elsewhere shows in the open grid without a reload', async () => {
    const page = await browser.context.newPage();
    const errors = watchConsole(page);
    await page.goto(`${running.url}/`);
    const grid = page.getByRole('list', { name: 'People' });
    await expect.poll(() => grid.getByRole('listitem').count()).toBe(4);
    // Colin into Ariel, through the API, as another tab or app would.
    await api('/people/merge', {
      method: 'POST',
      body: { from: [personOf.Colin_Powell!], into: personOf.Ariel_Sharon! },
    });
    await expect.poll(() => grid.getByRole('listitem').count(), { timeout: 25_000, interval: 500 }).toBe(3);
    await grid.getByRole('link', { name: /^Ariel, 9 photos/ }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('Merge: unnamed people read "Unnamed person · N photos"; two names ask which to keep; a rename to a taken name offers the merge', async () => {
    const hugo = personOf.Hugo_Chavez!;
    const jennifer = personOf.Jennifer_Capriati!;
    const page = await browser.context.newPage();
    const errors = watchConsole(page);
    await page.goto(`${running.url}/#/people/${enc(hugo)}`);
    await page.getByRole('button', { name: 'Merge…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('checkbox', { name: 'Unnamed person · 3 photos' }).first().waitFor();
    // Named people before unnamed ones, in each list of the dialog.
    for (const legend of ['Possibly the same person', 'Everyone, by name']) {
      const names = await dialog
        .getByRole('group', { name: legend })
        .getByRole('checkbox')
        .evaluateAll((els) => els.map((e) => e.closest('label')?.textContent?.trim() ?? ''));
      const unnamed = names.map((n) => n.startsWith('Unnamed person'));
      expect(unnamed, `${legend}: ${names.join(' | ')}`).toEqual([...unnamed].sort());
    }
    // Ticking a named person: both names are offered, the kept person's first.
    await dialog.getByRole('checkbox', { name: 'Ariel', exact: true }).check();
    const keep = dialog.getByRole('group', { name: 'Name to keep' });
    expect(await keep.getByRole('radio', { name: 'Hugo Chávez' }).isChecked()).toBe(true);
    await keep.getByRole('radio', { name: 'Ariel' }).waitFor();
    // Undoable here (local): no warning; on IMM the dialog warns (test/web-page.test.ts).
    expect(await dialog.getByText(/cannot be undone/).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByRole('dialog').count()).toBe(0);

    // Jennifer renamed "Hugo Chávez": the page says someone has that name and offers to merge them.
    await page.goto(`${running.url}/#/people/${enc(jennifer)}`);
    await page.getByRole('heading', { level: 1, name: 'Unnamed person' }).waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('Hugo Chávez');
    await page.getByRole('textbox', { name: 'Name' }).press('Enter');
    await page.getByText('Someone else is also called Hugo Chávez.').waitFor();
    await page.getByRole('status').filter({ hasText: 'Renamed to Hugo Chávez.' }).waitFor();
    await page.getByRole('button', { name: 'Merge them…' }).click();
    expect(await dialog.getByRole('checkbox', { name: 'Hugo Chávez', exact: true }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Merge', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Merged 1 person into Hugo Chávez.' }).waitFor();
    await expect.poll(() => page.getByRole('list', { name: 'Photos' }).getByRole('listitem').count()).toBe(8);
    expect((await api<Person>(`/people/${enc(jennifer)}`)).imageCount).toBe(8);
    expect((await api<{ items: Person[] }>('/people?limit=100')).items.map((p) => p.name).sort()).toEqual([
      'Ariel',
      'Hugo Chávez',
    ]);

    // The merged-away person's address: no error with a "Try again" that cannot help.
    await page.goto(`${running.url}/#/people/${enc(hugo)}`);
    await page.waitForURL(`**/#/people/${enc(jennifer)}`);
    await page.getByRole('heading', { level: 1, name: 'Hugo Chávez' }).waitFor();
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('Photo: back to the person, previous/next (buttons and arrow keys), date and full size; an unknown face goes to a person picked by face and name', async () => {
    const ariel = personOf.Ariel_Sharon!;
    const page = await browser.context.newPage();
    const errors = watchConsole(page);
    await page.goto(`${running.url}/#/people/${enc(ariel)}`);
    const photos = page.getByRole('list', { name: 'Photos' });
    await expect.poll(() => photos.getByRole('listitem').count()).toBe(9);
    await photos.getByRole('link').first().click();
    await page.getByRole('link', { name: '← Ariel' }).waitFor();
    const title1 = await page.getByRole('heading', { level: 1 }).textContent();
    expect(await page.title()).toBe(`${title1} · face-album`);
    await page.getByText('1 of 9').waitFor();
    await page.getByText(/No date in the photo|Taken /).waitFor();
    const full = page.getByRole('link', { name: 'Full size' });
    expect(await full.getAttribute('href')).toMatch(/^\/media\/|^http/);
    expect(await page.getByText(/Cannot found/).count()).toBe(0);
    await page.getByRole('link', { name: 'Next photo →' }).click();
    await page.getByText('2 of 9').waitFor();
    await page.keyboard.press('ArrowRight');
    await page.getByText('3 of 9').waitFor();
    await page.keyboard.press('ArrowLeft');
    await page.getByText('2 of 9').waitFor();
    await page.getByRole('link', { name: '← Ariel' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ariel' }).waitFor();

    // The stranger's face: "Give to a person…" lists people by face and name.
    const stranger = await api<Photo>(`/photos/faces?uri=${enc(uriBase + STRANGER)}`);
    expect(stranger.faces.length).toBe(1);
    expect(stranger.faces[0]!.personId).toBeNull();
    await page.goto(`${running.url}/#/photo/${enc(stranger.uri)}`);
    await page.getByRole('link', { name: '← People' }).waitFor();
    await page.getByRole('button', { name: 'Give to a person…' }).click();
    const picker = page.getByRole('dialog');
    const choice = picker.getByRole('button', { name: 'Ariel, 9 photos' });
    await choice.waitFor();
    expect(await choice.locator('img').count()).toBe(1);
    expect(await picker.getByRole('button', { name: 'New person' }).count()).toBe(caps.unknownFaces ? 1 : 0);
    await choice.click();
    await page.getByRole('status').filter({ hasText: 'Gave the face to Ariel.' }).waitFor();
    const after = await api<Photo>(`/photos/faces?uri=${enc(stranger.uri)}`);
    expect(after.faces[0]!.personId).toBe(ariel);
    // …and "Undo" gives it back to no one.
    await page.locator('.edit-status').getByRole('button', { name: 'Undo' }).click();
    await page
      .locator('.edit-status')
      .getByText(/^Undone: /)
      .waitFor();
    expect((await api<Photo>(`/photos/faces?uri=${enc(stranger.uri)}`)).faces[0]!.personId).toBeNull();
    await page.getByRole('button', { name: 'Give to a person…' }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('At 390 px the face boxes carry only their number (names are in the list below)', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${running.url}/#/photo/${enc(uriBase + GROUP)}`);
    const labels = page.locator('.face-label');
    await expect.poll(() => labels.count()).toBeGreaterThanOrEqual(2);
    // innerText: what is rendered (the name is hidden by CSS at this width), not the DOM text.
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is checked
    const texts = await labels.evaluateAll((els) => els.map((e) => (e as HTMLElement).innerText.trim()));
    expect(texts).toEqual(texts.map((_, i) => `${i + 1}.`));
    // Wide again: the names come back on the boxes.
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is checked
      (await labels.evaluateAll((els) => els.map((e) => (e as HTMLElement).innerText.trim()))).some((t) =>
        /\d\. \S/.test(t),
      ),
    ).toBe(true);
    await page.close();
  }, 60_000);

  it('Undo: each edit on the page says what it did with "Undo", and Undo restores the album (checked through the API)', async () => {
    expect(caps.undo).toBe(true);
    const ariel = personOf.Ariel_Sharon!;
    const page = await browser.context.newPage();
    const errors = watchConsole(page);
    const status = page.locator('.edit-status');
    const undo = async () => {
      await status.getByRole('button', { name: 'Undo' }).click();
      await status.getByText(/^Undone: /).waitFor();
    };
    const before = await api<Person>(`/people/${enc(ariel)}`);
    await page.goto(`${running.url}/#/people/${enc(ariel)}`);
    await page.getByRole('heading', { level: 1, name: 'Ariel' }).waitFor();

    // Rename, then Undo: the old name is back, on the page and in the API.
    await page.getByRole('textbox', { name: 'Name' }).fill('Ariel S');
    await page.getByRole('textbox', { name: 'Name' }).press('Enter');
    await status.getByText('Renamed to Ariel S.').waitFor();
    await undo();
    expect((await api<Person>(`/people/${enc(ariel)}`)).name).toBe('Ariel');
    await page.getByRole('heading', { level: 1, name: 'Ariel' }).waitFor();

    // Hide, then Undo.
    await page.getByRole('button', { name: 'Hide' }).click();
    await page.getByRole('button', { name: 'Unhide' }).waitFor();
    expect((await api<Person>(`/people/${enc(ariel)}`)).hidden).toBe(true);
    await undo();
    expect((await api<Person>(`/people/${enc(ariel)}`)).hidden).toBe(false);
    await page.getByRole('button', { name: 'Hide' }).waitFor();

    // Not this person, then Undo: the photo is back.
    const photos = page.getByRole('list', { name: 'Photos' });
    const n = await photos.getByRole('listitem').count();
    await photos.getByRole('button', { name: 'Not this person' }).first().click();
    await expect.poll(() => photos.getByRole('listitem').count()).toBe(n - 1);
    await undo();
    await expect.poll(() => photos.getByRole('listitem').count()).toBe(n);
    expect((await api<Person>(`/people/${enc(ariel)}`)).imageCount).toBe(before.imageCount);

    // Cover, then Undo: the cover it had.
    await photos.getByRole('button', { name: 'Use as cover' }).first().click();
    await status.getByText('New cover for Ariel.').waitFor();
    expect((await api<Person>(`/people/${enc(ariel)}`)).cover?.uri).not.toBe(before.cover?.uri);
    await undo();
    expect((await api<Person>(`/people/${enc(ariel)}`)).cover?.uri).toBe(before.cover?.uri);

    // Merge (keeping the other name), then Undo: both people back, with their ids, names and covers.
    const other = (await api<{ items: Person[] }>('/people?limit=100')).items.find((p) => p.id !== ariel)!;
    await page.getByRole('button', { name: 'Merge…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('checkbox', { name: other.name!, exact: true }).check();
    await dialog
      .getByRole('group', { name: 'Name to keep' })
      .getByRole('radio', { name: other.name! })
      .check();
    await dialog.getByRole('button', { name: 'Merge', exact: true }).click();
    await status.getByText(`Merged 1 person into ${other.name}.`).waitFor();
    const merged = await api<Person>(`/people/${enc(ariel)}`);
    expect(merged.name).toBe(other.name);
    expect(merged.cover?.uri).toBe(before.cover?.uri); // bug 1: the kept person's cover stays
    await undo();
    const back = await api<{ items: Person[] }>('/people?limit=100');
    expect(back.items.map((p) => [p.id, p.name]).sort()).toEqual(
      [
        [ariel, 'Ariel'],
        [other.id, other.name],
      ].sort(),
    );

    // After a reload the status line is gone; the edit log on Status undoes the edit still.
    await page.getByRole('heading', { level: 1, name: 'Ariel' }).waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('Ariel Later');
    await page.getByRole('textbox', { name: 'Name' }).press('Enter');
    await status.getByText('Renamed to Ariel Later.').waitFor();
    await page.reload();
    await page.getByRole('navigation').getByRole('link', { name: 'Status' }).click();
    const edits = page.getByRole('list', { name: 'Recent edits' });
    await edits.getByRole('button', { name: /^Undo: .*Ariel Later/ }).click();
    await status.getByText(/^Undone: /).waitFor();
    expect((await api<Person>(`/people/${enc(ariel)}`)).name).toBe('Ariel');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('Unknown faces: a group goes to a New person or is marked "Not a face", and each is undone', async () => {
    expect(caps.unknownFaces).toBe(true);
    const page = await browser.context.newPage();
    const errors = watchConsole(page);
    const status = page.locator('.edit-status');
    await page.goto(`${running.url}/`);
    await page.getByRole('navigation').getByRole('link', { name: 'Unknown faces' }).click();
    await page.getByRole('heading', { level: 1, name: 'Unknown faces' }).waitFor();
    expect(await page.title()).toBe('Unknown faces · face-album');
    const groups = page.getByRole('list', { name: 'Groups of unknown faces' });
    await expect
      .poll(() =>
        groups
          .getByRole('listitem')
          .filter({ has: page.locator('h2') })
          .count(),
      )
      .toBeGreaterThan(0);
    const unknownBefore = await api<{ items: { id: string; size: number; faces: { id: string }[] }[] }>(
      '/faces/unknown?limit=100',
    );
    const sizes = unknownBefore.items.map((g) => g.size);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    const firstGroup = groups.locator(':scope > li').first();
    const faceIds = unknownBefore.items[0]!.faces.map((f) => f.id);

    // Not a face: gone from the groups, listed as marked; Undo brings it back.
    await firstGroup.getByRole('button', { name: 'Not a face' }).click();
    await status.getByText(/^Marked \d+ faces? as not a face\.$/).waitFor();
    const marked = await api<{ items: { id: string }[] }>('/faces/not-a-face?limit=100');
    expect(marked.items.map((f) => f.id)).toEqual(expect.arrayContaining(faceIds));
    await status.getByRole('button', { name: 'Undo' }).click();
    await status.getByText(/^Undone: /).waitFor();
    expect(
      (await api<{ items: { id: string }[] }>('/faces/not-a-face?limit=100')).items.map((f) => f.id),
    ).not.toEqual(expect.arrayContaining(faceIds));

    // Give the group to a New person: a person with those faces exists; Undo removes it again.
    const peopleBefore = (await api<{ items: Person[] }>('/people?limit=100&hidden=include')).items.length;
    await expect.poll(() => groups.locator(':scope > li').count()).toBeGreaterThan(0);
    await groups
      .locator(':scope > li')
      .first()
      .getByRole('button', { name: /^Give .* to…$/ })
      .click();
    await page.getByRole('dialog').getByRole('button', { name: 'New person' }).click();
    await status.getByText(/^Gave \d+ faces? to a new person\.$/).waitFor();
    expect((await api<{ items: Person[] }>('/people?limit=100&hidden=include')).items.length).toBe(
      peopleBefore + 1,
    );
    await status.getByRole('button', { name: 'Undo' }).click();
    await status.getByText(/^Undone: /).waitFor();
    expect((await api<{ items: Person[] }>('/people?limit=100&hidden=include')).items.length).toBe(
      peopleBefore,
    );
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  // Issue 21's routes (GET /photos?people=, POST /people/search): the page shows With… and Who is this?
  // only where the server has them (capabilities.faceAttributes); on a server without them this is skipped.
  it('Find: "With…" shows only photos that hold both people; "Who is this?" names the person in a new photo', async (ctx) => {
    if (!caps.faceAttributes) ctx.skip();
    const ariel = personOf.Ariel_Sharon!;
    const page = await browser.context.newPage();
    const errors = watchConsole(page);
    await page.goto(`${running.url}/#/people/${enc(ariel)}`);
    await page.getByRole('heading', { level: 1, name: 'Ariel' }).waitFor();
    await page.getByRole('button', { name: 'With…' }).click();
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /^Hugo Chávez, \d+ photos$/ })
      .click();
    const both = await api<{ items: Photo[] }>(
      `/photos?people=${enc(ariel)},${enc(personOf.Jennifer_Capriati!)}`,
    );
    expect(both.items.map((p) => p.key)).toEqual([GROUP]);
    const photos = page.getByRole('list', { name: 'Photos' });
    await expect.poll(() => photos.getByRole('listitem').count()).toBe(1);
    await photos.getByRole('link', { name: `Open ${GROUP.split('/')[1]}` }).waitFor();

    // A photo the album does not hold, of Hugo, who is still one identity here; before the page is
    // asked, so the API's answer is what the page must show. (By the end of this file Ariel holds Colin
    // and Hugo holds Jennifer: the average face of two people rightly matches neither.)
    const file = join(DEV, 'Hugo_Chavez/10.jpg');
    const res = await fetch(`${running.url}/people/search`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: readFileSync(file),
    });
    const found = (await res.json()) as { faces: { matches: { person: { id: string } }[] }[] };
    expect(found.faces).toHaveLength(1);
    await page.getByRole('navigation').getByRole('link', { name: 'People' }).click();
    await page.getByRole('button', { name: 'Who is this?' }).click();
    await page.getByLabel('Drop a photo here, or choose one').setInputFiles(file);
    const dialog = page.getByRole('dialog');
    const first = found.faces[0]!.matches[0];
    if (first)
      await dialog.locator(`a[href="#/people/${enc(first.person.id)}"]`).waitFor({ timeout: 30_000 });
    else await dialog.getByText('No likely match').waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});
