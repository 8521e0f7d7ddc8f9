import { ConfigError, parseFlags } from '../../common/config.ts';
import { approvalsFromFlags, DEFAULT_APPROVALS_PATH, readApprovalsFile } from './approvals.ts';
import { exitCodeOf, runSchemaCheck } from './check.ts';
import { formatGithub } from './format-github.ts';
import { formatText } from './format-text.ts';
import { loadBaseSupergraph, loadMaxCosts, loadOperationSets, loadProposedSubgraphs } from './inputs.ts';

const USAGE = `usage: npm run schema:check -- [options]

Checks a proposed change to the subgraph schemas before it ships, offline:
  1. composes the subgraphs in rover.yaml (@apollo/composition, as \`npm run compose\`);
  2. diffs the new API schema against the base and classifies each change BREAKING,
     DANGEROUS or SAFE (GraphQL Inspector's rules, see docs/schema-checks.md);
  3. checks every persisted operation of every client (persisted-queries/manifests) and of
     every shipped release (persisted-queries/releases/<client>/<version>.json): it must still
     validate, and no field it selects may change type, nullability or arguments under it;
  4. recomputes each operation's estimated cost and flags any over its client's maximum
     (BREAKING) or grown by more than --cost-growth-percent (DANGEROUS).

Options:
  --config <file>            Rover supergraph config (default: rover.yaml)
  --name <subgraph> --schema <file>
                             check this SDL file as the named subgraph, as \`rover subgraph check\`
  --base <git ref>           compare with the supergraph at this ref (e.g. origin/main);
                             default: the committed file
  --supergraph <file>        the base supergraph file (default: schema/supergraph.graphql)
  --operations <dir>         persisted operations (default: persisted-queries)
  --approve <coordinate>     approve breaking changes at a schema coordinate, e.g. Product.brand (repeatable)
  --approvals <file>         approvals file (default: ${DEFAULT_APPROVALS_PATH}, if it exists)
  --cost-growth-percent <n>  flag operations whose cost grew by more than n % (default: 25)
  --gateway-config <client>=<file>
                             read a client's maxCost from the gateway config file it runs with (repeatable)
  --fail-on-dangerous        DANGEROUS findings fail the check too
  --format text|json|github  report format (default: text); github prints Actions annotations
  --help                     this text
Exit codes: 0 pass, 1 a check failed (composition, breaking change, operation or cost),
2 usage or input error (unreadable file, malformed SDL or manifest, unknown subgraph, bad ref).`;

const FORMATS = ['text', 'json', 'github'] as const;
type Format = (typeof FORMATS)[number];

function growthPercent(value: string | undefined): number {
  if (value === undefined) return 25;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n) || n > 100_000) {
    throw new ConfigError('command-line', [`--cost-growth-percent: expected a number of percent such as 25, received ${JSON.stringify(value)}`]);
  }
  return n;
}

async function main(argv: string[], print: (format: Format, text: string) => void): Promise<number> {
  const flags = parseFlags(argv, {
    config: { type: 'string' },
    name: { type: 'string' },
    schema: { type: 'string' },
    base: { type: 'string' },
    supergraph: { type: 'string' },
    operations: { type: 'string' },
    approve: { type: 'string', multiple: true },
    approvals: { type: 'string' },
    'cost-growth-percent': { type: 'string' },
    'gateway-config': { type: 'string', multiple: true },
    'fail-on-dangerous': { type: 'boolean' },
    format: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const format = (flags.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) throw new ConfigError('command-line', [`--format: expected text, json or github, received ${JSON.stringify(flags.format)}`]);
  if ((flags.name === undefined) !== (flags.schema === undefined)) {
    throw new ConfigError('command-line', ['--name and --schema go together: --name <subgraph> --schema <file>']);
  }
  const override = flags.name !== undefined && flags.schema !== undefined ? { name: flags.name, schemaPath: flags.schema } : undefined;
  const report = await runSchemaCheck({
    subgraphs: loadProposedSubgraphs(flags.config ?? 'rover.yaml', override),
    base: loadBaseSupergraph(flags.supergraph ?? 'schema/supergraph.graphql', flags.base),
    operationSets: loadOperationSets(flags.operations ?? 'persisted-queries'),
    approvals: [...readApprovalsFile(flags.approvals ?? DEFAULT_APPROVALS_PATH, flags.approvals !== undefined), ...approvalsFromFlags(flags.approve ?? [])],
    costPolicy: { maxCostOf: loadMaxCosts(flags['gateway-config'] ?? []), growthPercent: growthPercent(flags['cost-growth-percent']) },
    failOnDangerous: flags['fail-on-dangerous'] === true,
  });
  print(format, format === 'json' ? JSON.stringify(report, null, 2) : format === 'github' ? formatGithub(report) : formatText(report));
  return exitCodeOf(report);
}

const argv = process.argv.slice(2);
const wantsJson = argv.some((a, i) => a === '--format=json' || (a === '--format' && argv[i + 1] === 'json'));
main(argv, (_format, text) => console.log(text)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
    if (wantsJson) console.log(JSON.stringify({ verdict: 'error', problems }, null, 2));
    console.error(error instanceof ConfigError ? `${error.message}\n\n${USAGE}` : `schema:check: ${(error as Error).message}`);
    process.exit(2);
  },
);
