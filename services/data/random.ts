import type { Faker, LocaleDefinition } from '@faker-js/faker';
// The `locale/en` entry point loads in ~40 ms; the package root loads every locale (~200 ms).
import { faker as englishFaker } from '@faker-js/faker/locale/en';

/** Changing this reshuffles every generated record. */
export const BASE_SEED = 20261122;

export const DAY_MS = 86_400_000;

/**
 * The draws behind 11,000 records. Our own small generator rather than faker's
 * `number.int({ min, max })`: that allocates an options object per call and validates its
 * arguments, and at ~150,000 draws the garbage alone cost ~100 ms of start-up.
 */
export interface Random {
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(list: readonly T[]): T;
  weighted<T>(choices: readonly { value: T; weight: number }[]): T;
  /** `count` distinct integers in [min, max]; rejection sampling, so keep count far below the range. */
  distinctInts(count: number, min: number, max: number): number[];
}

/**
 * One generator per data domain, so adding a field to users does not reshuffle products.
 * mulberry32: 32 bits of state, full period, and the same sequence on every platform.
 */
export function createRandom(domainOffset: number): Random {
  let state = (BASE_SEED + domainOffset * 0x9e3779b9) | 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    int,
    chance: (probability) => next() < probability,
    pick: (list) => list[int(0, list.length - 1)]!,
    weighted(choices) {
      const total = choices.reduce((sum, c) => sum + c.weight, 0);
      let roll = next() * total;
      for (const choice of choices) {
        roll -= choice.weight;
        if (roll < 0) return choice.value;
      }
      return choices.at(-1)!.value;
    },
    distinctInts(count, min, max) {
      const picked = new Set<number>();
      while (picked.size < count) picked.add(int(min, max));
      return [...picked];
    },
  };
}

type FakerClass = new (options: { locale: LocaleDefinition }) => Faker;

/**
 * A private, seeded faker, for its English word lists and the few template helpers we still
 * call (brand names). Private so that nothing else in the process can advance its sequence
 * between our calls. The `locale/en` entry point only exports its singleton, hence the
 * constructor borrowed from it.
 */
export function createFaker(domainOffset: number): Faker {
  const FakerCtor = englishFaker.constructor as FakerClass;
  const faker = new FakerCtor({ locale: englishFaker.rawDefinitions });
  faker.seed(BASE_SEED + domainOffset);
  return faker;
}

export function startOfUtcDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}

/** Whole seconds keep the ISO strings short. */
export function isoAt(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

export function padded(prefix: string, n: number, width: number): string {
  return `${prefix}${String(n).padStart(width, '0')}`;
}

export const userId = (n: number): string => padded('user-', n, 4);
export const productId = (n: number): string => padded('prod-', n, 5);
export const categoryId = (n: number): string => padded('cat-', n, 2);
