// End-to-end tests of the browser page (web/dist) in Debian's Chromium, against web/CONTRACT.md.
// Whatever the page answers is compared with the CLI built from the same checkout, run on the
// same files: the page and `redlint` must agree, since they are one engine.
//
// Run: tests/browser/run.sh (builds the page and the CLI first). The tests share one browser and
// run in order; the last one checks the requests of all of them.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startServer } from './server.mjs';
import {
  DIST,
  REPO,
  cliCheck,
  cspProblems,
  foreignRequests,
  launchBrowser,
  redlint,
  screenshot,
  seedFiles,
  tempDir,
  writeHostTree,
} from './harness.mjs';
import {
  axeViolations,
  filesByHostPath,
  findingKeys,
  openPage,
  pageFindings,
  selectTab,
  setDeployment,
  setHostFacts,
  seriousViolations,
  tabPaths,
  waitForFindings,
} from './page.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The host the page and the CLI both size for (the CLI has no redis-build flag: distro). */
const HOST = { memory: '8GiB', cpus: 4, build: 'distro' };
const HOST_FLAGS = ['--host-memory', HOST.memory, '--host-cpus', String(HOST.cpus)];

/** Every test gets its own page; a whole run is one browser, one server, one request record. */
const TEST_TIMEOUT = 120_000;

let server;
let browser;
const temps = [];

