import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayExecutor, GatewayGraphQLRequestContext, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { parse } from 'graphql';
import { parseFlags } from '../common/config.ts';
import { identityKey, signIdentityAssertion } from '../common/identity.ts';
import { DEV_IDENTITY_SECRET } from '../common/secrets.ts';
import { IDENTITY_HEADER } from '../common/upstream/wire.ts';
import { StorefrontGateway } from '../gateway/execution/gateway.ts';
import { randomBasePort, runBench, seededUserId, startGraph } from './harness.ts';

/**
 * Query-plan execution alone, in one process: Apollo's executor and ours
 * (gateway/execution) run the same operation over the same recorded subgraph
 * answers, so the figure is the executor's CPU per operation (plan lookup,
 * representations, merging, result shaping), without HTTP, admission or
 * serialization, and without the noise of a load run.
 *
 *   node bench/executor.ts [--workload heavy|front-page] [--users 20] [--seconds 3] [--rounds 4]
 *
 * Answers are recorded once from the real graph (one per user and fetch);
 * each replay parses the recorded text again, as a real fetch would. Before
 * timing, both executors' answers must be equal for every user.
 */
const flags = parseFlags(process.argv.slice(2), {
  workload: { type: 'string' },
  users: { type: 'string' },
  seconds: { type: 'string' },
  rounds: { type: 'string' },
});
const workload = flags.workload ?? 'heavy';
const USERS = Number(flags.users ?? 20);
const SECONDS = Number(flags.seconds ?? 3);
const ROUNDS = Number(flags.rounds ?? 4);
const OPERATIONS = {
  heavy: { file: 'bench/heavy.graphql', name: 'HeavyStorefront' },
  'front-page': { file: 'persisted-queries/web/FrontPage.graphql', name: 'FrontPage' },
} as const;
const operation = OPERATIONS[workload as keyof typeof OPERATIONS];
if (!operation) throw new Error(`--workload is heavy or front-page, not ${workload}`);

interface BenchContext {
  readonly user: number;
  readonly identity?: string;
}

const fetchKey = (user: number, subgraph: string, o: GraphQLDataSourceProcessOptions<BenchContext>) => `${user}\n${subgraph}\n${o.request.query}\n${JSON.stringify(o.request.variables ?? {})}`;

/** Records each subgraph answer as text, under the user and the fetch. */
class RecordingSource extends RemoteGraphQLDataSource<BenchContext> {
  readonly #name: string;
  readonly #answers: Map<string, string>;
  constructor(url: string, name: string, answers: Map<string, string>) {
    super({ url });
    this.#name = name;
    this.#answers = answers;
  }
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<BenchContext>) {
    if (context.identity) request.http?.headers.set(IDENTITY_HEADER, context.identity);
  }
  override async process(o: GraphQLDataSourceProcessOptions<BenchContext>): Promise<GatewayGraphQLResponse> {
    const response = await super.process(o);
    this.#answers.set(fetchKey(o.context.user, this.#name, o), JSON.stringify(response));
    return response;
  }
}

/** Answers each fetch from the recording, parsed afresh (the executor mutates what it gets). */
const replaySource = (name: string, answers: ReadonlyMap<string, string>): GraphQLDataSource<BenchContext> => ({
  async process(o) {
    const text = answers.get(fetchKey(o.context.user, name, o));
    if (text === undefined) throw new Error(`no recorded answer for a ${name} fetch of user ${o.context.user}`);
    return JSON.parse(text) as GatewayGraphQLResponse;
  },
});

const supergraphSdl = readFileSync('schema/supergraph.graphql', 'utf8');
const query = readFileSync(operation.file, 'utf8');
const document = parse(query);
const queryHash = createHash('sha256').update(query).digest('hex');

function requestContext(user: number, identity?: string): GatewayGraphQLRequestContext {
  // The fields the gateway's executor reads; Apollo Server passes many more.
  return {
    request: { query, operationName: operation!.name, variables: {} },
    document,
    queryHash,
    source: query,
    operationName: operation!.name,
    context: { user, identity },
    logger: console,
    metrics: {},
  } as unknown as GatewayGraphQLRequestContext;
}

async function load(gateway: ApolloGateway): Promise<GatewayExecutor> {
  const { executor } = await gateway.load();
  return executor;
}

runBench(async (processes) => {
  const graph = await startGraph(processes, randomBasePort());
  const urls = Object.fromEntries(graph.subgraphUrls.map((pair) => pair.split('=') as [string, string]));
  const answers = new Map<string, string>();
  const recorder = new ApolloGateway({ supergraphSdl, buildService: ({ name }) => new RecordingSource(urls[name]!, name, answers) });
  const record = await load(recorder);
  const key = identityKey(DEV_IDENTITY_SECRET);
  for (let user = 0; user < USERS; user++) {
    const result = await record(requestContext(user, await signIdentityAssertion(key, { userId: seededUserId(user) }, 3600)));
    if (result.errors?.length) throw new Error(`user ${user}: ${JSON.stringify(result.errors)}`);
  }
  await recorder.stop();
  processes.stopAll();

  const executors = {
    apollo: await load(new ApolloGateway({ supergraphSdl, buildService: ({ name }) => replaySource(name, answers) })),
    ours: await load(new StorefrontGateway({ supergraphSdl, buildService: ({ name }) => replaySource(name, answers) })),
  };
  let bytes = 0;
  for (let user = 0; user < USERS; user++) {
    const [a, o] = [JSON.stringify(await executors.apollo(requestContext(user))), JSON.stringify(await executors.ours(requestContext(user)))];
    if (a !== o) throw new Error(`user ${user}: the executors' answers differ`);
    bytes += a.length;
  }
  console.log(`${workload}: ${answers.size} recorded subgraph answers for ${USERS} users; answers ${Math.round(bytes / USERS / 1024)} KB on average`);

  /** CPU µs per operation over SECONDS of back-to-back executions, users in turn. */
  async function measure(executor: GatewayExecutor): Promise<number> {
    const cpu = process.cpuUsage();
    const until = performance.now() + SECONDS * 1000;
    let n = 0;
    while (performance.now() < until) await executor(requestContext(n++ % USERS));
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / n;
  }
  await measure(executors.apollo);
  await measure(executors.ours);
  const sums = { apollo: 0, ours: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['apollo', 'ours'] as const) : (['ours', 'apollo'] as const);
    const line: string[] = [];
    for (const name of order) {
      const us = await measure(executors[name]);
      sums[name] += us;
      line.push(`${name} ${us.toFixed(0)} µs`);
    }
    console.log(`  round ${round + 1}: ${line.join(', ')}`);
  }
  const [apollo, ours] = [sums.apollo / ROUNDS, sums.ours / ROUNDS];
  console.log(`executor CPU per operation: apollo ${apollo.toFixed(0)} µs, ours ${ours.toFixed(0)} µs, ratio ${(ours / apollo).toFixed(2)}x`);
});
