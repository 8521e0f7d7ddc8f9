import type { IdeAssets } from './assets.ts';

/**
 * No external origin, ever: scripts, styles and fetches come from the gateway
 * itself (GraphiQL's fonts are data: URIs in its stylesheet). Nothing inline:
 * the page script is a file and its settings travel in data- attributes, so
 * `script-src` needs neither 'unsafe-inline' nor a nonce.
 */
export const IDE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of the page; assets add their own cache headers on top of the nosniff one. */
export const IDE_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': IDE_CONTENT_SECURITY_POLICY,
  // The page names its assets by content hash; the page itself must be
  // re-read so a restart with new assets is seen at once.
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  vary: 'accept',
};

export interface IdePageOptions {
  readonly profile: string;
  readonly graphqlPath: string;
  /** Where assets are served, e.g. /graphql/ide/assets. */
  readonly assetsPath: string;
  readonly operationsPath: string;
  /** The dev-token route, when this process mints development tokens. */
  readonly devTokenPath?: string;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page: GraphiQL in <main>, our small bar of gateway-specific tools above it. */
export function renderIdePage(assets: IdeAssets, options: IdePageOptions): string {
  const attr = (name: string, value: string | undefined) => (value === undefined ? '' : ` data-${name}="${escapeHtml(value)}"`);
  const styles = assets.styles.map((f) => `<link rel="stylesheet" href="${escapeHtml(`${options.assetsPath}/${f}`)}">`);
  const scripts = assets.scripts.map((f) => `<script defer src="${escapeHtml(`${options.assetsPath}/${f}`)}"></script>`);
  const devToken = options.devTokenPath === undefined
    ? ''
    : `<span class="ide-group"><label>dev token for <input id="ide-user" value="user-0001" size="10" spellcheck="false" aria-label="user id"></label><button id="ide-dev-token" type="button">Fill Authorization</button></span>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL · storefront-bff ${escapeHtml(options.profile)}</title>
${styles.join('\n')}
${scripts.join('\n')}
</head>
<body${attr('endpoint', options.graphqlPath)}${attr('operations', options.operationsPath)}${attr('dev-token', options.devTokenPath)}>
<header class="ide-bar">
<strong>storefront-bff · ${escapeHtml(options.profile)}</strong>
<span class="ide-group"><label>persisted operation <select id="ide-operation"><option value="">load one…</option></select></label></span>
<span class="ide-group"><label><input id="ide-document-id" type="checkbox"> send listed operations by <code>documentId</code></label></span>
${devToken}
<output id="ide-status" role="status"></output>
</header>
<main id="graphiql"><noscript>GraphiQL needs JavaScript.</noscript></main>
</body>
</html>
`;
}
