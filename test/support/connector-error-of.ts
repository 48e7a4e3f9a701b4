/** The ConnectorError a call rejects with; any other outcome fails the test. */
import { isConnectorError, type ConnectorError } from '../../src/server/connectors/index.js';

export async function connectorErrorOf(p: Promise<unknown>): Promise<ConnectorError> {
  try {
    await p;
  } catch (e) {
    if (isConnectorError(e)) return e;
    throw e;
  }
  throw new Error('expected a ConnectorError, the call succeeded');
}
