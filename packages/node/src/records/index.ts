/**
 * Defensive decoding of what the node persists. Every record read back from the
 * datastore (downloads, files, collections, collection downloads, and libp2p's peer
 * records) is checked for shape and ranges before use; one that fails is set aside
 * under `/peershare/quarantine/...` with the reason and skipped, so one bad record
 * never stops the node from starting.
 */
export { jsonObject } from './check.js'
export { checkCollectionDownload, checkCollectionRecord, checkContactRecord, checkFileRecord, checkTransferRecord, MAX_DOWNLOAD_COPIES, MAX_REMEMBERED_SOURCES } from './schemas.js'
export { Quarantine, QUARANTINE_PREFIX, type QuarantinedRecord } from './quarantine.js'
export { checkPeerRecords, keepPeerRecordsWhole } from './peer-records.js'
