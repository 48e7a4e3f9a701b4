/** The shared connector contract suite (describeConnector) against the spec-validated Marketo sandbox over real HTTP. */
import { describeConnector } from '../describe-connector.js';
import { createMarketoConnector } from '../../../src/server/connectors/marketo/index.js';
import { startMarketoSandbox } from '../../../src/server/connectors/marketo/sandbox/index.js';

const rateLimit = { requests: 20, windowMs: 1000 };
const PNG = Uint8Array.from(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  ),
);
let n = 0;
describeConnector({
  connector: createMarketoConnector({ rateLimit }),
  async startSandbox() {
    const sb = await startMarketoSandbox({ rateLimit });
    return {
      baseUrl: sb.url,
      credentials: sb.credentials,
      badCredentials: { ...sb.credentials, clientSecret: 'wrong' },
      config: {
        programFolderId: 33,
        fileFolderId: 40,
        emailTemplateId: 1,
        channelMap: { email: 'Email Blast' },
        defaultChannel: 'Content',
        fromEmail: 'news@example.com',
      },
      faults: sb.faults,
      count: (op, f) => sb.log.count(op, f),
      violations: () => sb.violations(),
      close: () => sb.close(),
    };
  },
  samples: {
    content: () => {
      n += 1;
      return {
        contentId: `9a1b2c3d-0000-4000-8000-00000000000${n % 10}`,
        versionId: `v${n}`,
        version: 1,
        type: 'email',
        title: `Spring ${n}`,
        slug: `spring-${n}`,
        body: 'Hi',
        bodyFormat: 'markdown',
        fields: { subject: 'S' },
        tags: ['email'],
        locale: 'en',
        assets: [],
      };
    },
    asset: () => ({ ref: 'x.png', fileName: `x-${Math.random()}.png`, altText: 'x', bytes: PNG }),
    listContacts: { input: { listId: '1001', limit: 200 }, minContacts: 300 },
    operations: { read: 'asset.channels.list', create: 'asset.email.approve', token: 'identity.token' },
    timeoutMs: 500,
  },
});
