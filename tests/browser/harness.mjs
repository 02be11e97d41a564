// What every browser test and the browser benchmark share: where things are, Debian's Chromium
// launched with a fresh profile and no way to reach anything but 127.0.0.1, the record of every
// request the page makes, and the CLI the page's answers are compared with.
import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = process.env.REDLINT_WEB_DIST ?? path.join(REPO, 'web/dist');
export const ARTIFACTS = path.join(REPO, 'target/browser-artifacts');
export const REDLINT = process.env.REDLINT_BIN ?? path.join(REPO, 'target/debug/redlint');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * The flags of ../shared/design/WASM.md. The resolver rule maps every host name but 127.0.0.1 to
 * "not found", so Chromium's own background look-ups cannot reach the network and any request a
 * test records is the page's.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

/**
 * The seed's bare-metal host root: the repository's copy (tests/fixtures/seed), else the shared
 * one next to the repository. Its README's table lists the mistakes the page must show.
 */
export function seedRoot() {
  const candidates = [
    path.join(REPO, 'tests/fixtures/seed/bare-metal'),
    path.join(REPO, '../shared/fixtures/seed/bare-metal'),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'etc/redis/redis.conf')));
  if (!found) throw new Error(`seed bare-metal deployment not found in ${candidates.join(' or ')}`);
  return found;
}

/** The two seed files the tests paste, with the host paths redis.conf names them by. */
export function seedFiles() {
  const root = seedRoot();
  return ['/etc/redis/redis.conf', '/etc/redis/users.acl'].map((hostPath) => ({
    hostPath,
    text: fs.readFileSync(path.join(root, hostPath), 'utf8'),
  }));
}

/** A fresh temporary directory (removed by the caller, or left for inspection on failure). */
export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `redlint-browser-${prefix}-`));
}

/** Writes `files` ([{hostPath, text}]) under `root` as a host image; returns their paths. */
export function writeHostTree(root, files) {
  return files.map(({ hostPath, text }) => {
    const file = path.join(root, hostPath.replace(/^\/+/, ''));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  });
}

/**
 * Runs the CLI built from this checkout. Returns `{status, stdout, stderr}`; a missing binary or
 * a crash (exit 2 with no expectation of it) is the caller's to judge from the status.
 */
export function redlint(args, { cwd = REPO } = {}) {
  if (!fs.existsSync(REDLINT)) {
    throw new Error(`${REDLINT} is missing: build it with \`cargo build -p redlint-cli\``);
  }
  const run = spawnSync(REDLINT, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.error) throw new Error(`running redlint ${args.join(' ')}: ${run.error.message}`);
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `redlint check --format json` on a host tree, parsed; exit 2 is a failure of the test. */
export function cliCheck(root, files, extraArgs = []) {
  const rel = files.map((f) => path.relative(root, f) || '.');
  const run = redlint(['check', '--format', 'json', '--root', '.', ...extraArgs, ...rel], { cwd: root });
  if (run.status !== 0 && run.status !== 1) {
    throw new Error(`redlint check ${rel.join(' ')} exited ${run.status}: ${run.stderr}`);
  }
  return JSON.parse(run.stdout);
}

/** Chromium asks for /favicon.ico by itself; a page without one is not at fault. */
function isFavicon(url) {
  return /\/favicon\.ico(\?|$)/.test(url);
}

/**
 * Chromium with a fresh profile. Every request of every page is recorded in `requests`
 * (`{url, method, type}`), every failed response (status ≥ 400) in `badResponses`, every page
 * error or console error in `errors`, and every Content-Security-Policy violation, with the
 * element it concerns, in `cspViolations` (see `cspProblems`).
 */
export async function launchBrowser({ viewport = { width: 1280, height: 900 } } = {}) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium`);
  }
  const profile = tempDir('profile');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  // The tests paste through the system clipboard as a user does (Control+V).
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const requests = [];
  const badResponses = [];
  const errors = [];
  const cspViolations = [];
  context.on('request', (req) => {
    requests.push({ url: req.url(), method: req.method(), type: req.resourceType() });
  });
  context.on('response', (res) => {
    if (res.status() >= 400 && !isFavicon(res.url())) badResponses.push(`${res.status()} ${res.url()}`);
  });
  await context.exposeBinding('__redlintTestCsp', (_source, violation) => cspViolations.push(violation));
  await context.addInitScript(reportCspViolations);
  const watch = (page) => {
    page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      const where = msg.location()?.url ?? '';
      // CSP violations are judged from their events (cspViolations), which say what was blocked.
      if (msg.type() !== 'error' || isFavicon(where) || /Content Security Policy/.test(msg.text())) return;
      errors.push(`console error: ${msg.text()} (${where})`);
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    requests,
    badResponses,
    errors,
    cspViolations,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Runs in every page before its own scripts (outside its CSP): reports each
 * `securitypolicyviolation` with the directive, what was blocked and the element concerned.
 */
function reportCspViolations() {
  document.addEventListener(
    'securitypolicyviolation',
    (e) => {
      const el = e.target instanceof Element ? e.target : null;
      window.__redlintTestCsp({
        directive: e.effectiveDirective,
        blocked: e.blockedURI,
        source: `${e.sourceFile}:${e.lineNumber}`,
        sample: e.sample,
        element: el ? el.outerHTML.slice(0, 120) : String(e.target?.nodeName ?? ''),
        inEditorText: !!el?.closest('.cm-content'),
      });
    },
    true,
  );
}

/**
 * The CSP violations that are the page's doing. One is not: when a selection spanning lines is
 * replaced by native input (select all, then type), Chromium's editing engine puts a `style`
 * attribute on a line of the contenteditable; the CSP blocks it and CodeMirror redraws the line.
 */
export function cspProblems(violations) {
  return violations
    .filter((v) => !(v.directive === 'style-src-attr' && v.inEditorText))
    .map((v) => `${v.directive} blocked ${v.blocked} (${v.source}) on ${v.element} ${v.sample}`);
}

/**
 * The requests that went anywhere but `origin` (the page's own, on 127.0.0.1). `data:` and
 * `blob:` URLs of the same origin never leave the page and are allowed.
 */
export function foreignRequests(requests, origin) {
  return requests.filter(({ url }) => {
    if (url.startsWith('data:')) return false;
    const target = url.startsWith('blob:') ? url.slice('blob:'.length) : url;
    let parsed;
    try {
      parsed = new URL(target);
    } catch {
      return true;
    }
    return parsed.origin !== origin || parsed.hostname !== '127.0.0.1';
  });
}

/** Saves a full-page screenshot under target/browser-artifacts/; returns its path. */
export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
