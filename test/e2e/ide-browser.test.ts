import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Page, Response } from 'playwright-core';
import { assertChromium, launchOfflineBrowser, type OfflineBrowser } from '../support/chromium.ts';
import { startSystem, type System } from '../support/system.ts';

/**
 * GraphiQL in real headless chromium with the network cut off: everything the
 * page needs comes from the gateway, and a developer can run the front page as
 * a signed-in user in a few clicks. A screenshot of the result is kept in
 * docs/graphiql.png (UPDATE_SCREENSHOTS=1 writes it again).
 */
// Written to docs/ only when asked (UPDATE_SCREENSHOTS=1), so a test run leaves the worktree clean.
const SCREENSHOT = process.env['UPDATE_SCREENSHOTS'] === '1' ? fileURLToPath(new URL('../../docs/graphiql.png', import.meta.url)) : join(tmpdir(), `storefront-graphiql-${process.pid}.png`);
const USER = 'user-0042';
const WEB_OPERATIONS = (JSON.parse(readFileSync(new URL('../../persisted-queries/manifests/web.json', import.meta.url), 'utf8')) as { operations: unknown[] }).operations.length;

interface FrontPageBody {
  data?: { me: { name: string; cart: { itemCount: number } }; featuredProducts: { name: string }[] };
  errors?: unknown[];
}

let system: System;
let browser: OfflineBrowser;
let page: Page;
const problems: string[] = [];

before(async () => {
  assertChromium(); // before the system starts: a missing browser fails in a second
  // Both started at once; whichever started is stopped after, even if the other failed.
  const [started, launched] = await Promise.allSettled([startSystem(), launchOfflineBrowser()]);
  if (started.status === 'fulfilled') system = started.value;
  if (launched.status === 'fulfilled') browser = launched.value;
  if (launched.status === 'rejected') throw launched.reason;
  if (started.status === 'rejected') throw started.reason;
  page = await browser.context.newPage();
  // Every wait is for a selector or an event; this bounds how long a broken page
  // takes to fail, with room for a machine busy running the other test files.
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  // Records CSP violations: a script, style or font the policy blocked would break the page quietly.
  await page.addInitScript({ content: "document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));" });
});
after(async () => {
  await browser?.close();
  await system?.stop();
});

/** The whole text of a CodeMirror 5 editor (its DOM holds only the lines in view). */
const editorText = (container: string) => page.locator(`${container} .CodeMirror`).evaluate((element) => (element as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());

function graphqlPost(predicate: (body: Record<string, unknown>) => boolean): Promise<Response> {
  return page.waitForResponse((response) => {
    const request = response.request();
    if (request.method() !== 'POST' || new URL(request.url()).pathname !== '/graphql') return false;
    return predicate(request.postDataJSON() as Record<string, unknown>);
  });
}

describe('the IDE in a browser without network', () => {
  it('loads GraphiQL from the gateway alone, with the schema from introspection', async () => {
    const introspection = graphqlPost((body) => typeof body['query'] === 'string' && body['query'].includes('__schema'));
    const response = await page.goto(system.gateway.url);
    assert.equal(response?.status(), 200);
    assert.equal((await introspection).status(), 200);
    await page.waitForSelector('.graphiql-container .graphiql-execute-button');
    await page.waitForSelector('#ide-operation[data-loaded]');
    assert.equal(await page.textContent('#ide-status'), `${WEB_OPERATIONS} persisted operations listed`);
  });

  it('fills Authorization with a development token for the user asked for, keeping the other headers', async () => {
    // A header the developer typed before: CodeMirror's own API stands in for typing (its auto-closing brackets make typing flaky).
    await page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').evaluate((element) => (element as unknown as { CodeMirror: { setValue(text: string): void } }).CodeMirror.setValue('{ "x-client-note": "kept", "authorization": "Bearer stale" }'));
    await page.fill('#ide-user', USER);
    await page.click('#ide-dev-token');
    await page.locator('#ide-status', { hasText: /^Authorization filled/ }).waitFor();
    // What the developer sees: the Headers tab open, with the token in it.
    await page.waitForSelector('.graphiql-editor-tools button[data-name="headers"].active');
    const headers = await editorText('.graphiql-editor-tool .graphiql-editor:not(.hidden)');
    const parsed = JSON.parse(headers) as Record<string, string>;
    assert.deepEqual(Object.keys(parsed), ['x-client-note', 'Authorization']);
    assert.equal(parsed['x-client-note'], 'kept');
    assert.match(parsed['Authorization']!, /^Bearer eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('loads FrontPage from the persisted operations, runs it as that user and renders the result', async () => {
    await page.selectOption('#ide-operation', { label: 'FrontPage (query)' });
    await page.locator('.graphiql-query-editor .CodeMirror-code', { hasText: 'query FrontPage' }).waitFor();
    assert.match(await editorText('.graphiql-query-editor'), /^query FrontPage \{[^]*featuredProducts/);
    const sent = graphqlPost((body) => body['operationName'] === 'FrontPage' || String(body['query'] ?? '').startsWith('query FrontPage'));
    await page.click('.graphiql-execute-button');
    const response = await sent;
    assert.equal(response.status(), 200);
    assert.match(response.request().headers()['authorization'] ?? '', /^Bearer eyJ/);
    assert.equal(response.request().headers()['x-client-note'], 'kept');
    const body = (await response.json()) as FrontPageBody;
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    const me = body.data!.me;
    assert.ok(me.cart.itemCount > 0 && body.data!.featuredProducts.length > 0);
    // Rendered, not only received: the signed-in user's name shows in the response pane.
    await page.locator('.graphiql-response .CodeMirror-code', { hasText: me.name }).waitFor();
    const png = await page.screenshot({ path: SCREENSHOT });
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    if (!SCREENSHOT.includes('/docs/')) rmSync(SCREENSHOT);
  });

  it('sends a listed operation by documentId alone when asked to', async () => {
    await page.check('#ide-document-id');
    const sent = graphqlPost((body) => body['documentId'] !== undefined);
    await page.click('.graphiql-execute-button');
    const response = await sent;
    const request = response.request().postDataJSON() as Record<string, unknown>;
    assert.match(String(request['documentId']), /^sha256:[0-9a-f]{64}$/);
    assert.equal(request['query'], undefined);
    assert.equal(response.status(), 200);
    assert.ok(((await response.json()) as FrontPageBody).data?.me.name);
    assert.match(await editorText('.graphiql-query-editor'), /^query FrontPage/);
  });

  it('attempted no request outside 127.0.0.1 and logged no error or CSP violation', () => {
    assert.deepEqual(browser.external, []);
    assert.deepEqual(problems, []);
  });

  it('(the guard itself) records and aborts a request to any other host', async () => {
    const other = await browser.context.newPage();
    await assert.rejects(other.goto('http://192.0.2.1/'), /ERR_INTERNET_DISCONNECTED/);
    await other.close();
    assert.deepEqual(browser.external, ['http://192.0.2.1/']);
  });
});
