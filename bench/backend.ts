import { SERVICE_NAMES, startRestService, type RestServiceHandle } from '../services/server.ts';

/**
 * The five REST services in one process for the benchmark, at fixed ports from
 * argv[2]. Answers IPC messages: "calls" → total REST calls received since the
 * last "reset", per service and route.
 */
const base = Number(process.argv[2]);
const services: RestServiceHandle[] = [];
for (const [i, service] of SERVICE_NAMES.entries()) services.push(await startRestService({ service, port: base + i + 1 }));

process.on('message', (message) => {
  if (message === 'reset') {
    for (const s of services) s.resetCalls();
    process.send?.({ reset: true });
  } else if (message === 'calls') {
    const counts: Record<string, number> = {};
    for (const s of services) for (const c of s.calls) counts[`${s.name} ${c.method} ${c.route}`] = (counts[`${s.name} ${c.method} ${c.route}`] ?? 0) + 1;
    process.send?.({ calls: counts });
  }
});
process.send?.({ ready: true, urls: services.map((s) => s.url) });
process.once('SIGTERM', () => void Promise.all(services.map((s) => s.close())).then(() => process.exit(0)));
