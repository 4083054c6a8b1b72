/**
 * The encrypted side of a download (doc/SECURITY.md). Chunks travel and are verified
 * as ciphertext like any file's; what differs is before and after:
 * - before the first chunk, the file key (held, or obtained from the sources by the
 *   keys service) must open the sealed metadata, whose name names the output;
 * - the ciphertext is decrypted chunk by chunk (each chunk's tag checks before any of
 *   its bytes is written: decrypt-pass.ts) into a temporary file beside the output, as
 *   the chunks arrive (decrypt-ahead.ts) or, when that could not run, after the last;
 *   the plaintext SHA-256 is checked against the sealed one, and only then is the file
 *   put in place. A run killed meanwhile decrypts again on restart; nothing partial
 *   ever sits at the output.
 */
import { link, rm, stat } from 'node:fs/promises'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { Bitfield, ENCRYPTION_TAG_LENGTH, type Manifest, type SealedMetadata } from '@peershare/protocol'
import { equals } from 'uint8arrays/equals'
import { type FileKeys, fileCipher, neutralMetadata, openMetadata, sealedFacts } from '../encryption/index.js'
import { DecryptionError, NoFileKeyError, fsError } from '../errors.js'
import type { FetchSession } from '../exchange/fetch-session.js'
import { fileSha256 } from '../fs-read.js'
import type { FileRecord } from '../store/file-record.js'
import { destinationPath, placeFile } from './destination.js'
import type { DecryptAhead } from './decrypt-ahead.js'
import { type UnlockedFile, decryptFile, decryptTempPath } from './decrypt-pass.js'
import { DownloadContent } from './download-content.js'
import { PartialFile, siblingPath } from './partial-file.js'
import type { TransferRecord, TransferStore } from './transfer-store.js'

/** What a download needs to read encrypted files */
export interface DownloadKeys {
  fileKeys: Pick<FileKeys, 'get' | 'opening'>
  /**
   * Asks for the key of `fileId` where this node holds none: the keys service fetches a
   * grant from `sources` (the peers serving the file) and keeps the key in `fileKeys`.
   * Resolves when it has done what it can; the key, if any, is then in `fileKeys`.
   */
  obtainKey(fileId: string, sources: PeerId[], signal: AbortSignal): Promise<void>
}

export type { UnlockedFile } from './decrypt-pass.js'

/**
 * The key and sealed metadata of an encrypted download, asking `obtainKey` when no key
 * is held. Throws NoFileKeyError when there is still none, DecryptionError when the key
 * does not open the metadata or the metadata does not fit the manifest.
 */
export async function unlock (keys: DownloadKeys, fileId: string, manifest: Manifest, sources: PeerId[], signal: AbortSignal): Promise<UnlockedFile> {
  if (manifest.encryption == null) throw new DecryptionError(`${fileId} is not encrypted`)
  // a granted key that does not open the verified manifest gives way to a real grant
  let held = await keys.fileKeys.opening(fileId, manifest.encryption)
  if (held != null) return opened(held.key, fileId, manifest)
  let asked = ''
  // a failure to ask is no key either (the user hears why), unless the download was stopped
  await keys.obtainKey(fileId, sources, signal).catch((err: Error) => {
    if (signal.aborted) throw err
    asked = ` (asking its sources failed: ${err.message})`
  })
  held = await keys.fileKeys.get(fileId)
  if (held == null) {
    throw new NoFileKeyError(`${fileId} is encrypted and this node has no key for it${asked}: its sharer can grant it one (\`peershare grant ${fileId} <this node's peer id>\`), then \`peershare resume ${fileId}\`; \`get --hold\` keeps and serves the ciphertext without a key`)
  }
  return opened(held.key, fileId, manifest)
}

/** The key's view of the file, or undefined without a key (never asks anyone): for listings of held ciphertext */
export async function unlockIfHeld (keys: Pick<DownloadKeys, 'fileKeys'>, fileId: string, manifest: Manifest): Promise<UnlockedFile | undefined> {
  const held = manifest.encryption == null ? undefined : await keys.fileKeys.get(fileId)
  return held == null ? undefined : opened(held.key, fileId, manifest)
}

function opened (key: Uint8Array, fileId: string, manifest: Manifest): UnlockedFile {
  if (manifest.encryption == null) throw new DecryptionError(`${fileId} is not encrypted`)
  const cipher = fileCipher(key, manifest.encryption.salt)
  const sealed = openMetadata(cipher, manifest.encryption)
  // a sharer's own lie, caught before a single chunk is fetched
  const expected = manifest.size - manifest.chunkHashes.length * ENCRYPTION_TAG_LENGTH
  if (sealed.size !== expected) throw new DecryptionError(`The sealed size of ${fileId} (${sealed.size} bytes) is not its ciphertext's less the tags (${expected})`)
  return { cipher, sealed }
}

/**
 * Decrypts the complete, verified ciphertext at `cipherPath` and puts the plaintext at
 * `output` (replacing a file there only with `force`). Throws DecryptionError for a
 * chunk whose tag fails or a plaintext whose SHA-256 is not the sealed one; the
 * temporary file is removed and nothing is placed. With `ahead` (the pass that ran while
 * the chunks arrived), its plaintext is put in place once it has ended well.
 */
export async function decryptDownload (cipherPath: string, manifest: Manifest, file: UnlockedFile, output: string, force: boolean, ahead?: DecryptAhead): Promise<void> {
  const tmp = decryptTempPath(output, manifest)
  try {
    // a run killed after placing the file: it is there, whole
    if (!force && await holdsPlaintext(output, file.sealed)) return
    if (ahead?.tmp !== tmp || !(await ahead.finish())) {
      // the ahead pass has ended (or never ran for this output): the temporary file is this pass's
      await ahead?.stop()
      await decryptFile(cipherPath, manifest, file, tmp)
    }
    await placeFile(tmp, output, force)
  } finally {
    await ahead?.stop()
    await rm(tmp, { force: true })
  }
}

