/** The shared connector contract suite (describeConnector) against the HubSpot sandbox over real HTTP. */
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
