/**
 * contracts: the zod schemas and types shared by the server, the web app and the CLI.
 *
 * Terminology:
 * - contract: the shape of a request or response body at the HTTP boundary, independent of how it is stored.
 * Everything here is pure (no Node APIs), so the browser bundle can import it.
 */
export * from './errors.contract.js';
export * from './identity.contract.js';
export * from './content.contract.js';
export * from './connections.contract.js';
export * from './deliveries.contract.js';
export * from './webhooks.contract.js';