before(async () => {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    throw new Error(`${DIST}/index.html is missing: build the page with web/build.sh`);
  }
  server = await startServer(DIST);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A test closes its page when it passes; a page still open belongs to a test that failed: keep a
 * screenshot of it under target/browser-artifacts/failed-*.png, then close it.
 */
afterEach(async (t) => {
  const initial = browser?.context.pages()[0];
  for (const page of browser?.context.pages() ?? []) {
    if (page === initial && page.url() === 'about:blank') continue;
    const name = `failed-${(t?.name ?? 'test').replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`;
    await screenshot(page, name).catch(() => {});
    await page.close().catch(() => {});
  }
});

function temp(prefix) {
  const dir = tempDir(prefix);
  temps.push(dir);
  return dir;
}

/** The seed's redis.conf and users.acl as a host tree, and the CLI's report on it. */
function seedOnDisk() {
  const files = seedFiles();
  const root = temp('seed');
  const paths = writeHostTree(root, files);
  return { files, root, paths, report: cliCheck(root, paths, HOST_FLAGS) };
}

/** A page holding exactly the seed's two files, sized for HOST, showing the CLI's findings. */
async function pageWithSeed(seed) {
  const page = await openPage(browser, server.origin);
  await setHostFacts(page, HOST);
  await setDeployment(page, seed.files);
  await waitForFindings(page, seed.report.findings, 'the seed pasted');
  return page;
}

test('the seed pasted into its tabs shows the CLI\'s findings, the CIDR bind and ACL comments at their lines', { timeout: TEST_TIMEOUT }, async () => {
  const seed = seedOnDisk();
  const cli = findingKeys(seed.report.findings);
  // The seed README's mistakes table: a CIDR bind on redis.conf:5, comments in users.acl.
  for (const key of ['redis.conf:5 RL007 error', 'users.acl:1 RL020 error', 'users.acl:3 RL020 error', 'users.acl:12 RL020 error']) {
    assert.ok(cli.includes(key), `the CLI itself no longer reports ${key} on the seed (got ${JSON.stringify(cli)})`);
  }
  const page = await pageWithSeed(seed);
  // Findings are also marked in the editor: the gutter of redis.conf has an error marker.
  await selectTab(page, '/etc/redis/redis.conf');
  await page.waitForSelector('#editor .cm-lint-marker-error', { timeout: 10_000 }).catch(() => {
    throw new Error('no error marker (.cm-lint-marker-error) in the gutter of redis.conf');
  });
  const hook = await page.evaluate(() => window.redlint.lastReport);
  assert.equal(hook?.findings?.length, seed.report.findings.length, 'window.redlint.lastReport.findings has the CLI\'s number of findings');
  await page.close();
});

test('a click on a finding selects its tab and puts the cursor on its line', { timeout: TEST_TIMEOUT }, async () => {
  const seed = seedOnDisk();
  const page = await pageWithSeed(seed);
  await selectTab(page, '/etc/redis/redis.conf');
  const item = page.locator('#findings li.finding[data-code="RL020"][data-line="9"]');
  await item.click();
  await page.waitForSelector('#tabs [role=tab][data-path="/etc/redis/users.acl"][aria-selected="true"]', { timeout: 5_000 }).catch(() => {
    throw new Error('clicking the RL020 finding of users.acl:9 did not select the users.acl tab');
  });
  const expected = seed.files[1].text.split('\n')[8];
  assert.equal(await cursorLineText(page), expected, 'the cursor line after clicking users.acl:9');
  await page.close();
});

test('hovering a finding\'s underline shows its rule page, fetched as rules/RLnnn.md', { timeout: TEST_TIMEOUT }, async () => {
  const seed = seedOnDisk();
  const page = await pageWithSeed(seed);
  await selectTab(page, '/etc/redis/redis.conf');
  const phrase = rulePhrase('RL007');
  await page.locator('#editor .cm-lintRange-error').first().hover();
  await page.getByText(phrase).first().waitFor({ state: 'visible', timeout: 10_000 }).catch(() => {
    throw new Error(`hovering the bind underline did not show RL007's page (looked for "${phrase}")`);
  });
  await screenshot(page, 'hover-rule-page');
  const fetched = browser.requests.filter((r) => new URL(r.url).pathname.endsWith('/rules/RL007.md'));
  assert.ok(fetched.length > 0, 'RL007\'s page was not fetched as rules/RL007.md from the page\'s origin (web/CONTRACT.md)');
  await page.close();
});

test('every rule page is served from the page\'s own origin as rules/RLnnn.md (web/CONTRACT.md)', { timeout: TEST_TIMEOUT }, async () => {
  const codes = fs.readdirSync(path.join(REPO, 'rules')).filter((f) => /^RL\d{3}-.*\.md$/.test(f)).map((f) => f.slice(0, 5));
  assert.ok(codes.length > 0, 'no rule pages in rules/');
  const problems = [];
  for (const code of codes) {
    const res = await fetch(`${server.origin}/rules/${code}.md`);
    const text = await res.text();
    if (res.status !== 200) problems.push(`${code}: HTTP ${res.status}`);
    else if (!text.includes(`# ${code}`)) problems.push(`${code}: rules/${code}.md is not its page`);
  }
  assert.deepEqual(problems, [], 'rule pages missing from web/dist/rules/');
});

test('the ACL panel answers as `redlint acl dryrun`: one command allowed, one denied', { timeout: TEST_TIMEOUT }, async () => {
  const seed = seedOnDisk();
  const page = await pageWithSeed(seed);
  const questions = [
    { user: 'ai_platform', command: 'get cache:x', answer: 'ok' },
    { user: 'monitor', command: 'set foo bar', answer: 'denied' },
  ];
  for (const q of questions) {
    const cli = redlint(['acl', 'dryrun', 'etc/redis/users.acl', q.user, ...q.command.split(' ')], { cwd: seed.root });
    assert.equal(cli.status, q.answer === 'ok' ? 0 : 1, `redlint acl dryrun ${q.user} ${q.command} exit status (${cli.stderr})`);
    await page.selectOption('#acl-user', q.user).catch(async () => {
      const users = await page.$$eval('#acl-user option', (os) => os.map((o) => o.value));
      throw new Error(`#acl-user has no user ${q.user} (has ${JSON.stringify(users)})`);
    });
    await page.fill('#acl-command', q.command);
    await page.click('#acl-run');
    await page.waitForSelector(`#acl-answer[data-answer="${q.answer}"]`, { timeout: 10_000 }).catch(async () => {
      const got = await page.locator('#acl-answer').evaluate((e) => `${e.dataset.answer}: ${e.textContent}`);
      throw new Error(`ACL panel, ${q.user} \`${q.command}\`: expected ${q.answer} as the CLI answers, got ${got}`);
    });
    const text = (await page.textContent('#acl-answer')).toLowerCase();
    assert.ok(
      text.includes(cli.stdout.trim().toLowerCase()),
      `ACL panel, ${q.user} \`${q.command}\`: the answer "${text}" does not contain the CLI's "${cli.stdout.trim()}"`,
    );
  }
  await page.close();
});

test('"fix all safe" gives the text `redlint fix` writes, and its diff shows no password', { timeout: TEST_TIMEOUT }, async () => {
  const seed = seedOnDisk();
  const fixedRoot = temp('fixed');
  const fixedPaths = writeHostTree(fixedRoot, seed.files);
  const fix = redlint(['fix', '--root', '.', ...HOST_FLAGS, ...fixedPaths.map((p) => path.relative(fixedRoot, p))], { cwd: fixedRoot });
  assert.ok(fix.status === 0 || fix.status === 1, `redlint fix exited ${fix.status}: ${fix.stderr}`);
  const expected = Object.fromEntries(
    seed.files.map(({ hostPath }) => [hostPath, fs.readFileSync(path.join(fixedRoot, hostPath), 'utf8')]),
  );
  assert.notEqual(expected['/etc/redis/redis.conf'], seed.files[0].text, 'the CLI fixed nothing in the seed redis.conf');

  const page = await pageWithSeed(seed);
  await page.click('#fix-safe');
  const deadline = Date.now() + 20_000;
  const allFixed = (held) => Object.entries(expected).every(([p, text]) => held[p] === text);
  let held = await filesByHostPath(page);
  while (!allFixed(held) && Date.now() < deadline) {
    await page.waitForTimeout(100);
    held = await filesByHostPath(page);
  }
  for (const [hostPath, text] of Object.entries(expected)) {
    assert.equal(held[hostPath], text, `${hostPath} after "fix all safe" differs from \`redlint fix\``);
  }
  const diff = await page.textContent('#diff');
  assert.ok(diff.includes('daemonize no'), `#diff does not show the daemonize fix:\n${diff}`);
  for (const secret of ['AI_Platform_Redis_2024_Secure', 'Monitor_Redis_2024', 'Admin_Redis_2024']) {
    assert.ok(!diff.includes(secret), `#diff shows the password ${secret.slice(0, 4)}…`);
  }
  const after = cliCheck(fixedRoot, fixedPaths, HOST_FLAGS);
  await waitForFindings(page, after.findings, 'after "fix all safe"');
  await page.close();
});

test('a generated Sentinel deployment has the CLI\'s files and lints clean in the page and with the CLI', { timeout: TEST_TIMEOUT }, async () => {
  const cliOut = temp('gen-cli');
  const gen = redlint(['generate', '--topology', 'sentinel', ...HOST_FLAGS, '--out', cliOut]);
  assert.equal(gen.status, 0, `redlint generate exited ${gen.status}: ${gen.stderr}`);
  const cliFiles = listFiles(cliOut);

  const page = await openPage(browser, server.origin);
  await page.selectOption('#gen-topology', 'sentinel');
  await page.fill('#gen-memory', HOST.memory);
  await page.fill('#gen-cpus', String(HOST.cpus));
  await page.click('#gen-run');
  await page.waitForSelector('#gen-result [role=tab][data-path]', { timeout: 20_000 }).catch(() => {
    throw new Error('#gen-run showed no generated files in #gen-result');
  });
  const generated = {};
  for (const p of await page.$$eval('#gen-result [role=tab][data-path]', (ts) => ts.map((t) => t.dataset.path))) {
    await page.click(`#gen-result [role=tab][data-path="${p}"]`);
    await page.waitForFunction(
      (sel) => document.querySelector(sel)?.getAttribute('aria-selected') === 'true' ||
        document.querySelector(sel)?.classList.contains('active'),
      `#gen-result [role=tab][data-path="${p}"]`,
      { timeout: 2_000 },
    ).catch(() => {});
    generated[p.replace(/^\/+/, '')] = await page.textContent('#gen-text');
  }
  assert.deepEqual(Object.keys(generated).sort(), cliFiles, 'the page generated other files than `redlint generate --topology sentinel`');

  const pageOut = temp('gen-page');
  writeHostTree(pageOut, Object.entries(generated).map(([p, text]) => ({ hostPath: p, text })));
  const report = cliCheck(pageOut, [pageOut]);
  assert.deepEqual(findingKeys(report.findings), [], 'the CLI finds problems in the page\'s generated files');

  await page.click('#gen-open');
  const expectedTabs = Object.keys(generated).filter((p) => !/credentials\.env$|redlint\.toml$/.test(p));
  await page.waitForFunction(
    (paths) => paths.every((p) => [...document.querySelectorAll('#tabs [role=tab][data-path]')]
      .some((t) => t.dataset.path.replace(/^\/+/, '') === p)),
    expectedTabs,
    { timeout: 10_000 },
  ).catch(async () => {
    throw new Error(`#gen-open did not open ${JSON.stringify(expectedTabs)} as tabs (tabs: ${JSON.stringify(await tabPaths(page))})`);
  });
  const left = await waitForGeneratedClean(page, expectedTabs);
  assert.deepEqual(left, [], 'the page finds problems in the generated deployment it opened');
  await page.close();
});

test('keyboard only: every control is reachable with Tab, and Enter on a finding moves the cursor to it', { timeout: TEST_TIMEOUT }, async () => {
  const seed = seedOnDisk();
  const page = await pageWithSeed(seed);
  await page.locator('body').click({ position: { x: 1, y: 1 } });
  await page.evaluate(() => document.activeElement?.blur());
  const required = ['#add-tab', '#tab-host-path', '#tab-remove', '#host-memory', '#fix-safe', '#fix-unsafe',
    '#gen-topology', '#gen-run', '#acl-user', '#acl-command', '#acl-run', '#share'];
  const reached = new Set();
  let editorReached = false;
  let tabReached = false;
  let findingReached = null;
  for (let i = 0; i < 250 && (required.some((id) => !reached.has(id)) || !editorReached || !tabReached || !findingReached); i++) {
    const inEditor = await page.evaluate(() => !!document.activeElement?.closest('.cm-editor'));
    // CodeMirror keeps Tab for indentation when asked to; Escape then Tab leaves the editor.
    if (inEditor) await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const el = document.activeElement;
      return {
        id: el?.id ? `#${el.id}` : null,
        editor: !!el?.closest('#editor .cm-editor'),
        tab: !!el?.closest('#tabs [role=tab]'),
        finding: el?.closest('#findings li.finding') ? { ...el.closest('#findings li.finding').dataset } : null,
      };
    });
    if (focus.id) reached.add(focus.id);
    editorReached ||= focus.editor;
    tabReached ||= focus.tab;
    if (focus.finding && !findingReached) findingReached = focus.finding;
  }
  const missing = required.filter((id) => !reached.has(id));
  assert.deepEqual(missing, [], `controls never reached with Tab (reached: ${JSON.stringify([...reached])})`);
  assert.ok(editorReached, 'the editor was never reached with Tab');
  assert.ok(tabReached, 'no file tab was reached with Tab');
  assert.ok(findingReached, 'no finding of #findings was reached with Tab');

  // From the other file's tab, Tab to a finding of redis.conf; Enter selects its tab and line.
  await selectTab(page, '/etc/redis/users.acl');
  let focused = null;
  for (let i = 0; i < 250 && !focused; i++) {
    if (await page.evaluate(() => !!document.activeElement?.closest('.cm-editor'))) await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => {
      const li = document.activeElement?.closest('#findings li.finding');
      return li && /(^|\/)redis\.conf$/.test(li.dataset.file) ? { ...li.dataset } : null;
    });
  }
  assert.ok(focused, 'Tab from the users.acl tab never reached a finding of redis.conf');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#tabs [role=tab][data-path="/etc/redis/redis.conf"][aria-selected="true"]', { timeout: 5_000 }).catch(() => {
    throw new Error(`Enter on the finding ${JSON.stringify(focused)} did not select the tab of /etc/redis/redis.conf`);
  });
  const line = seed.files[0].text.split('\n')[Number(focused.line) - 1];
  assert.equal(await cursorLineText(page), line, `the cursor line after Enter on ${JSON.stringify(focused)}`);
  await page.close();
});

