/**
 * `GET|POST /identity/oauth/token?grant_type=client_credentials&client_id=…&client_secret=…`: issues a Bearer token
 * valid for `ttlMs` (Marketo: 3600 s). Identity calls do not count against the REST limits. Bad credentials get the
 * HTTP 401 Marketo's identity service answers with.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../../platform/clock.js';
import type { MarketoStore } from './marketo-store.js';

export interface SandboxClient {
  clientId: string;
  clientSecret: string;
}

export function registerIdentityRoutes(
  app: FastifyInstance,
  deps: { store: MarketoStore; clock: Clock; clients: SandboxClient[]; ttlMs: number },
): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const q = request.query as Record<string, string | undefined>;
    if (q['grant_type'] !== 'client_credentials') {
      return reply
        .code(400)
        .send({ error: 'unsupported_grant_type', error_description: 'Unsupported grant type' });
    }
    const client = deps.clients.find(
      (c) => c.clientId === q['client_id'] && c.clientSecret === q['client_secret'],
    );
    if (!client)
      return reply.code(401).send({ error: 'invalid_client', error_description: 'Bad client credentials' });
    const token = deps.store.issueToken(client.clientId, deps.ttlMs, deps.clock.nowMs());
    return reply.code(200).send({
      access_token: token,
      token_type: 'bearer',
      expires_in: Math.floor(deps.ttlMs / 1000),
      scope: 'apiuser@switchboard.sandbox',
    });
  };
  app.get('/identity/oauth/token', { config: { operation: 'identity.token' } }, handler);
  app.post('/identity/oauth/token', { config: { operation: 'identity.token' } }, handler);
}
