/**
 * Status: what `peershare status` says, for this node: identity and addresses (and, while
 * connected to nobody, why: each bootstrap peer's last failure), how others
 * reach it (state and why, public, mapped and relay addresses, AutoNAT's last result),
 * the relay it serves for others, both DHTs' routing tables, the replication quota.
 *
 * Refreshed by asking GET /v1/status every REFRESH_MS while the page is visible: the
 * daemon pushes no event for it (its figures, routing tables and relay circuits among
 * them, move without one), and one small JSON answer every few seconds costs little.
 */
import { type DhtStatus, type NodeStatus, REACHABILITY_WORDS, type ReachabilityStatus, type ReplicationStatus, autonatSummary, isolationSummary, reachabilityPolicySummary, relayServerSummary } from '@peershare/client'
import { api } from '../api.js'
import { ErrorLine, Section, useLoad, useRefreshWhileVisible } from '../components.js'
import { formatBytes, formatIsoDate } from '../format.js'

/** How often the visible page asks for the status again (ms) */
export const REFRESH_MS = 5000

export function StatusPage () {
  const status = useLoad(async () => api<NodeStatus>('GET', '/v1/status'), [])
  useRefreshWhileVisible(status.reload, REFRESH_MS)
  const s = status.value
  return (
    <div class="status-page">
      <ErrorLine error={status.error} />
      {s == null ? null : <StatusSections status={s} />}
    </div>
  )
}

function StatusSections ({ status: s }: { status: NodeStatus }) {
  return (
    <div>
      <Section title="This node">
        <dl>
          <dt>Peer id</dt><dd><code class="peer-id">{s.peerId}</code></dd>
          <dt>Addresses</dt><dd><AddressList addresses={s.addresses} /></dd>
          <dt>Connections</dt><dd data-field="connections">{s.connections}</dd>
          {s.isolated == null ? null : <><dt>No peer</dt><dd data-field="isolated">{isolationSummary(s.isolated)}</dd></>}
          <dt>Files</dt><dd>{s.files} ({formatBytes(s.storageBytes)})</dd>
        </dl>
      </Section>
      {s.reachability == null
        ? <Section title="Reachability"><p>This daemon does not report its reachability.</p></Section>
        : <ReachabilitySections reachability={s.reachability} />}
      <Section title="DHT">
        <table class="dht">
          <thead><tr><th>DHT</th><th>Mode</th><th>Routing table</th><th>Protocol</th></tr></thead>
          <tbody>
            <DhtRow name="LAN" dht={s.dht.lan} />
            <DhtRow name="Public" dht={s.dht.public} />
          </tbody>
        </table>
      </Section>
      <Section title="Replication">
        <ReplicationLine replication={s.replication} />
      </Section>
    </div>
  )
}

function ReachabilitySections ({ reachability: r }: { reachability: ReachabilityStatus }) {
  return (
    <div>
      <Section title="Reachability">
        <p class={`reachability ${r.reachability}`} data-reachability={r.reachability}>{REACHABILITY_WORDS[r.reachability]}</p>
        <p class="why">{r.reason}</p>
        <dl>
          <dt>Public addresses</dt><dd><AddressList addresses={r.publicAddresses} /></dd>
          <dt>Mapped addresses</dt><dd><AddressList addresses={r.mappedAddresses} /></dd>
          <dt>Relay addresses</dt><dd><AddressList addresses={r.relayAddresses} /></dd>
          <dt>Unverified</dt><dd><AddressList addresses={r.unverifiedAddresses} /></dd>
          <dt>Last AutoNAT result</dt><dd class="autonat-last"><LastAutonatResult autonat={r.autonat} /></dd>
          <dt>AutoNAT</dt><dd>{autonatSummary(r.autonat)}</dd>
          <dt>UPnP, relay, verdict</dt><dd>{reachabilityPolicySummary(r)}</dd>
        </dl>
      </Section>
      <Section title="Relay server">
        <p class="relay-server">{relayServerSummary(r.relayServer)}</p>
      </Section>
    </div>
  )
}

/** The newer of AutoNAT's last confirmation and its last failure, with when */
function LastAutonatResult ({ autonat }: { autonat: ReachabilityStatus['autonat'] }) {
  const { lastConfirmed, lastFailure } = autonat
  const failedLast = lastFailure != null && (lastConfirmed == null || Date.parse(lastFailure.at) >= Date.parse(lastConfirmed.at))
  if (failedLast) return <span data-result="failed">failed: reached none of {lastFailure.addresses} address(es), <When iso={lastFailure.at} /></span>
  if (lastConfirmed != null) return <span data-result="confirmed">confirmed <code>{lastConfirmed.address}</code>, <When iso={lastConfirmed.at} /></span>
  return <span data-result="none">none yet</span>
}

function When ({ iso }: { iso: string }) {
  return <time dateTime={iso} title={iso}>{formatIsoDate(iso)}</time>
}

function AddressList ({ addresses }: { addresses: string[] }) {
  if (addresses.length === 0) return <span class="none">none</span>
  return <div>{addresses.map(a => <div key={a}><code>{a}</code></div>)}</div>
}

function DhtRow ({ name, dht }: { name: string, dht: DhtStatus }) {
  return <tr data-dht={name.toLowerCase()}><td>{name}</td><td>{dht.mode}</td><td class="routing-table">{dht.routingTableSize} peer(s)</td><td><code>{dht.protocol}</code></td></tr>
}

function ReplicationLine ({ replication: r }: { replication?: ReplicationStatus }) {
  if (r == null) return <p>This daemon does not report replication.</p>
  const offers = `${r.offersKnown} storage offer(s) of other peers known`
  if (r.quotaBytes === 0) return <p>No storage offered to other peers (<code>--replication-quota</code>); {offers}.</p>
  return <p>{r.replicas} replica(s) held, {formatBytes(r.usedBytes)} used of {formatBytes(r.quotaBytes)} offered; {offers}.</p>
}
