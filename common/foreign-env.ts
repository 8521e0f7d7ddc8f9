import { isIP } from 'node:net';
import { distance } from 'fastest-levenshtein';

/**
 * The rule for variables that carry our prefix but are not ours.
 *
 * Our prefixes are ordinary words (`GATEWAY_`, `SUBGRAPH_`), so other software
 * sets variables that start with them. Kubernetes is the sure case: for every
 * Service in the namespace (unless the pod sets `enableServiceLinks: false`),
 * kubelet injects `<SERVICE>_SERVICE_HOST`, `<SERVICE>_PORT=tcp://10.0.0.1:4000`
 * and the Docker-link family `<SERVICE>_PORT_4000_TCP{,_PROTO,_PORT,_ADDR}`;
 * a Service named `gateway` yields `GATEWAY_PORT=tcp://…`, which collides with
 * our own `GATEWAY_PORT`. A variable is therefore, in this order:
 *   1. ours, if its name is a known one (or a known pattern);
 *   2. a service link, ignored, if name AND value have the exact shape kubelet
 *      writes (so `GATEWAY_PORT=4000` is still ours, `GATEWAY_PORT=tcp://…` is not);
 *   3. a typo of ours, refused, if it is within 3 edits of a known name or
 *      shares two or more of its words (`GATEWAY_PROT`, `GATEWAY_BUDGET_REDIS`);
 *   4. someone else's (`GATEWAY_TIMEOUT`), ignored.
 * Ignored names (never values: they may be secrets) are reported so the
 * process logs them once at start.
 */
export type ForeignReason = 'service-link' | 'foreign';

export interface IgnoredEnv {
  readonly name: string;
  readonly reason: ForeignReason;
}

export type EnvVerdict = { readonly kind: 'ignore'; readonly reason: ForeignReason } | { readonly kind: 'typo'; readonly nearest: readonly string[] };

const PROTOCOL = '(TCP|UDP|SCTP)';
/** `<SERVICE>` is the Service name upper-cased with `-` as `_`; it starts with our prefix's word. */
function serviceLinkPattern(prefix: string): RegExp {
  // Lazy, so GATEWAY_PORT_4000_TCP_PORT reads as service GATEWAY, not GATEWAY_PORT_4000_TCP.
  const service = `${prefix.replace(/_$/, '')}(?:_[A-Z0-9_]+?)??`;
  return new RegExp(`^${service}_(?:(SERVICE_HOST)|(SERVICE_PORT)(?:_[A-Z0-9_]+)?|PORT(?:_(\\d+)_${PROTOCOL}(?:_(PROTO|PORT|ADDR))?)?)$`);
}

/** `tcp://10.0.0.1:4000` or `tcp://[fd00::1]:4000`, as kubelet writes a link. */
function linkUrl(value: string): { protocol: string; port: string } | undefined {
  const match = /^(tcp|udp|sctp):\/\/(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d+)$/.exec(value);
  if (!match || isIP(match[2] ?? match[3]!) === 0) return undefined;
  return { protocol: match[1]!, port: match[4]! };
}

/** True if `name=value` is exactly what kubelet injects for a Service whose name starts with our prefix's word. */
export function isServiceLink(prefix: string, name: string, value: string): boolean {
  const match = serviceLinkPattern(prefix).exec(name);
  if (!match) return false;
  const [, serviceHost, servicePort, linkPort, linkProtocol, linkField] = match;
  if (serviceHost) return isIP(value) !== 0;
  if (servicePort) return /^\d+$/.test(value);
  if (linkField === 'PROTO') return value === linkProtocol!.toLowerCase();
  if (linkField === 'PORT') return value === linkPort;
  if (linkField === 'ADDR') return isIP(value) !== 0;
  const url = linkUrl(value);
  if (!url) return false;
  // `<SERVICE>_PORT_4000_TCP` names its port and protocol; `<SERVICE>_PORT` is the first port's link.
  return linkPort === undefined || (url.port === linkPort && url.protocol === linkProtocol!.toLowerCase());
}

/** The words after the prefix; a pattern's placeholder (`<NAME>`) is not a word. */
const words = (name: string, prefix: string) => name.slice(prefix.length).split('_').filter((w) => w !== '' && !w.startsWith('<'));
/** One edit apart counts as the same word (URLS for URL), for words of three letters or more. */
const sameWord = (a: string, b: string) => a === b || (Math.min(a.length, b.length) >= 3 && distance(a, b) <= 1);

/** Known names an unknown one is likely a typo of: within 3 edits, or sharing two or more words. */
export function typoCandidates(prefix: string, name: string, known: readonly string[]): string[] {
  const mine = words(name, prefix);
  return known.filter((candidate) => {
    if (distance(name, candidate) <= 3) return true;
    const shared = words(candidate, prefix).filter((word) => mine.some((m) => sameWord(m, word))).length;
    return shared >= 2;
  });
}

/** What to do with a variable that has our prefix but is not a known name (rules 2–4 above). */
export function classifyUnknownEnv(prefix: string, name: string, value: string, known: readonly string[]): EnvVerdict {
  if (isServiceLink(prefix, name, value)) return { kind: 'ignore', reason: 'service-link' };
  const nearest = typoCandidates(prefix, name, known);
  return nearest.length > 0 ? { kind: 'typo', nearest } : { kind: 'ignore', reason: 'foreign' };
}
