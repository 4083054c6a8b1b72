/**
 * The Node flags a `peershare daemon` process starts with, to keep a node's memory flat
 * and its garbage collector's work low while it moves files. The launcher (peershare.js)
 * starts the daemon with them; the bench starts its peershare nodes with the same ones.
 * Plain JavaScript without dependencies, like the launcher. Figures: doc/BENCHMARKS.md, "Single
 * source".
 *
 * `--max-semi-space-size`: V8 sizes its young generation from the machine's memory (two
 * semi-spaces of 32, then 64 MiB on a machine with 24 GB) and a transfer, which makes
 * short-lived objects at a high rate, fills them between scavenges: 65-130 MB of
 * resident heap that holds little live data. Small semi-spaces are scavenged more often
 * (a scavenge copies only what is live, so it costs no more per byte moved) and free the
 * network buffers (TLS records) that died since the last one sooner. Too small, and
 * buffers still waiting live through two scavenges: they move to the old generation and
 * their memory is freed only by a full collection, seconds later. 2 MiB, since chunk
 * messages are copied out of those buffers as they arrive (exchange/framed-stream.ts):
 * paired with 4 MiB on the same build (2026-12-08, bench `single`), a receiver's peak RSS
 * was 190 / 195 / 207-212 MB at 256 MiB / 1 GiB / 4 GiB against 206-208 / 208-214 /
 * 227-229, its rate and CPU the same within the runs' spread (one 1 GiB run of 2 MiB
 * peaked at 252 MB). 1 MiB: 227-258 MB. Before that copy, 2 MiB was worse than 4 (the
 * records waiting in a stream's queue were promoted: 85 MB of array buffers at a
 * moment), and 4 MiB against 1 (2026-12-05) had 19-26% less CPU. A user's own
 * `--max-semi-space-size` in NODE_OPTIONS wins.
 *
 * `--incremental-marking-soft-trigger=50`: V8 starts marking the old generation for a full
 * collection once half the room between its size after the last one and its limit is used.
 * Left to itself, V8 started it after 2-4 MB of a 36 MB heap's 10-16 MB of room while a
 * transfer ran: a receiver of 1 GiB ran 24-70 full collections, its GC helper threads
 * took 3.6-4.9 CPU s, and each found 1.5-2.5 MB of garbage (the chunks in flight are the
 * live heap). With the flag: 18-19 collections, 1.8-2.3 CPU s; the pauses are longer
 * (median 23-64 ms against 16-18, longest 63-78 against 40-50) and fewer (their sum about
 * half). Node 20 knows the flag too (a test starts the machine's Node with it). Figures:
 * doc/BENCHMARKS.md, "Build of 2026-12-04 morning".
 */

/** Semi-space size of V8's young generation, MiB */
export const SEMI_SPACE_MB = 2

/** When V8 starts marking for a full collection (above) */
export const MARKING_FLAG = '--incremental-marking-soft-trigger=50'

/** Node flags for a daemon started with environment `env` */
export function daemonNodeFlags (env = process.env) {
  const semiSpace = /--max-semi-space-size/.test(env.NODE_OPTIONS ?? '') ? [] : [`--max-semi-space-size=${SEMI_SPACE_MB}`]
  return [...semiSpace, MARKING_FLAG]
}

/**
 * The command `args` name (the first argument that is not an option or the value of a
 * global option), e.g. 'daemon' in `--repo r --json daemon --no-mdns`
 */
export function commandOf (args) {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    // --repo is the one global option that takes a value (src/program.ts)
    if (arg === '--repo') {
      i++
      continue
    }
    if (!arg.startsWith('-')) return arg
  }
  return undefined
}
