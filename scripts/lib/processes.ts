import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly command: string;
}

/**
 * Every live process on this machine, read from /proc (Linux). Written by hand: the npm
 * packages that list processes shell out to `ps` per call, and this is four fields.
 */
export function listProcesses(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name sits in parentheses and may itself contain spaces or ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue; // a zombie holds no resources; its parent reaps it
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      found.push({ pid: Number(entry), ppid: Number(fields[1]), pgid: Number(fields[2]), command });
    } catch {
      // it exited while we looked
    }
  }
  return found;
}

export function processGroupMembers(pgid: number): ProcessInfo[] {
  return listProcesses().filter((p) => p.pgid === pgid);
}

/** `root` and every process below it, by parent links. */
export function descendantsOf(root: number): ProcessInfo[] {
  const all = listProcesses();
  const result: ProcessInfo[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const p of all) {
      if (p.ppid === parent) {
        result.push(p);
        frontier.push(p.pid);
      }
    }
  }
  return result;
}
