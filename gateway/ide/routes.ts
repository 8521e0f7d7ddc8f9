import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';
import { z } from 'zod';
import { mintDevToken } from '../../common/dev-token.ts';
import { ErrorCode } from '../../common/errors.ts';
import { graphqlErrorBody } from '../../common/http-server.ts';
import type { ManifestWatcher } from '../admission/persisted-queries/manifest-watcher.ts';
import type { IdeAssets } from './assets.ts';
import { IDE_PAGE_HEADERS, renderIdePage } from './page.ts';

export interface IdeOptions {
  readonly profile: string;
  readonly graphqlPath: string;
  /** The persisted-query manifests in force: listed so a developer can load an operation or send it by id. */
  readonly manifests: ManifestWatcher;
  /**
   * Mint development tokens for the page's "Fill Authorization" button. Only
   * when the gateway verifies tokens with the development secret: a token
   * minted here is then one any developer can mint with `npm run token`.
   */
  readonly devToken?: { readonly secret: string; readonly issuer: string; readonly audience: string };
}

export interface Ide {
  /** A browser navigation to the GraphQL endpoint: a GET without an operation that prefers HTML. */
  wants(request: FastifyRequest): boolean;
  page(reply: FastifyReply): FastifyReply;
}

// The media types Apollo Server's own landing-page negotiation weighs
// (ApolloServer.prefersHTML), so "who gets HTML" does not change with the IDE.
const MEDIA_TYPES = ['application/json', 'application/graphql-response+json', 'multipart/mixed', 'text/html'];

const DEV_TOKEN_LIFETIME_SECONDS = 3600;
const devTokenRequestSchema = z.object({ sub: z.string().regex(/^[A-Za-z0-9._:@-]{1,64}$/, 'expected 1-64 letters, digits or ._:@-') }).strict();

const json = (reply: FastifyReply, status: number, body: string) =>
  reply.status(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(body);

/** Registers the IDE's routes under `<graphqlPath>/ide/`; the page itself is served by the GraphQL route (see `wants`). */
export function registerIde(app: FastifyInstance, assets: IdeAssets, options: IdeOptions): Ide {
  const base = `${options.graphqlPath}/ide`;
  const html = renderIdePage(assets, {
    profile: options.profile,
    graphqlPath: options.graphqlPath,
    assetsPath: `${base}/assets`,
    operationsPath: `${base}/operations`,
    ...(options.devToken ? { devTokenPath: `${base}/dev-token` } : {}),
  });

  // Written here rather than with @fastify/static: six files held in memory
  // under content-hashed names, where @fastify/static maps URL paths onto
  // directories and would publish whole package folders.
  app.get<{ Params: { file: string } }>(`${base}/assets/:file`, async (request, reply) => {
    const asset = assets.byFileName.get(request.params.file);
    if (asset === undefined) return json(reply, 404, graphqlErrorBody(`no IDE asset ${request.params.file}`, ErrorCode.BAD_REQUEST));
    void reply
      .header('content-type', asset.contentType)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('etag', asset.etag)
      .header('x-content-type-options', 'nosniff')
      .header('vary', 'accept-encoding');
    if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
    const encodings = new Negotiator(request).encodings(['gzip', 'identity']);
    if (encodings[0] === 'gzip') return reply.header('content-encoding', 'gzip').send(await asset.gzipped());
    return reply.send(asset.body);
  });

  app.get(`${base}/operations`, async (_request, reply) => {
    // Read per request: the manifests reload without a restart.
    const operations = [...options.manifests.current().operations()]
      .map(({ id, name, type, body }) => ({ id, name, type, body }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    return json(reply, 200, JSON.stringify({ operations }));
  });

  const devToken = options.devToken;
  if (devToken) {
    app.post(`${base}/dev-token`, async (request, reply) => {
      const parsed = devTokenRequestSchema.safeParse(request.body);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
        return json(reply, 400, graphqlErrorBody(`expected {"sub": "<user id>"}: ${problems}`, ErrorCode.BAD_REQUEST));
      }
      const token = await mintDevToken(parsed.data.sub, { ...devToken, expiresIn: DEV_TOKEN_LIFETIME_SECONDS + 's' });
      return json(reply, 200, JSON.stringify({ sub: parsed.data.sub, token, expiresInSeconds: DEV_TOKEN_LIFETIME_SECONDS }));
    });
  }

  return {
    wants(request) {
      if (request.method !== 'GET') return false;
      const query = request.query as Record<string, unknown>;
      if (query['query'] !== undefined || query['documentId'] !== undefined || query['extensions'] !== undefined) return false;
      return new Negotiator(request).mediaType(MEDIA_TYPES) === 'text/html';
    },
    page(reply) {
      for (const [name, value] of Object.entries(IDE_PAGE_HEADERS)) void reply.header(name, value);
      return reply.status(200).send(html);
    },
  };
}
