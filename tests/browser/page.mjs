// Driving the page through web/CONTRACT.md only: its DOM ids, data attributes and the test hook
// `window.redlint`. Everything a user would do goes through the keyboard, the mouse or a paste.
import path from 'node:path';

/** How long the page may take to load the engine and show the example's first findings. */
const READY_TIMEOUT = 60_000;
/** How long a change may take to show its findings (debounce + lint, on a busy CI machine). */
const SETTLE_TIMEOUT = 20_000;

/** Opens the page and waits for `body[data-state="ready"]` (the example's first findings). */
export async function openPage(browser, origin) {
  const page = await browser.context.newPage();
  page.on('dialog', (dialog) => dialog.accept());
  await page.goto(origin + '/');
  try {
    await page.waitForSelector('body[data-state="ready"]', { timeout: READY_TIMEOUT });
  } catch {
    const state = await page.getAttribute('body', 'data-state').catch(() => null);
    throw new Error(
      `the page never became ready (body[data-state="ready"]) within ${READY_TIMEOUT / 1000} s; ` +
        `data-state is ${JSON.stringify(state)}; errors so far: ${JSON.stringify(browser.errors)}`,
    );
  }
  return page;
}

/** The tab of a host path. */
export function tab(page, hostPath) {
  return page.locator(`#tabs [role=tab][data-path="${hostPath}"]`);
}

/** The host paths of the editor's tabs, in order. */
export function tabPaths(page) {
  return page.$$eval('#tabs [role=tab][data-path]', (tabs) => tabs.map((t) => t.dataset.path));
}

/** Selects the tab of `hostPath` with a click and waits for it to be the active one. */
export async function selectTab(page, hostPath) {
  const t = tab(page, hostPath);
  if ((await t.count()) === 0) {
    throw new Error(`no tab for ${hostPath}; tabs: ${JSON.stringify(await tabPaths(page))}`);
  }
  await t.click();
  await page.waitForSelector(`#tabs [role=tab][data-path="${hostPath}"][aria-selected="true"]`, {
    timeout: 5_000,
  });
}

/**
 * Adds a tab with `#add-tab` and gives it `hostPath` through `#tab-host-path` and the host
 * path's file name through `#tab-name` (the name findings are reported under).
 */
export async function addTab(page, hostPath) {
  const before = new Set(await tabPaths(page));
  await page.click('#add-tab');
  await page.waitForFunction(
    (n) => document.querySelectorAll('#tabs [role=tab][data-path]').length > n,
    before.size,
    { timeout: 5_000 },
  ).catch(() => {
    throw new Error(`#add-tab did not add a tab (tabs: ${JSON.stringify([...before])})`);
  });
  const name = page.locator('#tab-name');
  await name.fill(path.posix.basename(hostPath));
  await name.press('Enter');
  const input = page.locator('#tab-host-path');
  await input.fill(hostPath);
  await input.press('Enter');
  await page.waitForSelector(`#tabs [role=tab][data-path="${hostPath}"]`, { timeout: 5_000 }).catch(async () => {
    throw new Error(
      `setting #tab-host-path to ${hostPath} did not rename the new tab (tabs: ${JSON.stringify(await tabPaths(page))})`,
    );
  });
}

/** Removes the tab of `hostPath` with `#tab-remove`. */
export async function removeTab(page, hostPath) {
  await selectTab(page, hostPath);
  await page.click('#tab-remove');
  await tab(page, hostPath).waitFor({ state: 'detached', timeout: 5_000 }).catch(() => {
    throw new Error(`#tab-remove did not remove the tab of ${hostPath}`);
  });
}

/**
 * Replaces the active tab's text as a user would: focus the editor, select all, and either type
 * the text in one input event (`keyboard.insertText`) or paste it from the clipboard.
 */
export async function replaceEditorText(page, text, { via = 'keyboard' } = {}) {
  const content = page.locator('#editor .cm-editor .cm-content');
  await content.click();
  await page.keyboard.press('Control+A');
  if (via === 'clipboard') {
    await page.evaluate((t) => navigator.clipboard.writeText(t), text);
    await page.keyboard.press('Control+V');
  } else {
    await page.keyboard.insertText(text);
  }
}