/** True when `path` is a file of the sealed size and SHA-256 */
async function holdsPlaintext (path: string, sealed: SealedMetadata): Promise<boolean> {
  const info = await stat(path).catch(() => undefined)
  if (info == null || !info.isFile() || info.size !== sealed.size) return false
  return equals(await fileSha256(path), sealed.sha256)
}

/** Where a download's bytes go (`output`), what it serves them under, and where its plaintext goes */
export type DownloadTarget = Required<Pick<TransferRecord, 'output' | 'metadata'>> & Pick<TransferRecord, 'decrypt'>

/**
 * Where a download's bytes go once its manifest is known (`offer`, from the sources
 * `from`), and the metadata it serves under. A plain file: the output (the offered name), or the blob for a download into
 * the repo. An encrypted one: always the blob (the ciphertext, served as is), named by
 * its id to peers; when it is to be read (not `--hold`, not a repair), unlocked first
 * (NoFileKeyError before any chunk is fetched) and, unless streamed, its plaintext's
 * output named by the sealed name.
 */
export async function downloadTarget (keys: DownloadKeys, record: TransferRecord, offer: Pick<FetchSession, 'manifest' | 'metadata'>, from: PeerId[], blobPath: () => string, signal: AbortSignal): Promise<DownloadTarget> {
  const destination = record.destination ?? {}
  if (offer.manifest.encryption == null) {
    const output = destination.repo === true ? blobPath() : await destinationPath(destination, offer.metadata)
    return { output, metadata: offer.metadata }
  }
  const metadata = neutralMetadata(record.fileId)
  // held (`--hold`) or repaired: ciphertext only, no key needed
  if (destination.repo === true && record.inOrder !== true) return { output: blobPath(), metadata }
  const sources = [...from, ...peersOf(record.sources)]
  const { sealed } = await unlock(keys, record.fileId, offer.manifest, sources, signal)
  // read as it arrives (`get -o -`): decrypted chunk by chunk on the way out (content-stream.ts)
  if (destination.repo === true) return { output: blobPath(), metadata }
  const output = await destinationPath(destination, { ...metadata, name: sealed.name })
  return { output: blobPath(), metadata, decrypt: { output, name: sealed.name } }
}

/**
 * The sealed facts of a complete encrypted download whose ciphertext is at
 * `cipherPath`: decrypted to its output first when one was asked for (by `ahead`, if it
 * ran, as the chunks arrived); without one, read when the key is held (undefined when not)
 */
export async function finishEncrypted (keys: DownloadKeys, record: TransferRecord, manifest: Manifest, cipherPath: string, signal: AbortSignal, ahead?: DecryptAhead): Promise<FileRecord['encrypted']> {
  if (record.decrypt == null) {
    const held = await unlockIfHeld(keys, record.fileId, manifest).catch(() => undefined)
    return held == null ? undefined : sealedFacts(held.sealed)
  }
  // the key opened the manifest when the download began; asked for again only if it went since
  const file = await unlock(keys, record.fileId, manifest, peersOf(record.sources), signal)
  await decryptDownload(cipherPath, manifest, file, record.decrypt.output, record.destination?.force === true, ahead)
  return { ...sealedFacts(file.sealed), path: record.decrypt.output }
}

/** Peer ids of remembered sources (multiaddrs with /p2p/, or bare ids); others skipped */
function peersOf (targets: string[]): PeerId[] {
  const peers: PeerId[] = []
  for (const target of targets) {
    try {
      const id = target.startsWith('/') ? multiaddr(target).getComponents().findLast(c => c.name === 'p2p')?.value : target
      if (id != null) peers.push(peerIdFromString(id))
    } catch {}
  }
  return peers
}

/** A complete ciphertext this node holds in its repo: a file held with `--hold`, or its own encrypted share */
export interface HeldCiphertext {
  manifest: Manifest
  manifestBytes: Uint8Array
  /** its blob */
  path: string
}

/**
 * A download to read an encrypted file whose ciphertext this node holds already, with
 * its key: the download starts complete from that copy (hard-linked as its partial
 * file, every chunk hashed again), so it only decrypts and fetches nothing. Undefined
 * when that does not apply (a download into the repo, no key): the download then
 * fetches as usual. On success the record has its target and is saved.
 */
export async function startFromHeldCopy (keys: DownloadKeys, transfers: Pick<TransferStore, 'save' | 'saveVerified'>, record: TransferRecord, held: HeldCiphertext): Promise<DownloadContent | undefined> {
  if (record.destination?.repo === true || await unlockIfHeld(keys, record.fileId, held.manifest) == null) return undefined
  const { manifest, manifestBytes } = held
  const target = await downloadTarget(keys, record, { manifest, metadata: neutralMetadata(record.fileId) }, [], () => held.path, AbortSignal.timeout(60_000))
  const partialPath = siblingPath(held.path, '.peershare-partial')
  await link(held.path, partialPath).catch((err: any) => { throw fsError(err, partialPath) })
  try {
    const partial = await PartialFile.reopen(partialPath, manifest)
    // a chunk damaged on disk is cleared here and fetched like any missing one
    const durable = Bitfield.full(manifest.chunkHashes.length)
    await partial.recheck(durable)
    Object.assign(record, { ...target, partialPath })
    await transfers.save(record, manifestBytes)
    await transfers.saveVerified(record.fileId, durable.toBytes())
    return new DownloadContent(manifest, manifestBytes, durable, partial, record.inOrder)
  } catch (err) {
    await rm(partialPath, { force: true })
    throw err
  }
}
