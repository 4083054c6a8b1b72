/**
 * The Node flags a `peershare daemon` process starts with, to keep a node's memory flat
 * while it moves files. The launcher (peershare.js) starts the daemon with them; the
 * bench starts its peershare nodes with the same ones. Plain JavaScript without
 * dependencies, like the launcher. Figures: README, "Single source".
 *
 * `--max-semi-space-size`: V8 sizes its young generation from the machine's memory (two
 * semi-spaces of 32, then 64 MiB on a machine with 24 GB) and a transfer, which makes
 * short-lived objects at a high rate, fills them between scavenges: 65-130 MB of
 * resident heap that holds little live data. Small semi-spaces are scavenged more often
 * (a scavenge copies only what is live, so it costs no more per byte moved) and free the
 * network buffers they hold sooner. A user's own `--max-semi-space-size` in NODE_OPTIONS
 * wins.
 */

/** Semi-space size of V8's young generation, MiB */
export const SEMI_SPACE_MB = 2

/** Node flags for a daemon started with environment `env` */
export function daemonNodeFlags (env = process.env) {
  return /--max-semi-space-size/.test(env.NODE_OPTIONS ?? '') ? [] : [`--max-semi-space-size=${SEMI_SPACE_MB}`]
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
