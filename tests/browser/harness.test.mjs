// Tests of the test harness itself, on a trivial page: the server serves wasm the way
// WebAssembly.instantiateStreaming needs it and nothing outside its directory, and the request
// record sees a request to another host (so "no foreign request" in page.test.mjs can fail).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startServer } from './server.mjs';
import { launchBrowser, foreignRequests, tempDir, cspProblems } from './harness.mjs';

/** The smallest valid wasm module: magic number and version, no sections. */
const EMPTY_WASM = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

const INDEX = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'">
<title>trivial</title><script type="module" src="main.js"></script></head>
<body><main>trivial</main></body></html>`;

const MAIN = `await WebAssembly.instantiateStreaming(fetch('empty.wasm'));
document.body.dataset.state = 'ready';`;

/** A page without a CSP that asks a host other than 127.0.0.1 for an image. */
const LEAK = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>leak</title></head>
<body><img alt="" src="http://example.com/tracker.png"></body></html>`;

/** GET with the path sent as written (fetch and URL would normalise the dots away). */
function rawGet(origin, rawPath) {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    http.get({ hostname, port, path: rawPath }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).on('error', reject);
  });
}

/** A page whose CSP refuses its inline style attribute and inline script. */
const CSP = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; style-src 'self'">
<title>csp</title></head><body><p style="color: red">red?</p><script>document.title = 'x';</script></body></html>`;

let site;
let server;
let browser;

before(async () => {
  site = tempDir('trivial');
  fs.writeFileSync(path.join(site, 'index.html'), INDEX);
  fs.writeFileSync(path.join(site, 'main.js'), MAIN);
  fs.writeFileSync(path.join(site, 'empty.wasm'), EMPTY_WASM);
  fs.writeFileSync(path.join(site, 'leak.html'), LEAK);
  fs.writeFileSync(path.join(site, 'csp.html'), CSP);
  server = await startServer(site);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  fs.rmSync(site, { recursive: true, force: true });
});

test('the server serves wasm as application/wasm and the page instantiates it under its CSP', async () => {
  const page = await browser.context.newPage();
  await page.goto(server.url);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 10_000 });
  const res = await fetch(server.origin + '/empty.wasm');
  assert.equal(res.headers.get('content-type'), 'application/wasm', 'MIME type of .wasm');
  assert.deepEqual(browser.errors, [], 'the trivial page logged errors');
  assert.deepEqual(foreignRequests(browser.requests, server.origin), [], 'the trivial page made foreign requests');
  await page.close();
});

test('the server refuses paths outside its directory and answers 404 for missing files', async () => {
  const missing = await fetch(server.origin + '/nope.js');
  assert.equal(missing.status, 404, 'status of a missing file');
  for (const climb of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd']) {
    const status = await rawGet(server.origin, climb);
    assert.notEqual(status, 200, `${climb}: a path that climbs out of the served directory was served`);
  }
});

test('the request record catches a request to another host', async () => {
  const page = await browser.context.newPage();
  await page.goto(server.origin + '/leak.html');
  await page.waitForLoadState('load');
  const foreign = foreignRequests(browser.requests, server.origin).map((r) => r.url);
  assert.deepEqual(foreign, ['http://example.com/tracker.png'], 'foreign requests recorded');
  await page.close();
});

test('the CSP record catches what the page\'s policy blocks', async () => {
  const page = await browser.context.newPage();
  await page.goto(server.origin + '/csp.html');
  await page.waitForLoadState('load');
  await page.waitForTimeout(200);
  const directives = cspProblems(browser.cspViolations).map((p) => p.split(' ')[0]).sort();
  assert.deepEqual(directives, ['script-src-elem', 'style-src-attr'], 'CSP violations recorded');
  await page.close();
});
