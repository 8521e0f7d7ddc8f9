import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../common/logger.ts';
import { apiSchemaOf } from '../../common/api-schema.ts';
import { generateManifest, manifestText } from '../../scripts/lib/pq-generate.ts';
import {
  hashOperation,
  loadManifest,
  loadManifestIndex,
  ManifestError,
  ManifestIndex,
  MANIFEST_FORMAT,
  parseManifest,
  type ManifestOperation,
  type PersistedQueryManifest,
} from '../../gateway/admission/persisted-queries/manifest.ts';
import { watchManifests, type ManifestReloadEvent, type ManifestWatcher, type ManifestWatcherOptions } from '../../gateway/admission/persisted-queries/manifest-watcher.ts';

type FileEvent = Parameters<NonNullable<ManifestWatcherOptions['onFileEvent']>>[0];

const ROOT = new URL('../../', import.meta.url).pathname;
const silentLogger = createLogger('test', 'silent');

function op(name: string, body: string, extra: Partial<ManifestOperation> = {}): ManifestOperation {
  return { id: hashOperation(body), name, type: 'query', body, ...extra };
}

function manifestOf(...operations: ManifestOperation[]): PersistedQueryManifest {
  return { format: MANIFEST_FORMAT, version: 1, operations };
}

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ManifestError, `expected a ManifestError, got ${String(error)}`);
    return error.problems;
  }
  return assert.fail('expected a ManifestError');
}

async function rejectionProblems(promise: Promise<unknown>): Promise<readonly string[]> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ManifestError, `expected a ManifestError, got ${String(error)}`);
    return error.problems;
  }
  return assert.fail('expected a ManifestError');
}

const ME = op('Me', 'query Me { me { id } }');
const FEATURED = op('Featured', 'query Featured { featuredProducts { id } }', { clientName: 'web' });
const ADMIN = op('AdminTool', 'query AdminTool { categories { id } }', { clientName: 'admin' });

describe('operation hashing', () => {
  it('is the SHA-256 hex of the UTF-8 text (the GraphQL-over-HTTP draft example)', () => {
    assert.equal(hashOperation('query ($id: ID!) {\n  user(id: $id) {\n    name\n  }\n}'), '7dba4bd717b41f10434822356a93c32b1fb4907b983e854300ad839f84cdcd6e');
    assert.equal(hashOperation('query($id:ID!){user(id:$id){name}}'), '71f7dc5758652baac68e4a10c50be732b741c892ade2883a99358f52b555286b');
  });
});

describe('manifest validation', () => {
  it('accepts an Apollo manifest, with or without clientName, ignoring unknown fields', () => {
    const text = JSON.stringify({ ...manifestOf(ME, FEATURED), generatedBy: 'tool' });
    assert.deepEqual(parseManifest(text, 'm.json').operations, [ME, FEATURED]);
  });

  it('refuses text that is not JSON', () => {
    assert.match(problemsOf(() => parseManifest('{"format":', 'm.json'))[0]!, /not valid JSON/);
  });

  it('lists every structural problem in one error', () => {
    const problems = problemsOf(() =>
      parseManifest(
        JSON.stringify({
          format: 'relay-persisted-queries',
          version: 2,
          operations: [{ id: ME.id, name: 'Me', type: 'fragment', body: ME.body }, { id: 'x', name: 'NoBody', type: 'query' }],
        }),
        'm.json',
      ),
    );
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('format:')));
    assert.ok(problems.some((p) => p.startsWith('version:')));
    assert.ok(problems.some((p) => p.startsWith('operations.0.type:')));
    assert.ok(problems.some((p) => p.startsWith('operations.1.body:')));
  });

  it('refuses a manifest without operations', () => {
    assert.ok(problemsOf(() => parseManifest(JSON.stringify({ format: MANIFEST_FORMAT, version: 1 }), 'm.json')).some((p) => p.startsWith('operations:')));
  });

  it('refuses ids that are not the SHA-256 of their body, and duplicate ids, naming each entry', () => {
    const tampered = { ...ME, body: 'query Me { me { id email } }' };
    const error = (() => {
      try {
        parseManifest(JSON.stringify(manifestOf(tampered, FEATURED, FEATURED, op('Short', 'query Short { me { id } }', { id: 'abc' }))), 'web.json');
      } catch (e) {
        return e as ManifestError;
      }
      return assert.fail('expected a ManifestError');
    })();
    assert.equal(error.source, 'web.json');
    assert.equal(error.problems.length, 3, error.problems.join('\n'));
    assert.match(error.problems[0]!, /^operations\.0 \(Me\): id [0-9a-f]{16}…\(64 chars\) is not the SHA-256 of its body \(expected [0-9a-f]{64}\)/);
    assert.match(error.problems[1]!, /^operations\.2 \(Featured\): duplicate id .* \(first at operations\.1\)/);
    assert.match(error.problems[2]!, /^operations\.3 \(Short\): id abc is not the SHA-256/);
    assert.match(error.message, /invalid persisted-query manifest web\.json:\n {2}- operations\.0/);
  });

  it('reports an unreadable file as a ManifestError', async () => {
    const problems = await rejectionProblems(loadManifest('/nonexistent/manifest.json'));
    assert.deepEqual(problems, ['cannot be read (ENOENT)']);
  });
});

