/**
 * `npm run bench:start-up`: how long `npm start` takes to be ready, as a newcomer runs
 * it (through npm, on OS-chosen ports), N times; the median, and where the CPU went:
 * each of the twelve processes' CPU seconds at the moment everything was ready.
 *
 *   npm run bench:start-up -- --runs 5 [--cold]
 *
 * `--cold` empties Node's compile cache before the first run, so that run shows a
 * first start after `npm ci`. The machine's load average is printed with each run:
 * start-up is CPU-bound (twelve processes on the machine's cores), so it moves with load.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseFlags } from '../common/config.ts';
import { descendantsOf } from '../scripts/lib/processes.ts';

const ROOT = join(import.meta.dirname, '..');
const flags = parseFlags(process.argv.slice(2), { runs: { type: 'string' }, cold: { type: 'boolean' } });
const runs = Number(flags.runs ?? 5);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a positive integer, received ${flags.runs}`);
if (flags.cold) rmSync(join(ROOT, 'node_modules', '.cache', 'node-compile-cache'), { recursive: true, force: true });

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function nameOf(command: string): string {
  const match = /(services|subgraphs|gateway)\/main\.ts --(?:service|subgraph|profile) (\w+)/.exec(command);
  if (!match) return command.includes('scripts/start.ts') ? 'launcher' : command.slice(0, 40);
  return `${{ services: 'rest', subgraphs: 'subgraph', gateway: 'gateway' }[match[1] as 'services' | 'subgraphs' | 'gateway']}-${match[2]}`;
}

const seconds: number[] = [];
const cpuByProcess = new Map<string, number[]>();
for (let run = 1; run <= runs; run++) {
  const load = loadavg()[0]!.toFixed(1);
  const started = process.hrtime.bigint();
  const child = spawn('npm', ['start', '--', '--web-port', '0', '--mobile-port', '0', '--subgraph-base-port', '0', '--rest-base-port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('storefront-bff is running')) resolve();
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', () => reject(new Error(`npm start exited before it was ready:\n${output}`)));
  });
  await ready;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  seconds.push(elapsed);
  let total = 0;
  for (const p of descendantsOf(child.pid!)) {
    const name = nameOf(p.command);
    if (name === 'launcher' || /^(rest|subgraph|gateway)-/.test(name)) {
      const cpu = cpuSeconds(p.pid);
      total += cpu;
      cpuByProcess.set(name, [...(cpuByProcess.get(name) ?? []), cpu]);
    }
  }
  console.log(`run ${run}: ready in ${elapsed.toFixed(1)} s (load average before: ${load}; CPU of all processes: ${total.toFixed(1)} s)`);
  child.kill('SIGINT');
  await once(child, 'exit');
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
console.log(`\nnpm start ready: median ${median(seconds).toFixed(1)} s over ${runs} runs (min ${Math.min(...seconds).toFixed(1)}, max ${Math.max(...seconds).toFixed(1)})`);
console.log('\nCPU seconds per process until ready (median over runs):');
for (const [name, values] of [...cpuByProcess].sort(([a], [b]) => a.localeCompare(b))) console.log(`  ${name.padEnd(20)} ${median(values).toFixed(2)}`);
