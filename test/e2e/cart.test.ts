import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { operation } from '../support/operations.ts';
import { startSystem, tokenFor, type System } from '../support/system.ts';

let system: System;
let token: string;
before(async () => {
  system = await startSystem();
  token = await tokenFor('user-0500');
});
after(() => system?.stop());

const CART = 'query { me { cart { itemCount items { quantity product { id name } } } } }';
const UPDATE = 'mutation ($p: ID!, $q: Int!) { updateCartItemQuantity(productId: $p, quantity: $q) { items { quantity product { id } } } }';
const REMOVE = 'mutation ($p: ID!) { removeFromCart(productId: $p) { items { product { id } } } }';

type CartData = { me: { cart: { itemCount: number; items: { quantity: number; product: { id: string; name: string } }[] } } };
const quantityOf = (data: CartData, productId: string) => data.me.cart.items.find((i) => i.product.id === productId)?.quantity;

describe('cart mutations', () => {
  it('adds an item to the signed-in user cart, and the change persists', async () => {
    const added = await system.graphql({ query: operation('web', 'AddToCart'), variables: { productId: 'prod-00123', quantity: 2 } }, { token });
    assert.equal(added.body.errors, undefined, JSON.stringify(added.body.errors));
    const read = await system.graphql({ query: CART }, { token });
    assert.equal(quantityOf(read.body.data as CartData, 'prod-00123'), 2);
    assert.ok((read.body.data as CartData).me.cart.items.find((i) => i.product.id === 'prod-00123')!.product.name.length > 0);
  });

  it('adding the same product again raises its quantity', async () => {
    await system.graphql({ query: operation('web', 'AddToCart'), variables: { productId: 'prod-00123', quantity: 3 } }, { token });
    assert.equal(quantityOf((await system.graphql({ query: CART }, { token })).body.data as CartData, 'prod-00123'), 5);
  });

  it('updates the quantity of an item', async () => {
    const updated = await system.graphql({ query: UPDATE, variables: { p: 'prod-00123', q: 7 } }, { token });
    assert.equal(updated.body.errors, undefined, JSON.stringify(updated.body.errors));
    assert.equal(quantityOf((await system.graphql({ query: CART }, { token })).body.data as CartData, 'prod-00123'), 7);
  });

  it('removes an item', async () => {
    await system.graphql({ query: REMOVE, variables: { p: 'prod-00123' } }, { token });
    assert.equal(quantityOf((await system.graphql({ query: CART }, { token })).body.data as CartData, 'prod-00123'), undefined);
  });

  it('answers NOT_FOUND when updating or removing an item that is not in the cart', async () => {
    for (const request of [{ query: UPDATE, variables: { p: 'prod-00124', q: 1 } }, { query: REMOVE, variables: { p: 'prod-00124' } }]) {
      const response = await system.graphql(request, { token });
      assert.equal(response.body.errors?.[0]?.extensions?.['code'], 'NOT_FOUND');
      assert.equal(response.body.errors?.[0]?.extensions?.['service'], 'cart');
    }
  });

  const badInputs: [string, Record<string, unknown>][] = [
    ['quantity 0', { productId: 'prod-00123', quantity: 0 }],
    ['a negative quantity', { productId: 'prod-00123', quantity: -5 }],
    ['a quantity over 99', { productId: 'prod-00123', quantity: 1000 }],
    ['a malformed product id', { productId: '../../admin', quantity: 1 }],
  ];
  for (const [name, variables] of badInputs) {
    it(`refuses ${name} with BAD_USER_INPUT before calling the cart service`, async () => {
      system.resetCalls();
      const response = await system.graphql({ query: operation('web', 'AddToCart'), variables }, { token });
      assert.equal(response.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
      assert.equal(system.rest.cart.calls.length, 0);
    });
  }

  it('requires a signed-in user for every cart mutation', async () => {
    for (const request of [{ query: operation('web', 'AddToCart'), variables: { productId: 'prod-00001' } }, { query: UPDATE, variables: { p: 'prod-00001', q: 1 } }, { query: REMOVE, variables: { p: 'prod-00001' } }]) {
      const response = await system.graphql(request);
      assert.equal(response.body.errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED');
    }
  });

  it("acts only on the token's user: another user's cart is untouched", async () => {
    const other = await tokenFor('user-0501');
    const before = (await system.graphql({ query: CART }, { token: other })).body.data as CartData;
    await system.graphql({ query: operation('web', 'AddToCart'), variables: { productId: 'prod-00777', quantity: 1 } }, { token });
    const afterwards = (await system.graphql({ query: CART }, { token: other })).body.data as CartData;
    assert.deepEqual(afterwards, before);
  });

  it('sends a mutation to the cart service exactly once', async () => {
    system.resetCalls();
    await system.graphql({ query: operation('web', 'AddToCart'), variables: { productId: 'prod-00778', quantity: 1 } }, { token });
    assert.deepEqual(system.rest.cart.calls.map((c) => `${c.method} ${c.route}`), ['POST /carts/:userId/items']);
  });
});

describe('cart totals from pricing', () => {
  it('computes totals at current prices and the owner loyalty tier', async () => {
    const response = await system.graphql({ query: operation('web', 'CartSummary') }, { token: await tokenFor('user-0001') });
    assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
    const cart = (response.body.data as { me: { cart: { totals: { subtotal: { amountCents: number }; discount: { amountCents: number }; total: { amountCents: number } } } } }).me.cart;
    const { subtotal, discount, total } = cart.totals;
    assert.ok(subtotal.amountCents > 0);
    assert.ok(discount.amountCents >= 0);
    assert.equal(total.amountCents, subtotal.amountCents - discount.amountCents);
  });
});