describe('manifest index', () => {
  it('finds operations by id and by exact body', () => {
    const index = ManifestIndex.of([manifestOf(ME, FEATURED)]);
    assert.equal(index.size, 2);
    assert.equal(index.byId(ME.id)?.name, 'Me');
    assert.equal(index.byBody(FEATURED.body)?.name, 'Featured');
    assert.equal(index.byBody(`${FEATURED.body} `), undefined, 'no normalisation: exact text only');
    assert.equal(index.byId(hashOperation('query X { me { id } }')), undefined);
  });

  it('merges extra manifests into the main one; an operation in both is kept once', () => {
    const index = ManifestIndex.of([manifestOf(ME, FEATURED), manifestOf(ADMIN, { ...ME, clientName: 'admin' })]);
    assert.equal(index.size, 3);
    assert.equal(index.byId(ADMIN.id)?.clientName, 'admin');
    assert.equal(index.byId(ME.id)?.clientName, undefined, 'the main manifest wins');
    assert.deepEqual([...index.operations()].map((o) => o.name), ['Me', 'Featured', 'AdminTool']);
  });

  it('is empty before any manifest', () => {
    assert.equal(ManifestIndex.EMPTY.size, 0);
  });
});

describe('loading the main and extra manifests', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pq-load-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads and merges every file', async () => {
    writeFileSync(join(dir, 'web.json'), JSON.stringify(manifestOf(ME)));
    writeFileSync(join(dir, 'admin.json'), JSON.stringify(manifestOf(ADMIN)));
    const index = await loadManifestIndex([join(dir, 'web.json'), join(dir, 'admin.json')]);
    assert.deepEqual([...index.operations()].map((o) => o.name), ['Me', 'AdminTool']);
  });

  it('lists the problems of every bad file in one error', async () => {
    writeFileSync(join(dir, 'bad1.json'), '{');
    writeFileSync(join(dir, 'bad2.json'), JSON.stringify({ ...manifestOf(ME), version: 3 }));
    const problems = await rejectionProblems(loadManifestIndex([join(dir, 'web.json'), join(dir, 'bad1.json'), join(dir, 'bad2.json'), join(dir, 'missing.json')]));
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems[0]!, /bad1\.json: not valid JSON/);
    assert.match(problems[1]!, /bad2\.json: version:/);
    assert.match(problems[2]!, /missing\.json: cannot be read \(ENOENT\)/);
  });
});

