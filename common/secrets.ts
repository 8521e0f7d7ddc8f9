import { z } from 'zod';

/**
 * Development-only secrets, so `npm start` works on a fresh machine. Config
 * refuses them when NODE_ENV=production.
 */
export const DEV_IDENTITY_SECRET = 'storefront-dev-identity-secret-not-for-production';
export const DEV_JWT_SECRET = 'storefront-dev-jwt-secret-not-for-production-use';
export const DEV_JWT_ISSUER = 'https://auth.storefront.local/';
export const DEV_JWT_AUDIENCE = 'storefront';

/** HS256 needs at least 256 bits of key; shorter secrets are brute-forceable. */
export const secretSchema = z.string().min(32, 'expected a secret of at least 32 characters');
