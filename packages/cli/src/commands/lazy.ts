/**
 * Every command, loaded when it runs: a command's module (and what it imports, such as
 * @peershare/protocol or multiaddr) costs start-up time only for that command, so
 * `peershare id` starts in a few tens of milliseconds. The signatures are the commands' own.
 */
import type * as Completion from './completion.js'
import type * as Daemon from './daemon.js'
import type * as Get from './get.js'
import type * as Id from './id.js'
import type * as Limits from './limits.js'
import type * as Ls from './ls.js'
import type * as Peers from './peers.js'
import type * as Providers from './providers.js'
import type * as Rm from './rm.js'
import type * as Share from './share.js'
import type * as Replicate from './replicate.js'
import type * as Status from './status.js'
import type * as Stop from './stop.js'
import type * as SwarmConnect from './swarm-connect.js'
import type * as Ticket from './ticket.js'
import type * as Transfers from './transfers.js'
import type * as Verify from './verify.js'
import type * as Search from './search.js'
import type * as Browse from './browse.js'
import type * as Show from './show.js'
import type * as Grant from './grant.js'
import type * as Inbox from './inbox.js'
import type * as Contacts from './contacts.js'
import type * as Visibility from './visibility.js'
import type * as WebUi from './webui.js'

export const completion: typeof Completion.completion = async (...args) => (await import('./completion.js')).completion(...args)
export const daemon: typeof Daemon.daemon = async (...args) => (await import('./daemon.js')).daemon(...args)
export const get: typeof Get.get = async (...args) => (await import('./get.js')).get(...args)
export const id: typeof Id.id = async (...args) => (await import('./id.js')).id(...args)
export const limits: typeof Limits.limits = async (...args) => (await import('./limits.js')).limits(...args)
export const ls: typeof Ls.ls = async (...args) => (await import('./ls.js')).ls(...args)
export const peers: typeof Peers.peers = async (...args) => (await import('./peers.js')).peers(...args)
export const providers: typeof Providers.providers = async (...args) => (await import('./providers.js')).providers(...args)
export const rm: typeof Rm.rm = async (...args) => (await import('./rm.js')).rm(...args)
export const share: typeof Share.share = async (...args) => (await import('./share.js')).share(...args)
export const replicate: typeof Replicate.replicate = async (...args) => (await import('./replicate.js')).replicate(...args)
export const status: typeof Status.status = async (...args) => (await import('./status.js')).status(...args)
export const stop: typeof Stop.stop = async (...args) => (await import('./stop.js')).stop(...args)
export const swarmConnect: typeof SwarmConnect.swarmConnect = async (...args) => (await import('./swarm-connect.js')).swarmConnect(...args)
export const ticket: typeof Ticket.ticket = async (...args) => (await import('./ticket.js')).ticket(...args)
export const transfers: typeof Transfers.transfers = async (...args) => (await import('./transfers.js')).transfers(...args)
export const verify: typeof Verify.verify = async (...args) => (await import('./verify.js')).verify(...args)
export const search: typeof Search.search = async (...args) => (await import('./search.js')).search(...args)
export const browse: typeof Browse.browse = async (...args) => (await import('./browse.js')).browse(...args)
export const show: typeof Show.show = async (...args) => (await import('./show.js')).show(...args)
export const grant: typeof Grant.grant = async (...args) => (await import('./grant.js')).grant(...args)
export const revoke: typeof Grant.revoke = async (...args) => (await import('./grant.js')).revoke(...args)
export const inbox: typeof Inbox.inbox = async (...args) => (await import('./inbox.js')).inbox(...args)
export const contacts: typeof Contacts.contacts = async (...args) => (await import('./contacts.js')).contacts(...args)
export const visibility: typeof Visibility.visibility = async (...args) => (await import('./visibility.js')).visibility(...args)
export const control: typeof Transfers.control = async (...args) => (await import('./transfers.js')).control(...args)
export const webui: typeof WebUi.webui = async (...args) => (await import('./webui.js')).webui(...args)
