import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { generateDataset, getDataset } from '../../services/data/seed.ts';
import { IMAGE_SIZES, LOYALTY_TIERS } from '../../services/data/types.ts';

const DAY = '2026-11-22';
const dataset = generateDataset({ today: new Date(`${DAY}T09:30:00Z`) });
const DAY_START_MS = Date.parse(`${DAY}T00:00:00Z`);
const productIds = new Set(dataset.products.map((p) => p.id));
const share = (part: number, whole: number) => part / whole;

describe('seeded dataset: determinism', () => {
  it('is identical on every generation for the same UTC day, whatever the hour', () => {
    assert.deepStrictEqual(generateDataset({ today: new Date(`${DAY}T23:59:59Z`) }), dataset);
  });

  it('keeps users, categories, products and prices the same from one day to the next', () => {
    const nextYear = generateDataset({ today: new Date('2027-11-22T00:00:00Z') });
    assert.deepStrictEqual(nextYear.users, dataset.users);
    assert.deepStrictEqual(nextYear.categories, dataset.categories);
    assert.deepStrictEqual(nextYear.products, dataset.products);
    assert.deepStrictEqual(nextYear.prices, dataset.prices);
    assert.equal(nextYear.dayStart, '2027-11-22T00:00:00.000Z');
  });

  it('getDataset() generates once per process and returns the same object afterwards', () => {
    assert.equal(getDataset(), getDataset());
  });

  it("getDataset() is today's dataset, whether generated or read from another process's disk cache", async () => {
    const mine = getDataset();
    assert.deepStrictEqual(mine, generateDataset());
    // Another process started now reads what this one (or an earlier one) cached.
    const other = spawnSync(process.execPath, ['--input-type=module', '-e', `import { getDataset } from ${JSON.stringify(new URL('../../services/data/seed.ts', import.meta.url).href)}; process.stdout.write(JSON.stringify(getDataset()));`], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(other.status, 0, other.stderr);
    assert.deepStrictEqual(JSON.parse(other.stdout), mine);
  });
});

describe('seeded dataset: users', () => {
  it('has 1,000 users, user-0001 to user-1000, in order', () => {
    assert.equal(dataset.users.length, 1000);
    assert.equal(dataset.users[0]!.id, 'user-0001');
    assert.equal(dataset.users.at(-1)!.id, 'user-1000');
  });

  it('gives every user a loyalty tier, unique email, 1–3 addresses and a fixed-range createdAt', () => {
    assert.equal(new Set(dataset.users.map((u) => u.email)).size, 1000);
    for (const user of dataset.users) {
      assert.ok(LOYALTY_TIERS.includes(user.loyaltyTier), user.id);
      assert.ok(user.addresses.length >= 1 && user.addresses.length <= 3, user.id);
      assert.ok(user.addresses.every((a) => a.line1 && a.city && /^\d{5}$/.test(a.postalCode) && a.country === 'US'));
      assert.ok(user.createdAt >= '2019-01-01' && user.createdAt < '2026-01-01', user.createdAt);
    }
    assert.ok(new Set(dataset.users.map((u) => u.loyaltyTier)).size === 4, 'every tier occurs');
  });
});

describe('seeded dataset: catalogue', () => {
  it('has 20 categories cat-01..cat-20 whose parents exist', () => {
    const ids = dataset.categories.map((c) => c.id);
    assert.deepStrictEqual(ids, Array.from({ length: 20 }, (_, i) => `cat-${String(i + 1).padStart(2, '0')}`));
    for (const c of dataset.categories) assert.ok(c.parentId === null || ids.includes(c.parentId), c.id);
  });

  it('counts each category\'s products in productCount, 10,000 in all', () => {
    for (const c of dataset.categories) {
      assert.equal(c.productCount, dataset.products.filter((p) => p.categoryId === c.id).length, c.id);
    }
    assert.equal(dataset.categories.reduce((sum, c) => sum + c.productCount, 0), 10_000);
  });

  it('has 10,000 products prod-00001..prod-10000 with matching SKUs and existing categories', () => {
    assert.equal(dataset.products.length, 10_000);
    const categoryIds = new Set(dataset.categories.map((c) => c.id));
    dataset.products.forEach((p, i) => {
      const n = String(i + 1).padStart(5, '0');
      assert.equal(p.id, `prod-${n}`);
      assert.equal(p.sku, `SKU-${n}`);
      assert.ok(categoryIds.has(p.categoryId));
      assert.ok(p.name.length > 0 && p.description.length > 0 && p.brand.length > 0);
      assert.ok(!p.description.includes('{{'), 'no unexpanded faker template');
    });
  });

  it('gives every product one image per size, 100/300/600/1200 px wide', () => {
    const p = dataset.products[0]!;
    assert.deepStrictEqual(p.images.map((i) => i.size), [...IMAGE_SIZES]);
    assert.deepStrictEqual(p.images.map((i) => i.width), [100, 300, 600, 1200]);
    assert.equal(p.images[0]!.url, 'https://img.example.com/prod-00001/thumbnail.jpg');
    assert.ok(dataset.products.every((q) => q.images.length === 4));
  });

  it('relates each product to 0–5 other existing products, without repeats', () => {
    for (const p of dataset.products) {
      assert.ok(p.relatedProductIds.length <= 5);
      assert.equal(new Set(p.relatedProductIds).size, p.relatedProductIds.length);
      assert.ok(!p.relatedProductIds.includes(p.id));
      assert.ok(p.relatedProductIds.every((id) => productIds.has(id)));
    }
  });

  it('features 12 distinct existing products', () => {
    assert.equal(new Set(dataset.featuredProductIds).size, 12);
    assert.ok(dataset.featuredProductIds.every((id) => productIds.has(id)));
  });
});

describe('seeded dataset: carts', () => {
  it('gives about 85% of users a cart, id cart-<userId>', () => {
    assert.ok(Math.abs(share(dataset.carts.length, 1000) - 0.85) < 0.04, `${dataset.carts.length} carts`);
    for (const cart of dataset.carts) assert.equal(cart.id, `cart-${cart.userId}`);
  });

  it('fills carts with 1–8 distinct existing products, quantity 1–5, added before the day started', () => {
    for (const cart of dataset.carts.slice(1)) {
      assert.ok(cart.items.length >= 1 && cart.items.length <= 8, cart.id);
    }
    for (const cart of dataset.carts) {
      assert.equal(new Set(cart.items.map((i) => i.productId)).size, cart.items.length, cart.id);
      for (const item of cart.items) {
        assert.ok(productIds.has(item.productId), item.productId);
        assert.ok(Number.isInteger(item.quantity) && item.quantity >= 1 && item.quantity <= 5);
        assert.ok(Date.parse(item.addedAt) < DAY_START_MS);
      }
      assert.equal(cart.updatedAt, cart.items.map((i) => i.addedAt).sort().at(-1));
    }
  });

  it('gives the demo user user-0001 exactly 20 distinct items', () => {
    const demo = dataset.carts.find((c) => c.userId === 'user-0001');
    assert.equal(demo?.items.length, 20);
  });
});

describe('seeded dataset: prices', () => {
  it('prices every product exactly once, in USD, in whole cents', () => {
    assert.deepStrictEqual(dataset.prices.map((p) => p.productId), dataset.products.map((p) => p.id));
    for (const [i, price] of dataset.prices.entries()) {
      assert.equal(price.sku, dataset.products[i]!.sku);
      assert.equal(price.currency, 'USD');
      assert.ok(Number.isInteger(price.listPriceCents) && price.listPriceCents > 0);
    }
  });

  it('puts about 25% of products on sale, always below the list price', () => {
    const onSale = dataset.prices.filter((p) => p.salePriceCents !== null);
    assert.ok(Math.abs(share(onSale.length, 10_000) - 0.25) < 0.03, `${onSale.length} on sale`);
    for (const p of onSale) assert.ok(Number.isInteger(p.salePriceCents) && p.salePriceCents! > 0 && p.salePriceCents! < p.listPriceCents);
  });
});

describe('seeded dataset: promotions', () => {
  const at = new Date(DAY_START_MS + 12 * 3_600_000).toISOString();
  const active = dataset.promotions.filter((p) => p.startsAt <= at && at < p.endsAt);

  it('promotes about 15% of products with 1–2 promotions each, ids promo-00001 upwards', () => {
    const perProduct = new Map<string, number>();
    for (const p of dataset.promotions) perProduct.set(p.productId, (perProduct.get(p.productId) ?? 0) + 1);
    assert.ok(Math.abs(share(perProduct.size, 10_000) - 0.15) < 0.02, `${perProduct.size} promoted`);
    assert.ok([...perProduct.values()].every((n) => n === 1 || n === 2));
    assert.ok([...perProduct.keys()].every((id) => productIds.has(id)));
    dataset.promotions.forEach((p, i) => assert.equal(p.id, `promo-${String(i + 1).padStart(5, '0')}`));
  });

  it('discounts 5–50%, over windows that start before they end', () => {
    for (const p of dataset.promotions) {
      assert.ok(Number.isInteger(p.discountPercent) && p.discountPercent >= 5 && p.discountPercent <= 50);
      assert.ok(p.startsAt < p.endsAt, p.id);
    }
  });

  it('has most promotions active on the day, some expired and some upcoming', () => {
    const expired = dataset.promotions.filter((p) => p.endsAt <= at).length;
    const upcoming = dataset.promotions.filter((p) => p.startsAt > at).length;
    assert.ok(share(active.length, dataset.promotions.length) > 0.7);
    assert.ok(expired > 0 && upcoming > 0);
  });

  it('anchors windows to whole days, with a day of margin, so they do not move within the day', () => {
    for (const p of dataset.promotions) {
      assert.ok(p.startsAt.endsWith('T00:00:00.000Z') && p.endsAt.endsWith('T00:00:00.000Z'), p.id);
    }
    const dayAfter = new Date(DAY_START_MS + 36 * 3_600_000).toISOString();
    assert.deepStrictEqual(
      active.map((p) => p.id),
      dataset.promotions.filter((p) => p.startsAt <= dayAfter && dayAfter < p.endsAt).map((p) => p.id),
    );
  });

  it('features 6 distinct promotions, all active on the day', () => {
    const activeIds = new Set(active.map((p) => p.id));
    assert.equal(new Set(dataset.featuredPromotionIds).size, 6);
    assert.ok(dataset.featuredPromotionIds.every((id) => activeIds.has(id)));
  });
});
