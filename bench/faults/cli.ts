import { parseArgs } from 'node:util';
import { closeLoad, frontPage, prepareUsers, type LoadTarget } from './load.ts';
import { FAULTS, formatTable, measureBaseline, runCell, type CellResult, type Fault, type MatrixOptions } from './matrix.ts';
import { startFaultSystem } from './system.ts';

// npm run faults [-- --only subgraph-promotions,rest-pricing] [--faults hung,killed] [--fault-ms 2500] [--connections 8]
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    faults: { type: 'string' },
    'fault-ms': { type: 'string', default: '2500' },
    'recovery-cap-ms': { type: 'string', default: '10000' },
    connections: { type: 'string', default: '4' },
    users: { type: 'string', default: '300' },
  },
});
const options: MatrixOptions = {
  connections: Number(values.connections),
  faultMs: Number(values['fault-ms']),
  recoveryCapMs: Number(values['recovery-cap-ms']),
  optionalBudgetMs: 300,
};
const faults = (values.faults?.split(',') ?? [...FAULTS]) as Fault[];
const only = values.only?.split(',');

const started = performance.now();
console.error('starting 5 REST services, 5 subgraphs and the gateway as processes…');
const system = await startFaultSystem(`${process.cwd()}/logs/faults`, 2000);
try {
  const users = await prepareUsers(Number(values.users));
  // Warm-up: every user's healthy cart, and the processes' code paths.
  const healthyLines = new Map<string, number>();
  // (A cold process's first fetches may overrun the 300 ms optional budget: a few tries each.)
  for (const user of users) {
    let s = await frontPage(system.gatewayUrl, user, undefined);
    for (let i = 0; i < 5 && !s.completed; i++) s = await frontPage(system.gatewayUrl, user, undefined);
    if (!s.completed) throw new Error(`warm-up: ${user.id}'s front page is not complete on a healthy system (status ${s.status}, failed: ${s.failedServices.join(', ')}, errors from ${s.errorServices.join(', ')})`);
  }
  const target: LoadTarget = { url: system.gatewayUrl, users, healthyLines };
  for (const user of users) {
    const r = await fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` }, body: JSON.stringify({ query: '{ me { cart { items { quantity } } } }' }) });
    const body = (await r.json()) as { data: { me: { cart: { items: unknown[] } } } };
    healthyLines.set(user.id, body.data.me.cart.items.length);
  }
  const baseline = await measureBaseline(target, options, 4000);
  const cells: CellResult[] = [];
  for (const backing of system.backing.filter((b) => !only || only.includes(b.id))) {
    for (const fault of faults) {
      const cell = await runCell(target, backing, fault, baseline, options);
      console.error(`${backing.id} ${fault}: ${cell.verdict} (p99 ${Math.round(cell.p99)} ms, recovery ${cell.recoveryMs === null ? '-' : Math.round(cell.recoveryMs)} ms)`);
      cells.push(cell);
    }
  }
  console.log(formatTable(baseline, cells, options));
  console.log(`\n${cells.length} cells in ${((performance.now() - started) / 1000).toFixed(0)} s; ${cells.filter((c) => c.verdict !== 'ok').length} not meeting the acceptance.`);
} finally {
  await system.stop();
  await closeLoad();
}
