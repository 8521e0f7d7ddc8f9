import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { ConfigError, parseFlags } from '../common/config.ts';
import { estimateCost, readCostDirectives } from '../gateway/admission/cost/index.ts';
import { apiSchemaOf } from '../common/api-schema.ts';
import { generateManifest, manifestText, type GeneratedOperation } from './lib/pq-generate.ts';
import { PROFILE_NAMES } from '../gateway/profiles.ts';

const USAGE = `usage: npm run pq:manifest -- [--client web|mobile|all] [--check] [--supergraph schema/supergraph.graphql]

Reads each client's operations (persisted-queries/<client>/*.graphql), validates them against
the supergraph's API schema, reports each operation's estimated cost, and writes the client's
persisted-query manifest in Apollo's format (persisted-queries/manifests/<client>.json).
  --client      web, mobile or all (default: all)
  --check       write nothing; exit 1 if a committed manifest is not what would be written now
  --supergraph  supergraph SDL to validate against (default: schema/supergraph.graphql)
Exit codes: 0 done, 1 invalid operations or a stale manifest, 2 usage or input error.`;

const OPERATIONS_DIR = 'persisted-queries';
const MANIFESTS_DIR = join(OPERATIONS_DIR, 'manifests');

/** One report row. */
interface ReportRow {
  readonly client: string;
  readonly name: string;
  readonly type: string;
  readonly id: string;
  readonly cost: string;
}

type CostOf = (document: DocumentNode, operationName: string) => string;

/**
 * The estimated cost column (gateway/admission/cost, the same estimator the
 * gateway enforces), with no variables: argument defaults and @listSize
 * assumptions decide list sizes, as for a client that sends none.
 */
function costEstimator(schema: GraphQLSchema, supergraphSdl: string): CostOf {
  const directives = readCostDirectives(supergraphSdl);
  return (document, operationName) => {
    try {
      return String(estimateCost(schema, directives, document, { operationName, variables: {} }));
    } catch (error) {
      console.error(`cost of ${operationName}: ${(error as Error).message}`);
      return 'error';
    }
  };
}

function readSources(client: string) {
  const dir = join(OPERATIONS_DIR, client);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.graphql')).sort();
  } catch (error) {
    throw new ConfigError('input', [`${dir}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return names.map((name) => ({ file: join(dir, name), text: readFileSync(join(dir, name), 'utf8') }));
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // a missing manifest is simply stale
  }
}

function printReport(rows: readonly ReportRow[]): void {
  const headers = ['client', 'operation', 'type', 'id', 'estimated cost'];
  const cells = rows.map((r) => [r.client, r.name, r.type, r.id.slice(0, 12), r.cost]);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: readonly string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(headers));
  for (const c of cells) console.log(line(c));
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), {
    client: { type: 'string' },
    check: { type: 'boolean' },
    supergraph: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const client = flags.client ?? 'all';
  if (client !== 'all' && !(PROFILE_NAMES as readonly string[]).includes(client)) {
    throw new ConfigError('command-line', [`--client: expected web, mobile or all, received ${JSON.stringify(client)}`]);
  }
  const clients = client === 'all' ? [...PROFILE_NAMES] : [client];
  const supergraphPath = flags.supergraph ?? 'schema/supergraph.graphql';
  let supergraphSdl: string;
  try {
    supergraphSdl = readFileSync(supergraphPath, 'utf8');
  } catch (error) {
    throw new ConfigError('input', [`${supergraphPath}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  const schema = apiSchemaOf(supergraphSdl);
  const costOf = costEstimator(schema, supergraphSdl);

  let failed = false;
  const rows: ReportRow[] = [];
  const outputs: { path: string; text: string }[] = [];
  for (const name of clients) {
    const outcome = generateManifest(name, readSources(name), schema);
    if (!outcome.ok) {
      failed = true;
      console.error(`${name}: ${outcome.problems.length} invalid operation(s):`);
      for (const p of outcome.problems) console.error(`  ${p.file}${p.operation ? ` (${p.operation})` : ''}: ${p.message}`);
      continue;
    }
    rows.push(...outcome.operations.map((o: GeneratedOperation) => ({
      client: name,
      name: o.operation.name,
      type: o.operation.type,
      id: o.operation.id,
      cost: costOf(o.document, o.operation.name),
    })));
    outputs.push({ path: join(MANIFESTS_DIR, `${name}.json`), text: manifestText(outcome.manifest) });
  }
  if (failed) return 1;
  printReport(rows);

  if (flags.check) {
    const stale = outputs.filter((o) => readOrEmpty(o.path) !== o.text);
    for (const o of stale) console.error(`${o.path} is stale: run \`npm run pq:manifest\` and commit the result`);
    if (stale.length === 0) console.log(`${outputs.map((o) => o.path).join(', ')} up to date`);
    return stale.length === 0 ? 0 : 1;
  }
  mkdirSync(MANIFESTS_DIR, { recursive: true });
  for (const o of outputs) {
    writeFileSync(o.path, o.text);
    console.log(`wrote ${o.path}`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(error.message);
      console.error(`\n${USAGE}`);
      process.exit(2);
    }
    console.error(`pq:manifest: ${(error as Error).message}`);
    process.exit(2);
  },
);
