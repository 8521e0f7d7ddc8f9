import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { createRestApp } from '../../services/app.ts';
import { generateDataset } from '../../services/data/seed.ts';
import { CartStore } from '../../services/cart-store.ts';
import { decodeCursor, encodeCursor } from '../../services/cursor.ts';
import { ERROR_STATUS, RestError } from '../../services/errors.ts';
import { listProducts } from '../../services/catalog.ts';
import { tierPriceCents } from '../../services/pricing.ts';
import { isActive } from '../../services/promotions.ts';
import { idListParam, parseInput } from '../../services/validation.ts';

const dataset = generateDataset({ today: new Date('2026-11-22T12:00:00Z') });
const clock = () => new Date('2026-11-22T12:00:00.000Z');

function rejectsWith(code: keyof typeof ERROR_STATUS, fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof RestError, String(error));
    assert.equal(error.code, code);
    assert.equal(error.statusCode, ERROR_STATUS[code]);
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe('error catalogue', () => {
  it('maps each code to its HTTP status', () => {
    assert.deepStrictEqual(ERROR_STATUS, { NOT_FOUND: 404, BAD_REQUEST: 400, CONFLICT: 409, IDEMPOTENCY_KEY_REUSED: 422, INTERNAL: 500 });
  });

  it('documents every code in services/README.md', () => {
    const readme = readFileSync(new URL('../../services/README.md', import.meta.url), 'utf8');
    for (const [code, status] of Object.entries(ERROR_STATUS)) assert.match(readme, new RegExp(`\\| \`${code}\` \\| ${status} \\|`), code);
  });

  it('answers an unexpected failure with 500 INTERNAL and keeps its details out of the body', async () => {
    const app = await createRestApp({ service: 'user', dataset, now: clock, logger: false, calls: [] });
    app.get('/boom', async () => {
      throw new Error('secret detail at /srv/app/services/user.ts:12');
    });
    const reply = await app.inject({ method: 'GET', url: '/boom' });
    assert.equal(reply.statusCode, 500);
    assert.deepStrictEqual(reply.json(), { error: { code: 'INTERNAL', message: 'internal error; see the service log' } });
    await app.close();
  });
});

describe('input validation messages', () => {
  const schema = z.strictObject({ ids: idListParam(), n: z.number().max(9, { error: 'expected at most 9' }).optional() });

  it('names the field, what was expected and what was received', () => {
    rejectsWith('BAD_REQUEST', () => parseInput(schema, { ids: 'a', n: 12 }, 'body'), /^body\.n: expected at most 9, received 12$/);
  });

  it('lists the accepted parameters when an unknown one is sent', () => {
    rejectsWith('BAD_REQUEST', () => parseInput(schema, { ids: 'a', idz: 'b' }, 'query'), /expected only ids, n, received unknown parameter "idz"/);
  });

  it('counts duplicate ids towards the limit of 100 but returns each id once, in first-seen order', () => {
    assert.deepStrictEqual(parseInput(schema, { ids: 'b,a,b' }, 'query').ids, ['b', 'a']);
    rejectsWith('BAD_REQUEST', () => parseInput(schema, { ids: Array(101).fill('a').join(',') }, 'query'), /at most 100 ids, received 101/);
  });

  it('accepts a repeated parameter as well as a comma-separated one', () => {
    assert.deepStrictEqual(parseInput(schema, { ids: ['a,b', 'c'] }, 'query').ids, ['a', 'b', 'c']);
  });

  it('truncates long received values rather than echoing them whole', () => {
    assert.throws(() => parseInput(schema, { ids: 'a', n: 'x'.repeat(5000) }, 'body'), (e: Error) => e.message.length < 200);
  });
});

describe('product listing cursor', () => {
  it('round-trips the last id of a page', () => {
    assert.equal(decodeCursor(encodeCursor('prod-00020')), 'prod-00020');
  });

  for (const [label, cursor] of [
    ['not base64url', 'not a cursor!'],
    ['base64url of non-JSON', Buffer.from('hello').toString('base64url')],
    ['JSON without an id', Buffer.from('{"offset":3}').toString('base64url')],
    ['an id of the wrong form', Buffer.from('{"after":"user-0001"}').toString('base64url')],
    ['non-canonical base64url', `${encodeCursor('prod-00020')}=`],
    ['empty', ''],
  ] as const) {
    it(`rejects a cursor that is ${label} with 400`, () => {
      rejectsWith('BAD_REQUEST', () => decodeCursor(cursor), /query\.cursor/);
    });
  }

  it('pages through a filtered listing without gaps or repeats, with a stable totalCount', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = listProducts(dataset.products, { categoryId: 'cat-03', q: 'LAMP', limit: 7, cursor });
      assert.ok(page.items.every((p) => p.categoryId === 'cat-03' && /lamp/i.test(p.name)));
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
      assert.equal(page.totalCount, listProducts(dataset.products, { categoryId: 'cat-03', q: 'lamp' }).totalCount);
    } while (cursor);
    const expected = dataset.products.filter((p) => p.categoryId === 'cat-03' && /lamp/i.test(p.name)).map((p) => p.id);
    assert.ok(expected.length > 7, 'the example search spans several pages');
    assert.deepStrictEqual(seen, expected);
    assert.equal(pages, Math.ceil(expected.length / 7));
  });

  it('returns 20 items by default and nextCursor null on the last page', () => {
    assert.equal(listProducts(dataset.products, {}).items.length, 20);
    const all = listProducts(dataset.products, { q: 'zzz-no-such-product' });
    assert.deepStrictEqual(all, { items: [], nextCursor: null, totalCount: 0 });
  });
});

