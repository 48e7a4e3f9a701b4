/**
 * Runs the contract suite against the "notes" test vendor, which proves the suite itself: a connector that follows
 * the contract passes every check, over real HTTP against a sandbox built on the shared sandbox kit.
 */
import { describeConnector } from '../describe-connector.js';
import { NOTES_CREDENTIALS, notesConnector, startNotesSandbox } from './notes-vendor.fixture.js';

describeConnector({
  connector: notesConnector,
  async startSandbox() {
    const sb = await startNotesSandbox();
    return {
      baseUrl: sb.url,
      credentials: NOTES_CREDENTIALS,
      badCredentials: { ...NOTES_CREDENTIALS, clientSecret: 'wrong' },
      faults: sb.faults,
      count: (operation, filter) => sb.log.count(operation, filter),
      violations: () => sb.violations(),
      close: () => sb.close(),
    };
  },
  samples: {
    content: () => ({
      contentId: 'c1',
      versionId: 'v1',
      version: 1,
      type: 'blog_post',
      title: 'Hello',
      slug: 'hello',
      body: '# Hello',
      bodyFormat: 'markdown',
      fields: {},
      tags: [],
      locale: 'en',
      assets: [],
    }),
    listContacts: { input: { limit: 5 }, minContacts: 23 },
    operations: { read: 'me.get', create: 'notes.create', token: 'token' },
    timeoutMs: 400,
  },
});
