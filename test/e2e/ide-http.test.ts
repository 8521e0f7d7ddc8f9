import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { mintDevToken } from '../../common/dev-token.ts';
import { parseGatewayConfig } from '../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { readFileSync } from 'node:fs';
import { gatewayConfigFor, postGraphQL, silentLogger, startRestServices, startSubgraphs } from '../support/system.ts';

/**
 * The IDE over real HTTP: where it is served and where it is not, what the
 * page and its assets carry, and that GraphQL over GET and POST is unchanged.
 */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const WEB_MANIFEST = JSON.parse(readFileSync(new URL('../../persisted-queries/manifests/web.json', import.meta.url), 'utf8')) as { operations: { name: string; body: string }[] };
const NON_DEV_SECRET = 'a-jwt-secret-that-is-not-the-development-one';

/**
 * URL strings inside the vendored bundles (React, ReactDOM, GraphiQL), none of
 * them ever fetched. Any other URL in anything the IDE serves fails the test:
 * a GraphiQL upgrade that starts loading from a CDN is caught here, before the
 * CSP and the offline browser test catch it at run time.
 */
const INERT_VENDOR_URLS = new Set([
  // XML namespace names: identifiers compared as strings, never dereferenced.
  'http://www.w3.org/1998/Math/MathML',
  'http://www.w3.org/1999/xhtml',
  'http://www.w3.org/1999/xlink',
  'http://www.w3.org/2000/svg',
  'http://www.w3.org/XML/1998/namespace',
  // Text of error messages (React's minified errors; GraphiQL's React<16 error).
  'https://reactjs.org/docs/error-decoder.html?invariant=',
  'https://github.com/graphql/graphiql/blob/master/examples/graphiql-cdn/index.html#L49',
  // Text of graphql-js's built-in scalar descriptions.
  'https://commonmark.org/',
  'https://en.wikipedia.org/wiki/IEEE_floating_point',
  // Licence comments of bundled packages.
  'https://github.com/jonschlinkert',
  'https://github.com/jonschlinkert/get-value',
  'https://github.com/jonschlinkert/is-primitive',
  'https://github.com/jonschlinkert/isobject',
  'https://github.com/jonschlinkert/set-value',
  // Link targets a developer may click (a navigation, not a fetch): GraphiQL's
  // logo link (our page replaces the logo, so it is not even rendered) and the
  // key-map help in its settings dialog.
  'https://github.com/graphql/graphiql',
  'https://codemirror.net/5/doc/manual.html#keymaps',
]);
const URL_PATTERN = /https?:\/\/[^\s"'`)<>\\]+/g;

let rest: Awaited<ReturnType<typeof startRestServices>>;
let subgraphs: Awaited<ReturnType<typeof startSubgraphs>>;
let web: RunningGateway;
const others: RunningGateway[] = [];

before(async () => {
  rest = await startRestServices();
  subgraphs = await startSubgraphs(rest);
  web = await startGateway(gatewayConfigFor(subgraphs), silentLogger);
});
after(async () => {
  await Promise.all([web, ...others].map((g) => g?.stop()));
  await Promise.all(Object.values(subgraphs ?? {}).map((s) => s.stop()));
  await Promise.all(Object.values(rest ?? {}).map((s) => s.close()));
});

async function gatewayWith(overrides: Record<string, unknown>, nodeEnv?: string): Promise<RunningGateway> {
  const base = gatewayConfigFor(subgraphs);
  const config = parseGatewayConfig({ port: 0, logLevel: 'silent', watchSupergraph: false, subgraphUrls: base.subgraphUrls, ...overrides }, nodeEnv);
  const gateway = await startGateway(config, silentLogger);
  others.push(gateway);
  return gateway;
}

const open = (gateway: RunningGateway, accept = BROWSER_ACCEPT) => fetch(gateway.url, { headers: { accept } });
const at = (gateway: RunningGateway, path: string) => new URL(path, gateway.url);

async function page(gateway: RunningGateway): Promise<{ response: Response; html: string; assets: string[] }> {
  const response = await open(gateway);
  const html = await response.text();
  const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  return { response, html, assets };
}

async function assertNoIde(gateway: RunningGateway) {
  const response = await open(gateway);
  assert.notEqual(response.headers.get('content-type')?.split(';')[0], 'text/html');
  assert.doesNotMatch(await response.text(), /<html|GraphiQL|sandbox/i);
  for (const path of ['/graphql/ide/operations', '/graphql/ide/assets/graphiql.js']) assert.equal((await fetch(at(gateway, path))).status, 404, path);
  const token = await fetch(at(gateway, '/graphql/ide/dev-token'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sub":"user-0001"}' });
  assert.equal(token.status, 404);
}

describe('the IDE page on the web profile in development', () => {
  it('answers a browser navigation to /graphql with GraphiQL and a CSP that allows no other origin', async () => {
    const { response, html } = await page(web);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /connect-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /https?:|\*|unsafe-/);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(html, /<main id="graphiql">/);
    assert.match(html, /data-dev-token="\/graphql\/ide\/dev-token"/);
  });

  it('serves every asset the page names, with its content type, an immutable cache lifetime, an ETag and gzip', async () => {
    const { assets } = await page(web);
    assert.deepEqual(assets.map((a) => a.replace(/-[0-9a-f]{16}\./, '.')), [
      '/graphql/ide/assets/graphiql.css',
      '/graphql/ide/assets/ide.css',
      '/graphql/ide/assets/react.js',
      '/graphql/ide/assets/react-dom.js',
      '/graphql/ide/assets/graphiql.js',
      '/graphql/ide/assets/ide.js',
    ]);
    for (const path of assets) {
      const plain = await fetch(at(web, path), { headers: { 'accept-encoding': 'identity' } });
      assert.equal(plain.status, 200, path);
      assert.equal(plain.headers.get('content-type'), path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
      assert.equal(plain.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(plain.headers.get('x-content-type-options'), 'nosniff');
      const bytes = Buffer.from(await plain.arrayBuffer());
      const etag = plain.headers.get('etag')!;
      assert.equal((await fetch(at(web, path), { headers: { 'if-none-match': etag } })).status, 304);
      // fetch decompresses: equal bytes prove the gzip body is the same asset.
      const gzipped = await fetch(at(web, path), { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(gzipped.headers.get('content-encoding'), 'gzip');
      assert.deepEqual(Buffer.from(await gzipped.arrayBuffer()), bytes);
    }
  });

  it('serves no URL of another origin: none in the page or our script, only inert strings in the vendored bundles', async () => {
    const { html, assets } = await page(web);
    assert.deepEqual(html.match(URL_PATTERN), null);
    for (const path of assets) {
      const text = await (await fetch(at(web, path))).text();
      const urls = [...new Set(text.match(URL_PATTERN) ?? [])];
      if (path.includes('/ide-')) assert.deepEqual(urls, [], path);
      else assert.deepEqual(urls.filter((u) => !INERT_VENDOR_URLS.has(u)), [], path);
    }
  });

  it('refuses asset names it does not serve, including paths that climb out of the folder', async () => {
    for (const path of ['/graphql/ide/assets/graphiql.js', '/graphql/ide/assets/..%2F..%2Fpackage.json', '/graphql/ide/assets/%2e%2e%2fconfig.ts', '/graphql/ide/package.json']) {
      const response = await fetch(at(web, path));
      assert.equal(response.status, 404, path);
      assert.equal(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code, 'BAD_REQUEST');
    }
  });

  it('lists the persisted operations of the manifests in force', async () => {
    const response = await fetch(at(web, '/graphql/ide/operations'));
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const { operations } = (await response.json()) as { operations: { id: string; name: string; type: string; body: string }[] };
    const frontPage = operations.find((o) => o.name === 'FrontPage');
    assert.equal(frontPage?.body, WEB_MANIFEST.operations.find((o) => o.name === 'FrontPage')?.body);
    assert.equal(operations.length, WEB_MANIFEST.operations.length);
    assert.equal(frontPage?.type, 'query');
    assert.deepEqual(operations.map((o) => o.name), [...operations.map((o) => o.name)].sort());
  });
});

describe('the dev-token helper', () => {
  it('mints a token the gateway accepts, for the user asked for', async () => {
    const response = await fetch(at(web, '/graphql/ide/dev-token'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sub":"user-0007"}' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const { token, expiresInSeconds } = (await response.json()) as { token: string; expiresInSeconds: number };
    assert.equal(expiresInSeconds, 3600);
    const me = await postGraphQL(web.url, { query: '{ me { id } }' }, { token });
    assert.deepEqual(me.body.data, { me: { id: 'user-0007' } });
  });

  it('refuses a body without a plain user id, with BAD_REQUEST', async () => {
    for (const body of ['{}', '{"sub":""}', '{"sub":"user 1"}', `{"sub":"${'u'.repeat(65)}"}`, '{"sub":"user-0001","admin":true}', '{"sub":42}', '[]']) {
      const response = await fetch(at(web, '/graphql/ide/dev-token'), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(response.status, 400, body);
      const { errors } = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      assert.equal(errors[0]!.extensions.code, 'BAD_REQUEST', body);
    }
    const form = await fetch(at(web, '/graphql/ide/dev-token'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'sub=user-0001' });
    assert.equal(form.status, 415);
  });

  it('does not exist when the gateway verifies tokens with a secret of its own', async () => {
    const gateway = await gatewayWith({ auth: { jwtSecret: NON_DEV_SECRET } });
    const { html } = await page(gateway);
    assert.match(html, /<main id="graphiql">/);
    assert.doesNotMatch(html, /dev-token|ide-user/);
    const response = await fetch(at(gateway, '/graphql/ide/dev-token'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sub":"user-0001"}' });
    assert.equal(response.status, 404);
  });
});

describe('where the IDE is not served', () => {
  it('is absent on the mobile profile', async () => {
    await assertNoIde(await gatewayWith({ profile: 'mobile' }));
  });

  it('is absent with NODE_ENV=production', async () => {
    await assertNoIde(await gatewayWith({ identitySecret: 'i'.repeat(40), auth: { jwtSecret: NON_DEV_SECRET } }, 'production'));
  });

  it('is absent on the web profile with ide: false, and Apollo\'s CDN landing page does not take its place', async () => {
    await assertNoIde(await gatewayWith({ ide: false }));
  });
});

describe('GraphQL over GET and POST with the IDE on', () => {
  const frontPageGet = async (accept: string, headers: Record<string, string> = { 'apollo-require-preflight': 'true' }) => {
    const token = await mintDevToken('user-0042');
    const search = new URLSearchParams({ query: '{ featuredProducts { id } me { id } }' });
    return fetch(`${web.url}?${search}`, { headers: { accept, authorization: `Bearer ${token}`, ...headers } });
  };

  it('executes a GET that carries an operation, whatever it accepts', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json', BROWSER_ACCEPT, '*/*']) {
      const response = await frontPageGet(accept);
      assert.equal(response.status, 200, accept);
      assert.match(response.headers.get('content-type') ?? '', /^application\/(graphql-response\+)?json/, accept);
      const body = (await response.json()) as { data: { me: { id: string } } };
      assert.equal(body.data.me.id, 'user-0042');
    }
  });

  it('keeps CSRF prevention on GETs: no preflight header, no execution', async () => {
    const response = await frontPageGet(BROWSER_ACCEPT, {});
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { errors: { message: string }[] }).errors[0]!.message, /Cross-Site Request Forgery/);
  });

  it('answers a GET without an operation that does not prefer HTML as before: a GraphQL error, not the page', async () => {
    for (const accept of ['application/json', '*/*', 'application/json, text/html;q=0.5']) {
      const response = await open(web, accept);
      assert.equal(response.status, 400, accept);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/, accept);
    }
    const none = await fetch(web.url, { headers: { accept: '' } });
    assert.equal(none.status, 400);
  });

  it('executes POSTs', async () => {
    const response = await postGraphQL(web.url, { query: '{ featuredProducts { id } }' }, { headers: { accept: BROWSER_ACCEPT } });
    assert.equal(response.status, 200);
    assert.ok(Array.isArray(response.body.data?.['featuredProducts']));
  });
});
