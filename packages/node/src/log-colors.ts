/**
 * libp2p makes a logger for every connection and stream it opens, and the `debug` port
 * beneath it (weald) asks for each one whether stderr is a terminal, a system call,
 * unless DEBUG_COLORS answers: 117 of 3,251 ms of a dht bench worker's CPU (5 nodes
 * getting and providing). Answered once here, as those calls would: this module is the
 * package entry's first import, evaluated before anything loads weald (which reads the
 * variable when it loads). A user's own DEBUG_COLORS wins.
 */
import { isatty } from 'node:tty'

process.env.DEBUG_COLORS ??= isatty(process.stderr.fd) ? 'true' : 'false'
