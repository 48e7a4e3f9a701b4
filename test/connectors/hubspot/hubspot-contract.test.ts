/**
 * The shared connector contract suite (describeConnector) against the HubSpot sandbox over real HTTP.
 *
 * The suite's effect faults assume the non-idempotent call they hit completes the effect. A HubSpot blog post is
 * complete only once pushed live (an idempotent call after the create), so the suite runs on a connection that
 * leaves posts as drafts (`publishImmediately: false`), where the create is the whole effect. The two-step path (a
 * draft left by an interrupted publish is not the effect; the retry finishes it) is covered by
 * hubspot-connector.test.ts and test/integration/deliveries-chaos.test.ts.
 */
import { describeConnector } from '../describe-connector.js';
import { createHubSpotConnector } from '../../../src/server/connectors/hubspot/index.js';
import { startHubSpotSandbox } from '../../../src/server/connectors/hubspot/sandbox/index.js';
import { blogContent, PNG_BYTES } from '../hubspot/hubspot-content.fixture.js';

const rateLimit = { requests: 20, windowMs: 1000 };
describeConnector({
  connector: createHubSpotConnector({ rateLimit }),
  async startSandbox() {
    const sb = await startHubSpotSandbox({ rateLimit });
    return {
      baseUrl: sb.url,
      credentials: { accessToken: sb.privateAppToken },
      config: { publishImmediately: false },
      badCredentials: { accessToken: 'pat-na1-00000000-0000-0000-0000-000000000000' },
      faults: sb.faults,
      count: (op, f) => sb.log.count(op, f),
      violations: () => sb.violations(),
      close: () => sb.close(),
    };
  },
  samples: {
    content: () => blogContent({ assets: [], body: 'Hello **world**' }),
    asset: () => ({ ref: 'x.png', fileName: `x-${Math.random()}.png`, altText: 'x', bytes: PNG_BYTES }),
    listContacts: { input: { limit: 25 }, minContacts: 100 },
    operations: { read: 'account.details', create: 'cms.posts.create' },
    timeoutMs: 500,
  },
});