describe('tier pricing', () => {
  const base = { productId: 'prod-00001', sku: 'SKU-00001', currency: 'USD' as const };

  it('takes 0 / 2 / 5 / 10% off the list price, rounded to the cent', () => {
    const price = { ...base, listPriceCents: 1999, salePriceCents: null };
    assert.equal(tierPriceCents(price, 'BRONZE'), 1999);
    assert.equal(tierPriceCents(price, 'SILVER'), 1959); // 1959.02
    assert.equal(tierPriceCents(price, 'GOLD'), 1899); // 1899.05
    assert.equal(tierPriceCents(price, 'PLATINUM'), 1799); // 1799.1
  });

  it('discounts the sale price when there is one', () => {
    assert.equal(tierPriceCents({ ...base, listPriceCents: 5000, salePriceCents: 4000 }, 'PLATINUM'), 3600);
  });
});

describe('promotion activity', () => {
  const promotion = { id: 'promo-1', productId: 'prod-00001', label: 'x', discountPercent: 10, startsAt: '2026-11-01T00:00:00.000Z', endsAt: '2026-11-23T00:00:00.000Z' };

  it('is active from startsAt inclusive to endsAt exclusive', () => {
    assert.equal(isActive(promotion, '2026-10-31T23:59:59.999Z'), false);
    assert.equal(isActive(promotion, '2026-11-01T00:00:00.000Z'), true);
    assert.equal(isActive(promotion, '2026-11-22T23:59:59.999Z'), true);
    assert.equal(isActive(promotion, '2026-11-23T00:00:00.000Z'), false);
  });
});

describe('cart store', () => {
  it('starts from a private copy of the seeded carts and never changes the dataset', () => {
    const store = new CartStore(dataset, clock);
    const before = structuredClone(dataset.carts[0]);
    store.setQuantity('user-0001', dataset.carts[0]!.items[0]!.productId, 42);
    assert.deepStrictEqual(dataset.carts[0], before);
    assert.equal(new CartStore(dataset, clock).get('user-0001')!.items[0]!.quantity, before!.items[0]!.quantity);
  });

  it('returns copies, so a caller cannot change the stored cart', () => {
    const store = new CartStore(dataset, clock);
    store.get('user-0001')!.items.length = 0;
    assert.equal(store.get('user-0001')!.items.length, 20);
  });

  it('creates a cart on the first add and stamps the line and the cart with the clock', () => {
    const userWithoutCart = dataset.users.find((u) => !dataset.carts.some((c) => c.userId === u.id))!.id;
    const store = new CartStore(dataset, clock);
    assert.equal(store.get(userWithoutCart), undefined);
    const cart = store.addItem(userWithoutCart, 'prod-00001', 2);
    assert.deepStrictEqual(cart, {
      id: `cart-${userWithoutCart}`,
      userId: userWithoutCart,
      items: [{ productId: 'prod-00001', quantity: 2, addedAt: '2026-11-22T12:00:00.000Z' }],
      updatedAt: '2026-11-22T12:00:00.000Z',
    });
  });

  it('adds to an existing line and caps it at 99', () => {
    const store = new CartStore(dataset, clock);
    store.addItem('user-0002', 'prod-00001', 60);
    const cart = store.addItem('user-0002', 'prod-00001', 60);
    assert.equal(cart.items.filter((i) => i.productId === 'prod-00001').length, 1);
    assert.equal(cart.items.find((i) => i.productId === 'prod-00001')!.quantity, 99);
  });

  it('refuses unknown users and products with NOT_FOUND', () => {
    const store = new CartStore(dataset, clock);
    rejectsWith('NOT_FOUND', () => store.addItem('user-9999', 'prod-00001', 1), /user user-9999/);
    rejectsWith('NOT_FOUND', () => store.addItem('user-0001', 'prod-99999', 1), /product prod-99999/);
  });

  it('refuses a 101st distinct product with CONFLICT', () => {
    const store = new CartStore(dataset, clock);
    const inCart = new Set(store.get('user-0001')!.items.map((i) => i.productId));
    const extra = dataset.products.map((p) => p.id).filter((id) => !inCart.has(id)).slice(0, 81);
    for (const id of extra.slice(0, 80)) store.addItem('user-0001', id, 1);
    assert.equal(store.get('user-0001')!.items.length, 100);
    rejectsWith('CONFLICT', () => store.addItem('user-0001', extra[80]!, 1), /maximum of 100/);
  });

  it('updates and removes only lines that are in the cart, keeping an emptied cart', () => {
    const store = new CartStore(dataset, clock);
    const cart = store.addItem('user-0003', 'prod-00001', 1);
    rejectsWith('NOT_FOUND', () => store.setQuantity('user-0003', 'prod-99998', 3), /not in the cart/);
    assert.equal(store.setQuantity('user-0003', 'prod-00001', 3).items.at(-1)!.quantity, 3);
    for (const item of cart.items) store.removeItem('user-0003', item.productId);
    assert.deepStrictEqual(store.get('user-0003')!.items, []);
    rejectsWith('NOT_FOUND', () => store.removeItem('user-0003', 'prod-00001'));
  });
});