describe('manifest watcher', () => {
  let dir: string;
  let watcher: ManifestWatcher | undefined;
  let events: ManifestReloadEvent[];
  let waiters: (() => void)[];
  let fileEvents: FileEvent[];
  const fileWaiters = new Map<string, (event: FileEvent) => void>();
  /** The watcher's next event for `file`, as it classified it (the timer is a failure deadline that also keeps the loop alive). */
  const nextFileEvent = (file: string) =>
    new Promise<FileEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no file event for ${file} within 5 s`)), 5000);
      fileWaiters.set(file, (event) => {
        clearTimeout(timer);
        fileWaiters.delete(file);
        resolve(event);
      });
    });

  // The watcher does not keep the process alive (persistent: false), so the
  // timeout also holds the event loop open while a file event is on its way.
  const nextReload = () =>
    new Promise<ManifestReloadEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no manifest reload within 5 s')), 5000);
      waiters.push(() => {
        clearTimeout(timer);
        resolve(events[events.length - 1]!);
      });
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pq-watch-'));
    events = [];
    waiters = [];
    fileEvents = [];
    writeFileSync(join(dir, 'web.json'), JSON.stringify(manifestOf(ME)));
    writeFileSync(join(dir, 'extra.json'), JSON.stringify(manifestOf(ADMIN)));
    writeFileSync(join(dir, 'unrelated.json'), '{}');
    watcher = await watchManifests({
      paths: [join(dir, 'web.json'), join(dir, 'extra.json')],
      logger: silentLogger,
      debounceMs: 20,
      onReload: (event) => {
        events.push(event);
        for (const wake of waiters.splice(0)) wake();
      },
      onFileEvent: (event) => {
        fileEvents.push(event);
        for (const [file, wake] of fileWaiters) if (file === event.file) wake(event);
      },
    });
  });
  after(() => {
    watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the manifests loaded at start', () => {
    assert.deepEqual([...watcher!.current().operations()].map((o) => o.name), ['Me', 'AdminTool']);
  });

  it('reloads when the main manifest changes, without a restart', async () => {
    const reloaded = nextReload();
    writeFileSync(join(dir, 'web.json'), JSON.stringify(manifestOf(ME, FEATURED)));
    const event = await reloaded;
    assert.equal(event.ok, true);
    assert.ok(watcher!.current().byId(FEATURED.id));
  });

  it('reloads when an extra manifest is replaced atomically (renamed over)', async () => {
    const extra = op('AdminToolV2', 'query AdminToolV2 { categories { id name } }');
    const reloaded = nextReload();
    writeFileSync(join(dir, 'extra.json.tmp'), JSON.stringify(manifestOf(extra)));
    renameSync(join(dir, 'extra.json.tmp'), join(dir, 'extra.json'));
    assert.equal((await reloaded).ok, true);
    assert.ok(watcher!.current().byId(extra.id));
    assert.equal(watcher!.current().byId(ADMIN.id), undefined);
  });

  it('keeps the previous manifest when the new one is malformed, and says why', async () => {
    const before = watcher!.current();
    const reloaded = nextReload();
    writeFileSync(join(dir, 'web.json'), JSON.stringify(manifestOf({ ...ME, id: FEATURED.id })));
    const event = await reloaded;
    assert.equal(event.ok, false);
    if (event.ok) return;
    assert.match(event.error.message, /web\.json/);
    assert.match(event.error.problems.join('\n'), /is not the SHA-256 of its body/);
    assert.equal(watcher!.current(), before, 'the previous index stays in force');
  });

  it('recovers when the file is fixed', async () => {
    const reloaded = nextReload();
    writeFileSync(join(dir, 'web.json'), JSON.stringify(manifestOf(ME)));
    assert.equal((await reloaded).ok, true);
    assert.equal(watcher!.current().byId(FEATURED.id), undefined);
  });

  it('ignores other files in the folder', async () => {
    const seen = nextFileEvent('unrelated.json');
    writeFileSync(join(dir, 'unrelated.json'), '{"changed":true}');
    assert.deepEqual(await seen, { file: 'unrelated.json', counted: false });
  });

  it('refuses to start on a malformed manifest', async () => {
    writeFileSync(join(dir, 'broken.json'), '[]');
    await rejectionProblems(watchManifests({ paths: [join(dir, 'broken.json')], logger: silentLogger, watch: false }));
  });

  it('stops reloading once closed', async () => {
    watcher!.close();
    watcher!.close();
    const count = { reloads: events.length, fileEvents: fileEvents.length };
    // A witness watching the same folder: libuv hands one inotify event to
    // every watch of the folder in the same turn, so once the witness has
    // heard the write and that turn is over (setImmediate), a watcher still
    // open would have heard it too.
    const witness = watch(dir);
    const heard = new Promise<void>((resolve) => witness.on('change', (_event, file) => file === 'web.json' && resolve()));
    writeFileSync(join(dir, 'web.json'), JSON.stringify(manifestOf(ME, ADMIN)));
    await heard;
    witness.close();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual({ reloads: events.length, fileEvents: fileEvents.length }, count);
  });
});

describe('manifest generation (npm run pq:manifest)', () => {
  const schema = apiSchemaOf(readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8'));
  const sourcesOf = (client: string) =>
    readdirSync(join(ROOT, 'persisted-queries', client))
      .filter((n) => n.endsWith('.graphql'))
      .sort()
      .map((n) => ({ file: `persisted-queries/${client}/${n}`, text: readFileSync(join(ROOT, 'persisted-queries', client, n), 'utf8') }));

  for (const client of ['web', 'mobile']) {
    it(`the committed ${client} manifest is valid and up to date with the operation files`, async () => {
      const outcome = generateManifest(client, sourcesOf(client), schema);
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.problems.map((p) => `${p.file}: ${p.message}`).join('\n'));
      const path = join(ROOT, `persisted-queries/manifests/${client}.json`);
      assert.equal(readFileSync(path, 'utf8'), manifestText(outcome.manifest), `${path} is stale: run npm run pq:manifest`);
      const manifest = await loadManifest(path);
      assert.ok(manifest.operations.every((o) => o.clientName === client));
      for (const screen of ['FrontPage', 'ProductPage', 'CategoryListing', 'Search', 'CartSummary', 'CheckoutSummary', 'AddToCart', 'UpdateCartItem', 'RemoveFromCart']) {
        assert.ok(manifest.operations.some((o) => o.name === screen), `${client} has no ${screen}`);
      }
    });
  }

  it('writes printed bodies (no comments), sorted by name, with their type', () => {
    const outcome = generateManifest('web', [
      { file: 'web/B.graphql', text: '# a comment\nmutation B($id: ID!) { removeFromCart(productId: $id) { id } }' },
      { file: 'web/A.graphql', text: 'query A { me { id } }' },
    ], schema);
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.manifest.operations.map((o) => [o.name, o.type, o.clientName]), [['A', 'query', 'web'], ['B', 'mutation', 'web']]);
    const b = outcome.manifest.operations[1]!;
    assert.equal(b.body, 'mutation B($id: ID!) {\n  removeFromCart(productId: $id) {\n    id\n  }\n}');
    assert.equal(b.id, hashOperation(b.body));
  });

  it('lists every invalid operation with its file, operation and GraphQL error', () => {
    const outcome = generateManifest('web', [
      { file: 'web/Unknown.graphql', text: 'query Unknown { product(id: "1") { nope } }' },
      { file: 'web/Syntax.graphql', text: 'query Syntax { me { id }' },
      { file: 'web/Anonymous.graphql', text: '{ me { id } }' },
      { file: 'web/Two.graphql', text: 'query Two { me { id } } query Three { me { id } }' },
      { file: 'web/Misnamed.graphql', text: 'query Other { me { id } }' },
      { file: 'web/Args.graphql', text: 'query Args { product { id } }' },
    ], schema);
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    const lines = outcome.problems.map((p) => `${p.file} ${p.operation ?? '-'}: ${p.message}`);
    assert.equal(lines.length, 6, lines.join('\n'));
    assert.match(lines[0]!, /^web\/Unknown\.graphql Unknown: Cannot query field "nope" on type "Product".*\(line 1, column \d+\)/);
    assert.match(lines[1]!, /^web\/Syntax\.graphql -: syntax error: /);
    assert.match(lines[2]!, /^web\/Anonymous\.graphql -: expected exactly one named operation, found 1 \(anonymous\)/);
    assert.match(lines[3]!, /^web\/Two\.graphql Two: expected exactly one named operation, found 2/);
    assert.match(lines[4]!, /^web\/Misnamed\.graphql Other: the operation must be named like its file \(Misnamed\)/);
    assert.match(lines[5]!, /^web\/Args\.graphql Args: Field "product" argument "id" of type "ID!" is required/);
  });
});
