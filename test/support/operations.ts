import { readFileSync } from 'node:fs';

/** Reads an operation document the clients ship (persisted-queries/<client>/<Name>.graphql). */
export function operation(client: 'web' | 'mobile', name: string): string {
  return readFileSync(new URL(`../../persisted-queries/${client}/${name}.graphql`, import.meta.url), 'utf8');
}
