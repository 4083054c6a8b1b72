import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface StorageOffer {
  version: number
  peerId: Uint8Array<ArrayBuffer>
  seq: bigint
  quota: bigint
  free: bigint
  acceptsFrom: number
  acceptsEncrypted: boolean
  maxConcurrent: number
  load: number
}

export namespace StorageOffer {
  let _codec: Codec<StorageOffer>

  export const codec = (): Codec<StorageOffer> => {
    if (_codec == null) {
      _codec = message<StorageOffer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.peerId)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(24)
          w.uint64(obj.seq)
        }

        if ((obj.quota != null && obj.quota !== 0n)) {
          w.uint32(32)
          w.uint64(obj.quota)
        }

        if ((obj.free != null && obj.free !== 0n)) {
          w.uint32(40)
          w.uint64(obj.free)
        }

        if ((obj.acceptsFrom != null && obj.acceptsFrom !== 0)) {
          w.uint32(48)
          w.uint32(obj.acceptsFrom)
        }

        if ((obj.acceptsEncrypted != null && obj.acceptsEncrypted !== false)) {
          w.uint32(56)
          w.bool(obj.acceptsEncrypted)
        }

        if ((obj.maxConcurrent != null && obj.maxConcurrent !== 0)) {
          w.uint32(64)
          w.uint32(obj.maxConcurrent)
        }