/** The text of every tab, by host path, from the test hook. */
export async function filesByHostPath(page) {
  const files = await page.evaluate(() => window.redlint.getFiles());
  return Object.fromEntries(files.map((f) => [f.host_path ?? f.path, f.text]));
}

/**
 * Makes the editor hold exactly `files` ([{hostPath, text}]): each pasted into its tab (added
 * when missing), every other tab removed. The first file goes in through the clipboard, the
 * rest with keyboard input, so both ways a user fills the editor are exercised.
 */
export async function setDeployment(page, files) {
  for (const [i, { hostPath, text }] of files.entries()) {
    if ((await tab(page, hostPath).count()) === 0) await addTab(page, hostPath);
    await selectTab(page, hostPath);
    await replaceEditorText(page, text, { via: i === 0 ? 'clipboard' : 'keyboard' });
  }
  const wanted = new Set(files.map((f) => f.hostPath));
  for (const other of await tabPaths(page)) {
    if (!wanted.has(other)) await removeTab(page, other);
  }
  const held = await filesByHostPath(page);
  for (const { hostPath, text } of files) {
    if (held[hostPath] !== text) {
      throw new Error(
        `after the paste, the tab of ${hostPath} does not hold the pasted text ` +
          `(${held[hostPath]?.length ?? 'no'} characters instead of ${text.length})`,
      );
    }
  }
}

/** Sets the host facts the sizing rules read (the CLI gets the same as flags). */
export async function setHostFacts(page, { memory, cpus, build = 'distro' }) {
  await page.fill('#host-memory', memory);
  await page.press('#host-memory', 'Tab');
  await page.fill('#host-cpus', String(cpus));
  await page.press('#host-cpus', 'Tab');
  await page.selectOption('#redis-build', build);
}

/** The findings list as the page shows it: [{code, file, line, severity}]. */
export function pageFindings(page) {
  return page.$$eval('#findings li.finding', (items) =>
    items.map((li) => ({
      code: li.dataset.code,
      file: li.dataset.file,
      line: Number(li.dataset.line),
      severity: li.dataset.severity,
    })),
  );
}

/**
 * One comparable line per finding. Files are compared by name: the page reports a tab's path,
 * the CLI the path under `--root`, and the tests never paste two files of the same name.
 */
export function findingKey({ code, file, line, severity }) {
  return `${path.posix.basename(file)}:${line} ${code} ${severity}`;
}

export function findingKeys(findings) {
  return findings.map(findingKey).sort();
}

/**
 * Waits until the findings list shows exactly `expected` (CLI findings); on timeout, fails
 * with what is missing and what is extra.
 */
export async function waitForFindings(page, expected, what) {
  const want = findingKeys(expected);
  const deadline = Date.now() + SETTLE_TIMEOUT;
  let got = [];
  while (Date.now() < deadline) {
    got = findingKeys(await pageFindings(page));
    const count = await page.getAttribute('#summary', 'data-count');
    if (JSON.stringify(got) === JSON.stringify(want) && Number(count) === want.length) return got;
    await page.waitForTimeout(100);
  }
  const missing = want.filter((k) => !got.includes(k));
  const extra = got.filter((k) => !want.includes(k));
  const count = await page.getAttribute('#summary', 'data-count');
  throw new Error(
    `${what}: the page's findings differ from \`redlint check\` after ${SETTLE_TIMEOUT / 1000} s\n` +
      `  missing in the page: ${JSON.stringify(missing)}\n  only in the page: ${JSON.stringify(extra)}\n` +
      `  #summary[data-count] = ${count}, CLI count = ${want.length}`,
  );
}

/**
 * Runs axe-core and returns its violations. Its source is evaluated through DevTools: the page's
 * CSP rightly refuses an inline <script> (page.addScriptTag), and that refusal would be logged
 * as a violation.
 */
export async function axeViolations(page, axeSource) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ['violations'] }),
  );
  return result.violations;
}

/** One line per serious or critical axe violation, naming the rule and the first elements. */
export function seriousViolations(violations) {
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} (${v.nodes.length} elements, e.g. ` +
        `${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')})`,
    );
}
