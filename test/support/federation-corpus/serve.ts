import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { RunningGraph } from './types.ts';

/** What a subgraph receives from the gateway. */
export interface SubgraphRequest {
  readonly query: string;
  readonly operationName?: string;
  readonly variables?: Record<string, unknown>;
}

/**
 * Rewrites what a faulty subgraph answers. Returns the HTTP status, the raw
 * body and extra headers to send, or undefined to send the honest answer.
 */
export type Tamper = (request: SubgraphRequest, honest: ExecutionResult) => { status: number; body: string; headers?: Record<string, string> } | undefined;

export interface SubgraphSpec {
  readonly name: string;
  readonly typeDefs: string;
  readonly resolvers?: object;
  /** Served by a bare HTTP server that may answer what no GraphQL server would (see Tamper). */
  readonly tamper?: Tamper;
  /** Composed into the supergraph but listening nowhere: connection refused. */
  readonly down?: boolean;
}

interface Served {
  readonly url: string;
  stop(): Promise<void>;
}

function schemaOf(spec: SubgraphSpec): GraphQLSchema {
  // @apollo/subgraph's resolver map type is looser than the fixtures' plain
  // objects; what they return is checked by the differential cases themselves.
  return buildSubgraphSchema([{ typeDefs: parse(spec.typeDefs), resolvers: (spec.resolvers ?? {}) as never }]);
}

async function serveApollo(spec: SubgraphSpec): Promise<Served> {
  const server = new ApolloServer({ schema: schemaOf(spec), includeStacktraceInErrorResponses: false, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}

async function readJson(request: IncomingMessage): Promise<SubgraphRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as SubgraphRequest;
}

function listening(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`));
  });
}

function closed(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A subgraph that can lie. Written on node:http rather than Apollo Server
 * because the lies (HTTP 500 with a text body, `_entities` of the wrong
 * length, an unknown `__typename`) are what no well-behaved server can be
 * made to send.
 */
async function serveTampered(spec: SubgraphSpec, tamper: Tamper): Promise<Served> {
  const schema = schemaOf(spec);
  const server = createServer((request, response) => {
    readJson(request).then(async (body) => {
      const honest = await execute({ schema, document: parse(body.query), variableValues: body.variables ?? {}, operationName: body.operationName ?? null });
      const lie = tamper(body, honest);
      response.writeHead(lie?.status ?? 200, { 'content-type': lie && lie.status >= 500 ? 'text/plain' : 'application/json', ...lie?.headers });
      response.end(lie?.body ?? JSON.stringify(honest));
    }).catch((error: unknown) => {
      response.writeHead(400, { 'content-type': 'text/plain' });
      response.end(String(error));
    });
  });
  const url = await listening(server);
  return { url, stop: () => closed(server) };
}

/** A URL where nothing listens: a port the OS gave us, closed again. */
async function refusedUrl(): Promise<Served> {
  const server = createServer();
  const url = await listening(server);
  await closed(server);
  return { url, stop: async () => {} };
}

function serve(spec: SubgraphSpec): Promise<Served> {
  if (spec.down) return refusedUrl();
  if (spec.tamper) return serveTampered(spec, spec.tamper);
  return serveApollo(spec);
}

/** Serves each subgraph on an ephemeral port and composes the supergraph that routes to them. */
export async function startSubgraphs(title: string, specs: readonly SubgraphSpec[], reset: () => void = () => {}): Promise<RunningGraph> {
  const served = await Promise.all(specs.map(serve));
  const stop = () => Promise.all(served.map((s) => s.stop())).then(() => {});
  const composed = composeServices(specs.map((spec, i) => ({ name: spec.name, typeDefs: parse(spec.typeDefs), url: served[i]!.url })));
  if (composed.errors) {
    await stop();
    throw new Error(`the ${title} corpus graph does not compose: ${composed.errors.map((e) => e.message).join('; ')}`);
  }
  return { supergraphSdl: composed.supergraphSdl, reset, stop };
}

/** `extend schema @link(...)` importing the given federation directives. */
export const federation = (...directives: string[]) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: [${directives.map((d) => JSON.stringify(d)).join(', ')}])\n`;
