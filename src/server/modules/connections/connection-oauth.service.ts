/**
 * OAuth2 authorization code with PKCE (RFC 6749 + RFC 7636) for `oauth2_pkce` connectors.
 *
 * `startOAuth` creates a random `state` (stored as sha256: it travels in URLs and logs) and a PKCE verifier (stored
 * sealed), and returns the vendor's authorize URL carrying the S256 challenge. `completeOAuth` (the callback) takes
 * the state once — unknown, used or expired states are refused — exchanges the code with the verifier at the
 * vendor's token endpoint, and stores the tokens sealed; the connection becomes active again.
 *
 * For sandbox connections the vendor's OAuth URLs are rebased onto the connection's base URL, where the emulator
 * serves them (a sandbox never talks to the real vendor).
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { authorize, systemActor, type Actor } from '../../platform/auth/index.js';
import { inTransaction } from '../../platform/db/index.js';
import { NotFoundError } from '../../platform/errors/index.js';
import {
  buildAuthorizeUrl,
  computeCodeChallenge,
  createOAuthState,
  createPkcePair,
  exchangeAuthorizationCode,
  isConnectorError,
  resolveOAuthUrl,
  type ConnectorManifest,
  type OAuthTokens,
} from '../../connectors/index.js';
import type { ConnectionsContext } from './connections.context.js';
import {
  OAuthExchangeFailedError,
  OAuthNotSupportedError,
  OAuthStateInvalidError,
} from './connections.errors.js';
import {
  findConnection,
  findConnectionById,
  findSecrets,
  saveTokens,
  type Connection,
} from './connections.repo.js';
import { lookupConnector, openConnection } from './connections.service.js';
import { sealToken } from './connection-runtime.js';

/** How long a started authorization may take. */
const STATE_TTL_MS = 10 * 60_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest();

export function callbackUrl(ctx: ConnectionsContext): string {
  return `${ctx.publicUrl}/api/v1/oauth/callback`;
}

/** The vendor URL, rebased onto the connection's host when it overrides the vendor's (sandboxes: every host). */
function oauthUrl(
  manifest: Pick<ConnectorManifest, 'defaultBaseUrl'>,
  connection: Pick<Connection, 'sandbox' | 'baseUrl'>,
  url: string,
): string {
  return resolveOAuthUrl(manifest, connection.baseUrl, url, connection.sandbox);
}

export async function startOAuth(
  ctx: ConnectionsContext,
  actor: Actor,
  connectionId: string,
): Promise<{ authorizeUrl: string; expiresAt: Date }> {
  authorize(actor, 'connections.manage', { workspaceId: actor.workspaceId });
  const connection = await findConnection(ctx.db, actor.workspaceId, connectionId);
  if (!connection) throw new NotFoundError('Connection', connectionId);
  const connector = lookupConnector(ctx, connection.vendor);
  const oauth = connector.manifest.oauth;
  if (!oauth) throw new OAuthNotSupportedError(connection.vendor);
  const credentials = await readCredentials(ctx, connection.id);
  const verifier = createPkcePair().codeVerifier;
  const state = createOAuthState();
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + STATE_TTL_MS);
  await sql`
    INSERT INTO connection_oauth_states (state_hash, workspace_id, connection_id, verifier_cipher, redirect_uri,
      created_by, created_at, expires_at)
    VALUES (${sha256(state).toString('hex')}, ${actor.workspaceId}, ${connection.id},
      ${ctx.secrets.encrypt(verifier)}, ${callbackUrl(ctx)}, ${actor.userId}, ${now}, ${expiresAt})`.execute(
    ctx.db,
  );
  const authorizeUrl = buildAuthorizeUrl(connector.manifest, {
    clientId: String(credentials.clientId ?? ''),
    redirectUri: callbackUrl(ctx),
    state,
    codeChallenge: computeCodeChallenge(verifier),
    authorizeUrl: oauthUrl(connector.manifest, connection, oauth.authorizeUrl),
  });
  return { authorizeUrl, expiresAt };
}

export interface OAuthCallbackInput {
  state?: string | undefined;
  code?: string | undefined;
  error?: string | undefined;
  error_description?: string | undefined;
}

