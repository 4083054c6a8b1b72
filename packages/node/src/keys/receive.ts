/**
 * Accepting a grant someone pushed or a node answered with: it must verify (signed by
 * its sender), be addressed to this node, and, for a file key, unwrap with this
 * node's key and open the sealed metadata it carries. Only then is the key kept (in
 * FileKeys, the first key of a file stays) and the grant put in the inbox. Never throws.
 */
import type { PrivateKey } from '@libp2p/interface'
import { GRANT_KEY_WRAPPED, type FileKeyGrant, type Manifest, grantName, parseFileId } from '@peershare/protocol'
import { equals } from 'uint8arrays/equals'
import { type FileKeys, fileCipher, openMetadata, unwrapFileKey } from '../encryption/index.js'
import type { Inbox, ReceivedGrant } from './inbox.js'
import { openGrant } from './signed-grant.js'

export interface ReceiveComponents {
  /** this node's peer id, as text */
  self: string
  privateKey: PrivateKey
  fileKeys: Pick<FileKeys, 'put' | 'opening'>
  inbox: Pick<Inbox, 'put'>
  /** the manifest of a stored file, when this node has it */
  manifestOf(fileId: string): Promise<Manifest | undefined>
  now(): number
}

export type Received =
  | { result: 'accepted', received: ReceivedGrant }
  | { result: 'refused', reason: string }

/** Checks and keeps one signed grant; `fileId` set: only a grant of that file is accepted (a fetch answer) */
export async function receiveGrant (c: ReceiveComponents, envelope: Uint8Array, fileId?: string): Promise<Received> {
  const opened = await openGrant(envelope)
  if (opened.result !== 'accept') return { result: 'refused', reason: opened.reason }
  const { grant } = opened.signed
  if (grant.recipient !== c.self) return { result: 'refused', reason: 'the grant is for another peer' }
  if (fileId != null && grant.fileId !== fileId) return { result: 'refused', reason: 'the grant is of another file' }
  const manifest = await c.manifestOf(grant.fileId)
  if (manifest != null && !matchesManifest(grant, manifest)) return { result: 'refused', reason: 'the grant does not match the file\'s manifest' }
  let shown: Pick<ReceivedGrant, 'name' | 'mimeType' | 'plaintextSize'>
  let key: Uint8Array | undefined
  try {
    ({ shown, key } = await openContent(grant, c.privateKey))
  } catch (err: any) {
    return { result: 'refused', reason: String(err?.message ?? err).slice(0, 200) }
  }
  const received: ReceivedGrant = { grant, envelope, received: c.now(), ...shown }
  if (!(await c.inbox.put(received))) return { result: 'refused', reason: 'the inbox holds as many grants of this sender as it takes' }
  if (key != null) await keepKey(c, grant, key, manifest != null, received.received)
  return { result: 'accepted', received }
}

/** A grant of a stored file carries that file's own encryption fields and size */
function matchesManifest (grant: FileKeyGrant, manifest: Manifest): boolean {
  const enc = grant.inbox.encryption
  if (grant.keyType !== GRANT_KEY_WRAPPED) return manifest.encryption == null && grant.inbox.size === manifest.size
  return enc != null && manifest.encryption != null && grant.inbox.size === manifest.size &&
    equals(enc.salt, manifest.encryption.salt) && equals(enc.sealedMetadata, manifest.encryption.sealedMetadata)
}

/**
 * Keeps the key (the first key of a file stays), except that a key checked against the
 * file's manifest replaces a held one that does not open it (FileKeys.opening)
 */
async function keepKey (c: ReceiveComponents, grant: FileKeyGrant, key: Uint8Array, checked: boolean, added: number): Promise<void> {
  if (checked && grant.inbox.encryption != null) await c.fileKeys.opening(grant.fileId, grant.inbox.encryption)
  await c.fileKeys.put(grant.fileId, { key, from: grant.sender, added })
}

/** The file key and what the inbox shows; throws DecryptionError when the key or the metadata does not open */
async function openContent (grant: FileKeyGrant, privateKey: PrivateKey): Promise<{ shown: Pick<ReceivedGrant, 'name' | 'mimeType' | 'plaintextSize'>, key?: Uint8Array }> {
  if (grant.keyType !== GRANT_KEY_WRAPPED || grant.inbox.encryption == null) {
    return { shown: { name: grantName(grant), mimeType: '', plaintextSize: grant.inbox.size } }
  }
  const key = await unwrapFileKey(grant.wrappedKey, parseFileId(grant.fileId).bytes, privateKey)
  const metadata = openMetadata(fileCipher(key, grant.inbox.encryption.salt), grant.inbox.encryption)
  return { shown: { name: metadata.name, mimeType: metadata.mimeType, plaintextSize: metadata.size }, key }
}
