import { LOYALTY_TIERS, type Address, type LoyaltyTier, type User } from './types.ts';
import { isoAt, padded, userId, type Random } from './random.ts';
import type { Vocabulary } from './vocabulary.ts';

export const USER_COUNT = 1_000;

// Fixed bounds, not the clock: a user's createdAt must not change from one day to the next.
const CREATED_FROM_MS = Date.UTC(2019, 0, 1);
const CREATED_TO_MS = Date.UTC(2025, 11, 31);

const TIER_WEIGHTS: Record<LoyaltyTier, number> = { BRONZE: 50, SILVER: 30, GOLD: 15, PLATINUM: 5 };
const TIERS = LOYALTY_TIERS.map((value) => ({ value, weight: TIER_WEIGHTS[value] }));
const ADDRESS_LABELS = ['Home', 'Work', 'Other'] as const;

export function generateUsers(random: Random, words: Vocabulary): User[] {
  const users: User[] = [];
  for (let n = 1; n <= USER_COUNT; n++) {
    const firstName = random.pick(words.firstNames);
    const lastName = random.pick(words.lastNames);
    users.push({
      id: userId(n),
      name: `${firstName} ${lastName}`,
      // example.com: generated addresses must never reach a real mailbox.
      email: `${emailPart(firstName)}.${emailPart(lastName)}.${n}@example.com`,
      loyaltyTier: random.weighted(TIERS),
      addresses: generateAddresses(random, words, n),
      createdAt: isoAt(random.int(CREATED_FROM_MS, CREATED_TO_MS)),
    });
  }
  return users;
}

function generateAddresses(random: Random, words: Vocabulary, userNumber: number): Address[] {
  const count = random.int(1, ADDRESS_LABELS.length);
  return ADDRESS_LABELS.slice(0, count).map((label, i) => ({
    id: `${padded('addr-', userNumber, 4)}-${i + 1}`,
    label,
    line1: `${random.int(1, 9999)} ${random.pick(words.lastNames)} ${random.pick(words.streetSuffixes)}`,
    line2: random.chance(0.3) ? `Apt. ${random.int(1, 999)}` : null,
    city: `${random.pick(words.lastNames)}${random.pick(words.citySuffixes)}`,
    postalCode: padded('', random.int(1001, 99950), 5),
    country: 'US',
  }));
}

function emailPart(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}