/** The callback: validates and consumes the state, exchanges the code, stores the tokens sealed. */
export async function completeOAuth(
  ctx: ConnectionsContext,
  input: OAuthCallbackInput,
): Promise<{ connection: Connection }> {
  if (!input.state) throw new OAuthStateInvalidError('The callback has no state parameter');
  const stateHash = sha256(input.state).toString('hex');
  const now = ctx.clock.now();
  // Consume first: a replayed or concurrent callback with the same state finds it used.
  const taken = await sql<{
    connection_id: string;
    verifier_cipher: string;
    redirect_uri: string;
    expires_at: Date;
  }>`
    UPDATE connection_oauth_states SET used_at = ${now}
    WHERE state_hash = ${stateHash} AND used_at IS NULL
    RETURNING connection_id, verifier_cipher, redirect_uri, expires_at`.execute(ctx.db);
  const row = taken.rows[0];
  if (!row)
    throw new OAuthStateInvalidError('Unknown or already used OAuth state; start the authorization again');
  if (new Date(row.expires_at).getTime() < now.getTime()) {
    throw new OAuthStateInvalidError('The OAuth authorization took too long; start it again');
  }
  if (input.error) {
    throw new OAuthStateInvalidError(
      `The vendor refused the authorization: ${input.error}${input.error_description ? ` (${input.error_description})` : ''}`,
    );
  }
  if (!input.code) throw new OAuthStateInvalidError('The callback has no code parameter');
  const connection = await findConnectionById(ctx.db, row.connection_id);
  if (!connection) throw new NotFoundError('Connection', row.connection_id);
  const connector = lookupConnector(ctx, connection.vendor);
  const oauth = connector.manifest.oauth;
  if (!oauth) throw new OAuthNotSupportedError(connection.vendor);
  const credentials = await readCredentials(ctx, connection.id);
  // Through the connection's HTTP layer: timeouts, size limits and secret redaction apply to the exchange too.
  const handle = await openConnection(ctx, connection);
  let token: OAuthTokens;
  try {
    token = await exchangeAuthorizationCode({
      http: handle.http,
      tokenUrl: oauthUrl(connector.manifest, connection, oauth.tokenUrl),
      clientId: String(credentials.clientId ?? ''),
      ...(typeof credentials.clientSecret === 'string' ? { clientSecret: credentials.clientSecret } : {}),
      code: input.code,
      redirectUri: row.redirect_uri,
      codeVerifier: ctx.secrets.decrypt(row.verifier_cipher),
      nowMs: () => ctx.clock.nowMs(),
    });
  } catch (e) {
    if (isConnectorError(e)) {
      const refused = e.kind === 'invalid_request' || e.kind === 'auth_expired' || e.kind === 'not_found';
      throw new OAuthExchangeFailedError(
        refused
          ? `The vendor refused the code exchange; start the authorization again: ${e.message}`
          : `The vendor's token endpoint could not be used; start the authorization again later: ${e.message}`,
        e.toJSON(),
        refused ? 400 : 502,
      );
    }
    throw e;
  }
  const actor = systemActor(connection.workspaceId, 'api');
  await inTransaction(ctx.db, async (tx) => {
    await saveTokens(tx, connection.id, sealToken(ctx.secrets, token), token.expiresAt, ctx.clock.now(), {
      reactivate: true,
    });
    await ctx.events.append(tx, {
      workspaceId: connection.workspaceId,
      type: 'connection.resumed',
      subject: `connection:${connection.id}`,
      actor,
      payload: {
        connectionId: connection.id,
        vendor: connection.vendor,
        from: connection.status,
        via: 'oauth',
      },
    });
    await ctx.audit.record(tx, actor, {
      action: 'connections.oauth.authorize',
      subject: `connection:${connection.id}`,
      after: { tokenExpiresAt: token.expiresAt?.toISOString() ?? null },
    });
  });
  ctx.runtimes.invalidate(connection.id);
  const updated = await findConnectionById(ctx.db, connection.id);
  return { connection: updated ?? connection };
}

async function readCredentials(ctx: ConnectionsContext, id: string): Promise<Record<string, unknown>> {
  const s = await findSecrets(ctx.db, id);
  return s?.credentialsCipher
    ? (JSON.parse(ctx.secrets.decrypt(s.credentialsCipher)) as Record<string, unknown>)
    : {};
}
