import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { IDENTITY_HEADER } from '../common/upstream/wire.ts';

/**
 * The benchmark's baseline: a vanilla Apollo Gateway (same package versions)
 * served by Apollo Server's standalone server, on the same supergraph and
 * subgraphs. No plugins and the default data source; the only addition is the
 * header forwarding Apollo documents for passing identity on, because our
 * subgraphs refuse requests without a gateway identity assertion. The load
 * generator sends a pre-signed assertion, so this gateway does no JWT work.
 *
 *   node bench/vanilla-gateway.ts <supergraph> <port> name=url ...
 */
const [supergraphPath, port, ...overrides] = process.argv.slice(2);
const urls = Object.fromEntries(overrides.map((pair) => pair.split('=') as [string, string]));

interface Context {
  identity?: string;
}

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(supergraphPath!, 'utf8'),
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource<Context>({
      url: urls[name] ?? url,
      willSendRequest({ request, context }) {
        if (context.identity) request.http?.headers.set(IDENTITY_HEADER, context.identity);
      },
    }),
});
const server = new ApolloServer<Context>({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(port), host: '127.0.0.1' },
  context: async ({ req }) => ({ identity: req.headers[IDENTITY_HEADER] as string | undefined }),
});
console.log(JSON.stringify({ msg: 'gateway ready', url }));
process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
