/**
 * The sandbox kit: what every vendor sandbox (a stateful emulator of the vendor's HTTP API on 127.0.0.1) shares.
 *
 * Terminology:
 * - sandbox: one running emulator (`startHubSpotSandbox`, `startMarketoSandbox`), built on `startSandboxServer`;
 * - operation: the vendor call a route emulates (`cms.posts.create`), the unit faults and counters refer to;
 * - fault: an injected failure (`rate_limit`, `server_error`, `hang`, `malformed_json`, `expire_tokens`,
 *   `lose_response`), optionally limited to N occurrences and to an operation or route;
 * - violation: a request that arrived beyond the vendor's documented rate or concurrency limit. Well-behaved clients
 *   cause none; contract tests assert zero.
 */
export * from './fault-controller.js';
export * from './request-log.js';
export * from './rate-window.js';
export * from './sandbox-server.js';
export * from './sandbox-control.js';
