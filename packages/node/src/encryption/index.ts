/**
 * End-to-end encryption of shared files (doc/SECURITY.md): the per-file content
 * cipher (file-cipher.ts) and the per-recipient key wrapping (key-wrap.ts). Nothing
 * here is hand-rolled cryptography: AES-GCM and HKDF come from node:crypto, the key
 * wrapping is HPKE from @hpke/core, the Ed25519 → X25519 conversion from @noble/curves.
 */
export { FILE_KEY_LENGTH, type FileCipher, decryptChunk, encryptChunk, fileCipher, newFileKey, newSalt, openMetadata, sealMetadata } from './file-cipher.js'
export { WRAPPED_KEY_LENGTH, unwrapFileKey, wrapFileKey } from './key-wrap.js'
export { FileKeys, type HeldFileKey } from './file-keys.js'
export { parseRecipients } from './recipients.js'
export { type EncryptedShareComponents, type EncryptedShareOptions, encryptedRecord, neutralMetadata, sealedFacts, shareEncryptedFile } from './share-encrypted.js'