test('accessibility (axe-core): no serious or critical violation in light and dark mode; screenshots', { timeout: TEST_TIMEOUT }, async () => {
  const seed = seedOnDisk();
  const page = await pageWithSeed(seed);
  await selectTab(page, '/etc/redis/users.acl');
  const problems = [];
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(200);
    const found = seriousViolations(await axeViolations(page, AXE_SOURCE));
    problems.push(...found.map((v) => `${scheme}: ${v}`));
    await screenshot(page, `page-${scheme}`);
  }
  assert.deepEqual(problems, [], 'axe-core found serious or critical violations');
  await page.close();
});

test('on a phone-sized screen the page does not scroll sideways; screenshot', { timeout: TEST_TIMEOUT }, async () => {
  const seed = seedOnDisk();
  const page = await pageWithSeed(seed);
  await selectTab(page, '/etc/redis/users.acl');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await screenshot(page, 'page-phone');
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(scroll <= width + 1, `on a 390 px wide screen the page is ${scroll} px wide (scrolls sideways)`);
  const violations = seriousViolations(await axeViolations(page, AXE_SOURCE));
  assert.deepEqual(violations, [], 'axe-core on a phone-sized screen found serious or critical violations');
  await page.close();
});

test('no request left 127.0.0.1 or went to another origin, none failed, no page or CSP error', { timeout: TEST_TIMEOUT }, async () => {
  // Runs last: the record holds every request of the tests above (they share the browser).
  const page = await openPage(browser, server.origin);
  await page.close();
  const foreign = foreignRequests(browser.requests, server.origin).map((r) => `${r.method} ${r.url} (${r.type})`);
  assert.deepEqual(foreign, [], `requests to anything but ${server.origin}`);
  assert.ok(browser.requests.length > 0, 'no request was recorded at all (the record is broken)');
  assert.deepEqual(browser.badResponses, [], 'requests of the page that failed');
  assert.deepEqual(browser.errors, [], 'page errors or console errors');
  assert.deepEqual(cspProblems(browser.cspViolations), [], 'Content-Security-Policy violations');
});

