import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from './types.ts';
import { createFaker, createRandom, startOfUtcDay } from './random.ts';
import { englishVocabulary } from './vocabulary.ts';
import { generateUsers } from './users.ts';
import { buildCategories } from './categories.ts';
import { generateProducts, pickFeaturedProductIds } from './products.ts';
import { generateCarts } from './carts.ts';
import { generatePrices } from './prices.ts';
import { generatePromotions } from './promotions.ts';

export type { Dataset } from './types.ts';

// Each domain draws from its own sequence (see createRandom). Never reuse or renumber an offset.
const DOMAIN = { users: 1, products: 2, featured: 3, carts: 4, prices: 5, promotions: 6, brands: 7 } as const;

export interface GenerateOptions {
  /**
   * Any instant of the day the time-relative data (cart item dates, promotion windows) is
   * anchored to; only its UTC date matters. Default: now, so every process started on the
   * same UTC day builds the same dataset.
   */
  today?: Date;
}

/** A fresh dataset on every call (~150–300 ms). Outside tests, use getDataset(). */
export function generateDataset(options: GenerateOptions = {}): Dataset {
  const dayStartMs = startOfUtcDay(options.today ?? new Date()).getTime();
  const words = englishVocabulary();
  const products = generateProducts(createRandom(DOMAIN.products), createFaker(DOMAIN.brands), words);
  const productCount = new Map<string, number>();
  for (const p of products) productCount.set(p.categoryId, (productCount.get(p.categoryId) ?? 0) + 1);
  const { promotions, featuredPromotionIds } = generatePromotions(createRandom(DOMAIN.promotions), products, dayStartMs);

  return {
    dayStart: new Date(dayStartMs).toISOString(),
    users: generateUsers(createRandom(DOMAIN.users), words),
    categories: buildCategories(productCount),
    products,
    featuredProductIds: pickFeaturedProductIds(createRandom(DOMAIN.featured)),
    carts: generateCarts(createRandom(DOMAIN.carts), dayStartMs),
    prices: generatePrices(createRandom(DOMAIN.prices), products),
    promotions,
    featuredPromotionIds,
  };
}

let memo: Dataset | undefined;

/**
 * The process-wide dataset, generated on first use and shared by every service in the
 * process. A process running past midnight keeps the day it started on.
 *
 * Generating it is most of a REST service's start-up (~0.8 s of CPU, five processes under
 * `npm start`), so it is also kept on disk, keyed by its UTC day and a hash of this
 * folder's code: the first process to need it writes it, the others read it (~0.1 s).
 * Under node_modules, so `npm ci` starts afresh; a read-only disk only costs the saving.
 */
export function getDataset(): Dataset {
  memo ??= readCached() ?? cache(generateDataset());
  return memo;
}

const CACHE_DIR = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'storefront-bff');

function cachePath(today: Date = new Date()): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(import.meta.dirname).sort()) hash.update(file).update(readFileSync(join(import.meta.dirname, file)));
  return join(CACHE_DIR, `dataset-${startOfUtcDay(today).toISOString().slice(0, 10)}-${hash.digest('hex').slice(0, 16)}.json`);
}

function readCached(): Dataset | undefined {
  try {
    return JSON.parse(readFileSync(cachePath(), 'utf8')) as Dataset;
  } catch {
    return undefined; // not there yet, or unreadable: generate
  }
}

function cache(dataset: Dataset): Dataset {
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    const path = cachePath(new Date(dataset.dayStart));
    // Written aside, then renamed: a process starting alongside never reads half a file.
    const partial = `${path}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(dataset));
    renameSync(partial, path);
  } catch {
    // a read-only or full disk: every process generates its own, as before
  }
  return dataset;
}
