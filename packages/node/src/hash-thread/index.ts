/**
 * SHA-256 on a worker thread, so the thread that moves bytes (the event loop running
 * libp2p, noise, yamux and the exchange) does not also hash every byte of a file:
 *  - `fileHash(path)`: the running whole-file hash of a file being written in order
 *    (a download's verified prefix). The thread reads the bytes back from the file
 *    (pages the cache still holds) as the caller says how far the prefix reaches.
 *  - `verifyChunk(job, offset, pieces, sha256)`: a chunk that arrived, checked against
 *    its hash on the thread; when it continues a whole-file hash it feeds that hash too,
 *    so a download that arrives in order hashes each byte twice in memory and reads
 *    nothing back. The chunk goes over as one buffer, copied once, and comes back.
 *  - `messageBuffer(length)`: a reused buffer for an incoming chunk message (FramedStream's
 *    `assemble`, given to a node's download sessions as `chunkMessages`); a chunk in one
 *    is verified as one piece and its buffer taken back.
 *  - `readVerified(path, offset, length, sha256)`: a chunk read and checked against its
 *    hash on the thread; the bytes come back as a list of 256 KiB pieces, copied once
 *    out of a read buffer the thread keeps (worker.ts says why: fresh memory is dear).
 * One thread per process, started on first use and unref'd: it never keeps the
 * process alive. Node only (node:worker_threads); a browser hashes on its own thread.
 */
export { chunkMessages, FileHashJob, HashThread, hashThread } from './hash-thread.js'
export type { ReadVerifiedResult } from './messages.js'