/** The text of the line the editor's cursor is on (from the DOM selection inside .cm-content). */
async function cursorLineText(page) {
  await page.waitForTimeout(100);
  return page.evaluate(() => {
    const sel = document.getSelection();
    const node = sel?.focusNode;
    const el = node?.nodeType === 1 ? node : node?.parentElement;
    const line = el?.closest('#editor .cm-line');
    if (line) return line.textContent;
    // The cursor is at the start of an empty line or the selection is on .cm-content itself.
    const content = el?.closest('#editor .cm-content');
    const child = content?.childNodes[sel.focusOffset];
    return child?.classList?.contains('cm-line') ? child.textContent : null;
  });
}

/**
 * The first sentence of a rule page's "What it does", as the page renders it (Markdown marks
 * removed), to recognise that page on screen.
 */
function rulePhrase(code) {
  const file = fs.readdirSync(path.join(REPO, 'rules')).find((f) => f.startsWith(`${code}-`));
  const text = fs.readFileSync(path.join(REPO, 'rules', file), 'utf8');
  const para = text.split('## What it does')[1].trim().split('\n')[0];
  return para.replace(/[`*_]/g, '').split(/[,:;.]/)[0].trim();
}

/** Every file under `dir`, relative and sorted. */
function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Waits for the page to show no finding on the generated files; returns what is left. */
async function waitForGeneratedClean(page, generatedPaths) {
  // A finding's file is a tab's path: the whole host path or its end.
  const generated = (file) => {
    const rel = file.replace(/^\/+/, '');
    return generatedPaths.some((p) => p === rel || p.endsWith('/' + rel));
  };
  const onGenerated = async () => (await pageFindings(page))
    .filter((f) => generated(f.file))
    .map((f) => `${f.file}:${f.line} ${f.code}`);
  const deadline = Date.now() + 20_000;
  let left = await onGenerated();
  while (left.length > 0 && Date.now() < deadline) {
    await page.waitForTimeout(200);
    left = await onGenerated();
  }
  return left;
}
