import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DockerfileParser, type Copy, type Instruction } from 'dockerfile-ast';
import ts from 'typescript';
import { isGatewayEnvName, parseGatewayConfig } from '../../gateway/config.ts';
import { LIVENESS_PATH, startGateway, type RunningGateway } from '../../gateway/server.ts';
import { silentLogger } from '../support/system.ts';

/**
 * The Dockerfile, checked offline: no Docker engine runs where this was
 * written, so the image is never built here (docs/deployment.md says what
 * that leaves unproven). What can be known from the file and the repository
 * is asserted; the HEALTHCHECK command is run for real against a gateway.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const dockerfile = DockerfileParser.parse(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));

/** Instructions by build stage, in order; the last stage is the image. */
function stages(): { name: string; image: string; instructions: Instruction[] }[] {
  const out: { name: string; image: string; instructions: Instruction[] }[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = dockerfile.getFROMs()[out.length]!;
      out.push({ name: from.getBuildStage() ?? String(out.length), image: `${from.getImageName()}:${from.getImageTag()}`, instructions: [] });
    } else out.at(-1)?.instructions.push(instruction);
  }
  return out;
}
const runtime = stages().at(-1)!;
const only = (keyword: string) => {
  const found = runtime.instructions.filter((i) => i.getKeyword() === keyword);
  assert.equal(found.length, 1, `one ${keyword} in the runtime stage`);
  return found[0]!;
};
/** An instruction's arguments as written (dockerfile-ast says null for none). */
const text = (i: Instruction) => i.getArgumentsContent() ?? '';
const execForm = (content: string) => JSON.parse(content) as string[];
const envOf = () => Object.fromEntries(runtime.instructions.filter((i) => i.getKeyword() === 'ENV').flatMap((i) => i.getArguments().map((a) => a.getValue().split('=') as [string, string])));

/** Files gateway/main.ts loads, following relative imports (TypeScript's own pre-processor reads them). */
function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const stack = [resolve(ROOT, entry)];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imported of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (imported.fileName.startsWith('.')) stack.push(resolve(dirname(file), imported.fileName));
    }
  }
  return [...seen].map((f) => relative(ROOT, f));
}

