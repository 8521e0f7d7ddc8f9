import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ConfigError, parseFlags } from '../common/config.ts';
import { formatSuggestions, readListSizeHistogram, suggestListSizes } from '../schema/cost-suggest.ts';
import { loadRoverConfig } from '../schema/rover-config.ts';

const USAGE = `usage: npm run cost:suggest -- --metrics <url or file> [--metrics ...] [--config rover.yaml]

Prints @listSize annotations for the list fields of each subgraph in the Rover config, from
the list sizes gateways actually returned: the storefront_gateway_list_size histogram on
their /metrics (e.g. http://localhost:4000/metrics), or Prometheus text saved to a file.
Several sources (replicas, profiles) are summed. assumedSize is the observed p99, rounded
up to a histogram bucket; fields with first/last/limit get them as slicing arguments.
Exit codes: 0 printed, 2 usage or input error.`;

async function readSource(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    let response: Response;
    try {
      response = await fetch(source, { signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new ConfigError('input', [`--metrics ${source}: cannot be fetched (${(error as Error).message})`]);
    }
    if (!response.ok) throw new ConfigError('input', [`--metrics ${source}: HTTP ${response.status}`]);
    return response.text();
  }
  try {
    return readFileSync(source, 'utf8');
  } catch (error) {
    throw new ConfigError('input', [`--metrics ${source}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), { metrics: { type: 'string', multiple: true }, config: { type: 'string' }, help: { type: 'boolean' } });
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (!flags.metrics?.length) throw new ConfigError('command-line', ['--metrics: expected a /metrics URL or a file, received none']);
  const texts = await Promise.all(flags.metrics.map(readSource));
  const subgraphs = loadRoverConfig(flags.config ?? 'rover.yaml');
  process.stdout.write(formatSuggestions(suggestListSizes(subgraphs, readListSizeHistogram(texts)), (path) => relative(process.cwd(), path)));
  return 0;
}

try {
  process.exit(await main());
} catch (error) {
  console.error(error instanceof ConfigError ? `${error.message}\n\n${USAGE}` : `cost:suggest: ${(error as Error).message}`);
  process.exit(2);
}
