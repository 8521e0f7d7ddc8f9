import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';

const gzip = promisify(gzipCallback);
const require = createRequire(import.meta.url);

/**
 * Why GraphiQL 3 from its UMD build, and not GraphiQL 4/5: 3.x ships one
 * self-contained `dist/index.umd.js` (CodeMirror 5, fonts inlined as data: URIs
 * in `style.css`) that runs on React 18's UMD builds straight from
 * node_modules, so the gateway serves four files and needs no build step.
 * GraphiQL 4/5 publish ES modules only and use Monaco, whose language services
 * run in web workers: serving them needs a bundler (esbuild) run at install or
 * build time, worker entry points and a `worker-src` in the CSP, for a
 * development-only page. If 3.x stops being enough, that is the move; the
 * routes and the page script would stay as they are.
 */
const VENDOR = [
  { name: 'react', pkg: 'react', file: 'umd/react.production.min.js' },
  { name: 'react-dom', pkg: 'react-dom', file: 'umd/react-dom.production.min.js' },
  { name: 'graphiql', pkg: 'graphiql', file: 'dist/index.umd.js' },
  { name: 'graphiql', pkg: 'graphiql', file: 'dist/style.css' },
] as const;

const OWN = [
  { name: 'ide', path: join(import.meta.dirname, 'browser', 'ide.js') },
  { name: 'ide', path: join(import.meta.dirname, 'browser', 'ide.css') },
] as const;

const CONTENT_TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

export interface IdeAsset {
  /** URL file name with the content hash in it (`graphiql-0123abcd4567.js`): the URL changes whenever the bytes do, so it may be cached forever. */
  readonly fileName: string;
  readonly contentType: string;
  readonly body: Buffer;
  readonly etag: string;
  /** Compressed on first request, then kept: most asset bytes are never asked for twice by one developer. */
  gzipped(): Promise<Buffer>;
}

export interface IdeAssets {
  /** By URL file name. */
  readonly byFileName: ReadonlyMap<string, IdeAsset>;
  /** URL file names in load order: scripts React → ReactDOM → GraphiQL → ours, styles GraphiQL → ours. */
  readonly scripts: readonly string[];
  readonly styles: readonly string[];
}

function packageFile(pkg: string, file: string): string {
  // Packages' `exports` maps hide their umd/ and dist/ folders from
  // require.resolve; their package.json is exported, so resolve from there.
  return join(dirname(require.resolve(`${pkg}/package.json`)), file);
}

async function loadAsset(name: string, path: string): Promise<IdeAsset> {
  const body = await readFile(path);
  const ext = path.slice(path.lastIndexOf('.') + 1);
  const contentType = CONTENT_TYPES[ext];
  if (contentType === undefined) throw new Error(`IDE asset ${path}: no content type for .${ext}`);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  let compressed: Promise<Buffer> | undefined;
  return {
    fileName: `${name}-${hash}.${ext}`,
    contentType,
    body,
    etag: `"${hash}"`,
    gzipped: () => (compressed ??= gzip(body, { level: 9 })),
  };
}

/** Reads every asset once, at start, so a missing package stops the start rather than the first page view. */
export async function loadIdeAssets(): Promise<IdeAssets> {
  const assets = await Promise.all([
    ...VENDOR.map((v) => loadAsset(v.name, packageFile(v.pkg, v.file))),
    ...OWN.map((o) => loadAsset(o.name, o.path)),
  ]);
  const names = assets.map((a) => a.fileName);
  return {
    byFileName: new Map(assets.map((a) => [a.fileName, a])),
    scripts: names.filter((n) => n.endsWith('.js')),
    styles: names.filter((n) => n.endsWith('.css')),
  };
}
