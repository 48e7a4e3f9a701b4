/**
 * crypto: credentials at rest (DESIGN §7).
 *
 * Terminology:
 * - `SecretBox`: AES-256-GCM sealing with a key id in every ciphertext (`v1:<keyId>:<iv>:<tag>:<ct>`).
 * - secret key: 32 bytes from SWITCHBOARD_SECRET_KEY, or generated into `<dataDir>/secret.key` (embedded only).
 * - encrypted column: a table column holding ciphertexts; all of them are registered so rotation can visit them.
 */
export { SecretBox, SecretBoxError, isSecretBoxError, deriveKeyId, generateSecretKey } from './secret-box.js';
export {
  loadSecretBox,
  keyFilePath,
  readKeyFile,
  SecretKeyMissingError,
  KEY_FILE_NAME,
  type LoadedSecretKey,
  type SecretKeySource,
} from './secret-key.js';
export {
  rotateSecretKey,
  EncryptedColumnRegistry,
  KERNEL_ENCRYPTED_COLUMNS,
  type EncryptedColumn,
  type RotateSecretKeyOptions,
  type RotateSecretKeyResult,
} from './key-rotation.js';
