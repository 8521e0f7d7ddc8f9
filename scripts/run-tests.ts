/**
 * `npm test`'s runner: every *.test.ts below the given folders (default test/) with
 * node:test, built so that nothing can hang the suite.
 *
 * - Each test and hook has a time limit (`--test-timeout`, default 180 s); node:test's
 *   message names the test ("test timed out after …").
 * - Each file has one too (`--file-timeout`, default 300 s): a file whose module never
 *   finishes, or whose process will not exit once its tests are done (a server or child
 *   process a failed set-up left open), is named with what it was doing, and the run stops.
 * - The whole run lives in a process group of its own that is killed when the run ends:
 *   nothing a test started outlives it. Stragglers are listed, since they are a test's bug.
 *   (Not node:test's forceExit: it exits a file's process while its last results are still
 *   on their way to the reporter, and tests went missing from the count.)
 * - Programs the tests need from the system (redis-server) are provisioned before any
 *   test starts, or the run stops within seconds saying what is missing (see
 *   scripts/lib/system-tools.ts).
 *
 * Why not just `node --test`: it has no per-file limit, so a file whose after-hook failed
 * waits forever for its open servers, with no output.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { parseArgs } from 'node:util';
import { provision, toolsNeededBy } from './lib/system-tools.ts';
import { processGroupMembers } from './lib/processes.ts';

const CHILD_FLAG = '--in-process-group';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'test-timeout': { type: 'string', default: '180' },
    'file-timeout': { type: 'string', default: '300' },
    concurrency: { type: 'string' },
    'test-name-pattern': { type: 'string', multiple: true },
    [CHILD_FLAG.slice(2)]: { type: 'boolean', default: false },
  },
});

function seconds(name: 'test-timeout' | 'file-timeout'): number {
  const value = Number(flags[name]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`run-tests: --${name}: expected a number of seconds, received ${JSON.stringify(flags[name])}`);
    process.exit(2);
  }
  return value * 1000;
}

function findTests(dir: string): string[] {
  if (statSync(dir).isFile()) return [dir];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'node_modules' ? [] : findTests(path);
    return entry.endsWith('.test.ts') ? [path] : [];
  });
}

const files = (positionals.length ? positionals : ['test']).flatMap(findTests).sort();
if (files.length === 0) {
  console.error('run-tests: no *.test.ts files found');
  process.exit(1);
}

if (flags[CHILD_FLAG.slice(2)]) await runTests();
else process.exit(await superviseRun());

/** Provisions system tools, then runs the tests in a new process group and kills whatever of it is left. */
async function superviseRun(): Promise<number> {
  const sources = new Map(files.map((f) => [f, readFileSync(f, 'utf8')] as const));
  for (const [tool, users] of toolsNeededBy(sources)) {
    const outcome = provision(tool);
    if (!outcome.ok) {
      const who = users.length === 1 ? users[0] : `${users[0]} and ${users.length - 1} more`;
      console.error(`run-tests: cannot run ${who}: ${outcome.reason}`);
      return 1;
    }
  }

  const child = spawn(process.execPath, [import.meta.filename, CHILD_FLAG, ...process.argv.slice(2)], { stdio: 'inherit', detached: true });
  const forward = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => forward(signal));
  const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));

  const left = processGroupMembers(child.pid!);
  if (left.length > 0) {
    console.error(`run-tests: ${left.length} process(es) started by the tests were still running; killed:\n${left.map((p) => `  ${p.pid} ${p.command}`).join('\n')}`);
    forward('SIGKILL');
  }
  return code;
}

async function runTests(): Promise<void> {
  const testTimeoutMs = seconds('test-timeout');
  const fileTimeoutMs = seconds('file-timeout');
  const controller = new AbortController();
  const stream = run({
    files,
    // node --test's own default: one file per spare core.
    concurrency: flags.concurrency ? Number(flags.concurrency) : Math.max(1, availableParallelism() - 1),
    timeout: testTimeoutMs,
    signal: controller.signal,
    env: { ...process.env, NODE_ENV: 'test' },
    ...(flags['test-name-pattern'] ? { testNamePatterns: flags['test-name-pattern'] } : {}),
  });

  // Per file: when it started and which of its tests are running now.
  const started = new Map<string, number>();
  const running = new Map<string, Set<string>>();
  const finishedCount = new Map<string, number>();
  let failed = false;
  let timedOut: string | undefined;
  // node:test reports each file as a top-level test named by the path it was given.
  const isFileItself = (data: { file?: string; name: string; nesting: number }) => data.nesting === 0 && data.file !== undefined && resolve(data.name) === data.file;

  stream.on('test:dequeue', (data) => {
    if (isFileItself(data)) started.set(data.file!, Date.now());
  });
  stream.on('test:start', (data) => {
    if (data.file && !isFileItself(data)) (running.get(data.file) ?? running.set(data.file, new Set()).get(data.file)!).add(data.name);
  });
  const finished = (data: { file?: string; name: string; nesting: number }) => {
    if (isFileItself(data)) started.delete(data.file!);
    else if (data.file) {
      running.get(data.file)?.delete(data.name);
      finishedCount.set(data.file, (finishedCount.get(data.file) ?? 0) + 1);
    }
  };
  stream.on('test:pass', finished);
  stream.on('test:fail', (data) => {
    failed = true;
    finished(data);
  });
  stream.on('test:complete', (data) => {
    if (isFileItself(data)) started.delete(data.file!);
  });

  const watchdog = setInterval(() => {
    for (const [file, since] of started) {
      if (Date.now() - since < fileTimeoutMs) continue;
      const tests = [...(running.get(file) ?? [])];
      const doing = tests.length
        ? `still running: ${tests.map((t) => `"${t}"`).join(', ')}`
        : finishedCount.get(file)
          ? 'its tests had finished but its process did not exit: something it started is still open (a server, socket, child process or timer); stop it in an after hook'
          : 'no test had started: its module or a hook never finished';
      timedOut = `run-tests: ${relative(process.cwd(), file)} did not finish within ${fileTimeoutMs / 1000} s (--file-timeout); ${doing}`;
      console.error(`\n${timedOut}`);
      controller.abort();
      // The reporter may wait on the stuck file's process; the supervisor kills the group.
      setTimeout(() => process.exit(1), 5000).unref();
      break;
    }
  }, 1000);
  watchdog.unref();

  await new Promise<void>((resolve, reject) => {
    stream.compose(spec).on('end', resolve).on('error', reject).pipe(process.stdout);
  });
  clearInterval(watchdog);
  if (timedOut) console.error(timedOut);
  process.exitCode = failed || timedOut ? 1 : 0;
}