describe('container image (Dockerfile, checked offline)', () => {
  it('builds on the official slim Node image, the major a build argument of a supported LTS line (>= 24)', () => {
    const arg = dockerfile.getARGs().find((a) => a.getProperty()?.getName() === 'NODE_MAJOR');
    assert.ok(arg, 'ARG NODE_MAJOR before the first FROM');
    assert.ok(Number(arg.getProperty()!.getValue()) >= 24);
    for (const stage of stages()) assert.equal(stage.image, 'node:${NODE_MAJOR}-slim', stage.name);
  });

  it('installs production dependencies only, from the lockfile, in a stage whose node_modules the image copies', () => {
    const copy = runtime.instructions.find((i): i is Copy => i.getKeyword() === 'COPY' && (i as Copy).getFromFlag() !== null && text(i).includes('node_modules'));
    assert.ok(copy, 'COPY --from=<stage> …node_modules');
    const source = stages().find((s) => s.name === copy.getFromFlag()!.getValue())!;
    const install = source.instructions.filter((i) => i.getKeyword() === 'RUN').map(text).join(' && ');
    assert.match(install, /\bnpm ci\b[^&]*--omit=dev/);
    assert.doesNotMatch(install, /npm (install|i) /, 'npm ci only: the lockfile decides');
    assert.doesNotMatch(runtime.instructions.filter((i) => i.getKeyword() === 'RUN').map(text).join(' '), /npm (ci|install)/, 'no install in the runtime stage');
  });

  it('runs as a non-root user', () => {
    const user = text(only('USER'));
    assert.ok(!['root', '0', '0:0'].includes(user.trim()), user);
    const cmdIndex = runtime.instructions.findIndex((i) => i.getKeyword() === 'CMD');
    assert.ok(runtime.instructions.findIndex((i) => i.getKeyword() === 'USER') < cmdIndex);
  });

  it('runs node gateway/main.ts in exec form (node is PID 1 and gets SIGTERM), with no TypeScript loader', () => {
    const cmd = execForm(text(only('CMD')));
    assert.deepEqual(cmd, ['node', 'gateway/main.ts']);
    assert.ok(existsSync(join(ROOT, cmd[1]!)));
    assert.equal(runtime.instructions.filter((i) => i.getKeyword() === 'ENTRYPOINT').length, 0);
    assert.doesNotMatch(JSON.stringify(envOf()), /NODE_OPTIONS|tsx/);
    assert.equal(text(only('STOPSIGNAL')), 'SIGTERM');
  });

  it('copies every file gateway/main.ts imports, and the files its defaults name', () => {
    const copied = runtime.instructions.filter((i): i is Copy => i.getKeyword() === 'COPY' && (i as Copy).getFromFlag() === null).flatMap((i) => i.getArguments().slice(0, -1).map((a) => a.getValue()));
    const isCopied = (file: string) => copied.some((c) => file === c || file.startsWith(`${c}/`));
    const missing = importClosure('gateway/main.ts').filter((f) => !isCopied(f));
    assert.deepEqual(missing, []);
    const defaults = parseGatewayConfig({});
    for (const file of [defaults.supergraphPath, 'persisted-queries/manifests/web.json', 'persisted-queries/manifests/mobile.json', 'package.json']) assert.ok(isCopied(file), file);
    for (const path of copied) assert.ok(existsSync(join(ROOT, path)), `${path} exists`);
  });

  it('sets only real GATEWAY_* variables, no secrets, and listens where it EXPOSEs on all interfaces', () => {
    const env = envOf();
    for (const name of Object.keys(env).filter((n) => n.startsWith('GATEWAY_'))) assert.ok(isGatewayEnvName(name), `${name} is a gateway variable`);
    assert.ok(!Object.keys(env).some((n) => /SECRET|JWKS/.test(n)), 'secrets come from the orchestrator, never the image');
    assert.equal(env['GATEWAY_HOST'], '0.0.0.0');
    assert.equal(text(only('EXPOSE')), env['GATEWAY_PORT']);
    assert.equal(env['NODE_ENV'], 'production');
  });

  it('keeps secrets, local installs and tests out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', '.git', '.env*', 'test']) assert.ok(ignored.includes(entry), entry);
  });
});

describe('the image HEALTHCHECK, run against a real gateway', () => {
  let gateway: RunningGateway;
  const healthcheck = () => execForm(text(only('HEALTHCHECK')).replace(/^CMD\s+/, ''));
  // Asynchronous: the gateway answering it runs in this process's event loop.
  const run = async (port: number) => {
    try {
      await promisify(execFile)(process.execPath, healthcheck().slice(1), { cwd: ROOT, env: { PATH: process.env['PATH'], GATEWAY_PORT: String(port) }, timeout: 10_000 });
      return 0;
    } catch (error) {
      return (error as { code?: number }).code;
    }
  };

  before(async () => {
    gateway = await startGateway(parseGatewayConfig({ port: 0, logLevel: 'silent', watchSupergraph: false, healthCheckIntervalMs: 0 }), silentLogger);
  });
  after(() => gateway.stop());

  it('probes liveness, the route the gateway serves', () => {
    assert.equal(healthcheck()[0], 'node');
    assert.ok(readFileSync(join(ROOT, healthcheck()[1]!), 'utf8').includes(`/${LIVENESS_PATH.slice(1)}\``));
  });

  it('exits 0 while the gateway answers, and 1 when nothing listens', async () => {
    assert.equal(await run(gateway.port), 0);
    await gateway.stop();
    assert.equal(await run(gateway.port), 1);
  });
});
