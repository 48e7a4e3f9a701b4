/**
 * The HubSpot sandbox (`startHubSpotSandbox`): used by the connector's contract tests, the ledger's chaos tests and
 * demo mode (`switchboard sandbox start hubspot`).
 */
export { startHubSpotSandbox, DEFAULT_HUBSPOT_SEED } from './hubspot-sandbox.js';
export type { HubSpotSandbox, HubSpotSandboxOptions } from './hubspot-sandbox.js';
export type { HubSpotSeed, SeedList } from './hubspot-store.js';