        if ((obj.load != null && obj.load !== 0)) {
          w.uint32(72)
          w.uint32(obj.load)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          peerId: uint8ArrayAlloc(0),
          seq: 0n,
          quota: 0n,
          free: 0n,
          acceptsFrom: 0,
          acceptsEncrypted: false,
          maxConcurrent: 0,
          load: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.peerId = reader.bytes()
              break
            }
            case 3: {
              obj.seq = reader.uint64()
              break
            }
            case 4: {
              obj.quota = reader.uint64()
              break
            }
            case 5: {
              obj.free = reader.uint64()
              break
            }
            case 6: {
              obj.acceptsFrom = reader.uint32()
              break
            }
            case 7: {
              obj.acceptsEncrypted = reader.bool()
              break
            }
            case 8: {
              obj.maxConcurrent = reader.uint32()
              break
            }
            case 9: {
              obj.load = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.quota`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.free`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.acceptsFrom`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.acceptsEncrypted`,
                value: reader.bool()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.maxConcurrent`,
                value: reader.uint32()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.load`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface StorageOfferVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface StorageOfferPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StorageOfferSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface StorageOfferQuotaFieldEvent {
    field: '$.quota'
    value: bigint
  }

  export interface StorageOfferFreeFieldEvent {
    field: '$.free'
    value: bigint
  }

  export interface StorageOfferAcceptsFromFieldEvent {
    field: '$.acceptsFrom'
    value: number
  }

  export interface StorageOfferAcceptsEncryptedFieldEvent {
    field: '$.acceptsEncrypted'
    value: boolean
  }

  export interface StorageOfferMaxConcurrentFieldEvent {
    field: '$.maxConcurrent'
    value: number
  }

  export interface StorageOfferLoadFieldEvent {
    field: '$.load'
    value: number
  }

  export function encode (obj: Partial<StorageOffer>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StorageOffer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StorageOffer>): StorageOffer {
    return decodeMessage(buf, StorageOffer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StorageOffer>): Generator<StorageOfferVersionFieldEvent | StorageOfferPeerIdFieldEvent | StorageOfferSeqFieldEvent | StorageOfferQuotaFieldEvent | StorageOfferFreeFieldEvent | StorageOfferAcceptsFromFieldEvent | StorageOfferAcceptsEncryptedFieldEvent | StorageOfferMaxConcurrentFieldEvent | StorageOfferLoadFieldEvent> {
    return streamMessage(buf, StorageOffer.codec(), opts)
  }
}

export interface ReplicateRequest {
  fileId: Uint8Array<ArrayBuffer>
  size: bigint
  min: number
  max: number
  encrypted: boolean
  owner?: Uint8Array<ArrayBuffer>
}

export namespace ReplicateRequest {
  let _codec: Codec<ReplicateRequest>

  export const codec = (): Codec<ReplicateRequest> => {
    if (_codec == null) {
      _codec = message<ReplicateRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.fileId != null && obj.fileId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.fileId)
        }

        if ((obj.size != null && obj.size !== 0n)) {
          w.uint32(16)
          w.uint64(obj.size)
        }

        if ((obj.min != null && obj.min !== 0)) {
          w.uint32(24)
          w.uint32(obj.min)
        }

        if ((obj.max != null && obj.max !== 0)) {
          w.uint32(32)
          w.uint32(obj.max)
        }

        if ((obj.encrypted != null && obj.encrypted !== false)) {
          w.uint32(40)
          w.bool(obj.encrypted)
        }

        if (obj.owner != null) {
          w.uint32(50)
          w.bytes(obj.owner)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          fileId: uint8ArrayAlloc(0),
          size: 0n,
          min: 0,
          max: 0,
          encrypted: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.fileId = reader.bytes()
              break
            }
            case 2: {
              obj.size = reader.uint64()
              break
            }
            case 3: {
              obj.min = reader.uint32()
              break
            }
            case 4: {
              obj.max = reader.uint32()
              break
            }
            case 5: {
              obj.encrypted = reader.bool()
              break
            }
            case 6: {
              obj.owner = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.fileId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.min`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.max`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.encrypted`,
                value: reader.bool()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.owner`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ReplicateRequestFileIdFieldEvent {
    field: '$.fileId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReplicateRequestSizeFieldEvent {
    field: '$.size'
    value: bigint
  }

  export interface ReplicateRequestMinFieldEvent {
    field: '$.min'
    value: number
  }

  export interface ReplicateRequestMaxFieldEvent {
    field: '$.max'
    value: number
  }

  export interface ReplicateRequestEncryptedFieldEvent {
    field: '$.encrypted'
    value: boolean
  }

  export interface ReplicateRequestOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ReplicateRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReplicateRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicateRequest>): ReplicateRequest {
    return decodeMessage(buf, ReplicateRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicateRequest>): Generator<ReplicateRequestFileIdFieldEvent | ReplicateRequestSizeFieldEvent | ReplicateRequestMinFieldEvent | ReplicateRequestMaxFieldEvent | ReplicateRequestEncryptedFieldEvent | ReplicateRequestOwnerFieldEvent> {
    return streamMessage(buf, ReplicateRequest.codec(), opts)
  }
}

export enum ReplicateAnswer {
  BAD_REQUEST = 'BAD_REQUEST',
  ACCEPT = 'ACCEPT',
  QUOTA_EXCEEDED = 'QUOTA_EXCEEDED',
  FORBIDDEN = 'FORBIDDEN',
  BUSY = 'BUSY'
}

enum __ReplicateAnswerValues {
  BAD_REQUEST = 0,
  ACCEPT = 1,
  QUOTA_EXCEEDED = 2,
  FORBIDDEN = 3,
  BUSY = 4
}

export namespace ReplicateAnswer {
  export const codec = (): Codec<ReplicateAnswer> => {
    return enumeration<ReplicateAnswer>(__ReplicateAnswerValues)
  }
}

export interface ReplicateResponse {
  answer: ReplicateAnswer
}

export namespace ReplicateResponse {
  let _codec: Codec<ReplicateResponse>

  export const codec = (): Codec<ReplicateResponse> => {
    if (_codec == null) {
      _codec = message<ReplicateResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.answer != null && __ReplicateAnswerValues[obj.answer] !== 0) {
          w.uint32(8)
          ReplicateAnswer.codec().encode(obj.answer, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          answer: ReplicateAnswer.BAD_REQUEST
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.answer = ReplicateAnswer.codec().decode(reader)
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.answer`,
                value: ReplicateAnswer.codec().decode(reader)
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ReplicateResponseAnswerFieldEvent {
    field: '$.answer'
    value: ReplicateAnswer
  }

  export function encode (obj: Partial<ReplicateResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReplicateResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicateResponse>): ReplicateResponse {
    return decodeMessage(buf, ReplicateResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicateResponse>): Generator<ReplicateResponseAnswerFieldEvent> {
    return streamMessage(buf, ReplicateResponse.codec(), opts)
  }
}
