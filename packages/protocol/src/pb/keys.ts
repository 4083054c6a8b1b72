import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface FileKeyGrant {
  version: number
  fileId: Uint8Array<ArrayBuffer>
  sender: Uint8Array<ArrayBuffer>
  recipient: Uint8Array<ArrayBuffer>
  keyType: number
  wrappedKey: Uint8Array<ArrayBuffer>
  seq: bigint
  time: bigint
  scheme: number
  salt: Uint8Array<ArrayBuffer>
  sealedMetadata: Uint8Array<ArrayBuffer>
  name: string
  size: bigint
}

export namespace FileKeyGrant {
  let _codec: Codec<FileKeyGrant>

  export const codec = (): Codec<FileKeyGrant> => {
    if (_codec == null) {
      _codec = message<FileKeyGrant>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.fileId != null && obj.fileId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.fileId)
        }

        if ((obj.sender != null && obj.sender.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.sender)
        }

        if ((obj.recipient != null && obj.recipient.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.recipient)
        }

        if ((obj.keyType != null && obj.keyType !== 0)) {
          w.uint32(40)
          w.uint32(obj.keyType)
        }

        if ((obj.wrappedKey != null && obj.wrappedKey.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.wrappedKey)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(56)
          w.uint64(obj.seq)
        }

        if ((obj.time != null && obj.time !== 0n)) {
          w.uint32(64)
          w.uint64(obj.time)
        }

        if ((obj.scheme != null && obj.scheme !== 0)) {
          w.uint32(72)
          w.uint32(obj.scheme)
        }

        if ((obj.salt != null && obj.salt.byteLength > 0)) {
          w.uint32(82)
          w.bytes(obj.salt)
        }

        if ((obj.sealedMetadata != null && obj.sealedMetadata.byteLength > 0)) {
          w.uint32(90)
          w.bytes(obj.sealedMetadata)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(98)
          w.string(obj.name)
        }

        if ((obj.size != null && obj.size !== 0n)) {
          w.uint32(104)
          w.uint64(obj.size)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          fileId: uint8ArrayAlloc(0),
          sender: uint8ArrayAlloc(0),
          recipient: uint8ArrayAlloc(0),
          keyType: 0,
          wrappedKey: uint8ArrayAlloc(0),
          seq: 0n,
          time: 0n,
          scheme: 0,
          salt: uint8ArrayAlloc(0),
          sealedMetadata: uint8ArrayAlloc(0),
          name: '',
          size: 0n
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
              obj.fileId = reader.bytes()
              break
            }
            case 3: {
              obj.sender = reader.bytes()
              break
            }
            case 4: {
              obj.recipient = reader.bytes()
              break
            }
            case 5: {
              obj.keyType = reader.uint32()
              break
            }
            case 6: {
              obj.wrappedKey = reader.bytes()
              break
            }
            case 7: {
              obj.seq = reader.uint64()
              break
            }
            case 8: {
              obj.time = reader.uint64()
              break
            }
            case 9: {
              obj.scheme = reader.uint32()
              break
            }
            case 10: {
              obj.salt = reader.bytes()
              break
            }
            case 11: {
              obj.sealedMetadata = reader.bytes()
              break
            }
            case 12: {
              obj.name = reader.string()
              break
            }
            case 13: {
              obj.size = reader.uint64()
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
                field: `${prefix}.fileId`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sender`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.recipient`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.keyType`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.wrappedKey`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.time`,
                value: reader.uint64()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.scheme`,
                value: reader.uint32()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.salt`,
                value: reader.bytes()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.sealedMetadata`,
                value: reader.bytes()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 13: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64()
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

  export interface FileKeyGrantVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface FileKeyGrantFileIdFieldEvent {
    field: '$.fileId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileKeyGrantSenderFieldEvent {
    field: '$.sender'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileKeyGrantRecipientFieldEvent {
    field: '$.recipient'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileKeyGrantKeyTypeFieldEvent {
    field: '$.keyType'
    value: number
  }

  export interface FileKeyGrantWrappedKeyFieldEvent {
    field: '$.wrappedKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileKeyGrantSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface FileKeyGrantTimeFieldEvent {
    field: '$.time'
    value: bigint
  }

  export interface FileKeyGrantSchemeFieldEvent {
    field: '$.scheme'
    value: number
  }

  export interface FileKeyGrantSaltFieldEvent {
    field: '$.salt'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileKeyGrantSealedMetadataFieldEvent {
    field: '$.sealedMetadata'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileKeyGrantNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface FileKeyGrantSizeFieldEvent {
    field: '$.size'
    value: bigint
  }

  export function encode (obj: Partial<FileKeyGrant>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FileKeyGrant.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileKeyGrant>): FileKeyGrant {
    return decodeMessage(buf, FileKeyGrant.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileKeyGrant>): Generator<FileKeyGrantVersionFieldEvent | FileKeyGrantFileIdFieldEvent | FileKeyGrantSenderFieldEvent | FileKeyGrantRecipientFieldEvent | FileKeyGrantKeyTypeFieldEvent | FileKeyGrantWrappedKeyFieldEvent | FileKeyGrantSeqFieldEvent | FileKeyGrantTimeFieldEvent | FileKeyGrantSchemeFieldEvent | FileKeyGrantSaltFieldEvent | FileKeyGrantSealedMetadataFieldEvent | FileKeyGrantNameFieldEvent | FileKeyGrantSizeFieldEvent> {
    return streamMessage(buf, FileKeyGrant.codec(), opts)
  }
}

export enum KeysRefusal {
  NONE = 'NONE',
  RATE_LIMITED = 'RATE_LIMITED',
  BAD_REQUEST = 'BAD_REQUEST'
}

enum __KeysRefusalValues {
  NONE = 0,
  RATE_LIMITED = 1,
  BAD_REQUEST = 2
}

export namespace KeysRefusal {
  export const codec = (): Codec<KeysRefusal> => {
    return enumeration<KeysRefusal>(__KeysRefusalValues)
  }
}

export interface KeysRequest {
  push: Uint8Array<ArrayBuffer>[]
  fetch: Uint8Array<ArrayBuffer>
}

export namespace KeysRequest {
  let _codec: Codec<KeysRequest>

  export const codec = (): Codec<KeysRequest> => {
    if (_codec == null) {
      _codec = message<KeysRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.push != null && obj.push.length > 0) {
          for (const value of obj.push) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if ((obj.fetch != null && obj.fetch.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.fetch)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          push: [],
          fetch: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.push != null && obj.push.length === opts.limits.push) {
                throw new MaxLengthError('Decode error - repeated field "push" had too many elements')
              }

              obj.push.push(reader.bytes())
              break
            }
            case 2: {
              obj.fetch = reader.bytes()
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
        const obj = {
          push: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.push != null && obj.push === opts.limits.push) {
                throw new MaxLengthError('Streaming decode error - repeated field "push" had too many elements')
              }

              yield {
                field: `${prefix}.push[]`,
                index: obj.push,
                value: reader.bytes()
              }

              obj.push++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.fetch`,
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

  export interface KeysRequestPushFieldEvent {
    field: '$.push[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeysRequestFetchFieldEvent {
    field: '$.fetch'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<KeysRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, KeysRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeysRequest>): KeysRequest {
    return decodeMessage(buf, KeysRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeysRequest>): Generator<KeysRequestPushFieldEvent | KeysRequestFetchFieldEvent> {
    return streamMessage(buf, KeysRequest.codec(), opts)
  }
}

export interface KeysResponse {
  grants: Uint8Array<ArrayBuffer>[]
  results: Uint8Array<ArrayBuffer>
  refused: KeysRefusal
}

export namespace KeysResponse {
  let _codec: Codec<KeysResponse>

  export const codec = (): Codec<KeysResponse> => {
    if (_codec == null) {
      _codec = message<KeysResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.grants != null && obj.grants.length > 0) {
          for (const value of obj.grants) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if ((obj.results != null && obj.results.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.results)
        }

        if (obj.refused != null && __KeysRefusalValues[obj.refused] !== 0) {
          w.uint32(24)
          KeysRefusal.codec().encode(obj.refused, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          grants: [],
          results: uint8ArrayAlloc(0),
          refused: KeysRefusal.NONE
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.grants != null && obj.grants.length === opts.limits.grants) {
                throw new MaxLengthError('Decode error - repeated field "grants" had too many elements')
              }

              obj.grants.push(reader.bytes())
              break
            }
            case 2: {
              obj.results = reader.bytes()
              break
            }
            case 3: {
              obj.refused = KeysRefusal.codec().decode(reader)
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
        const obj = {
          grants: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.grants != null && obj.grants === opts.limits.grants) {
                throw new MaxLengthError('Streaming decode error - repeated field "grants" had too many elements')
              }

              yield {
                field: `${prefix}.grants[]`,
                index: obj.grants,
                value: reader.bytes()
              }

              obj.grants++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.results`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.refused`,
                value: KeysRefusal.codec().decode(reader)
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

  export interface KeysResponseGrantsFieldEvent {
    field: '$.grants[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeysResponseResultsFieldEvent {
    field: '$.results'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeysResponseRefusedFieldEvent {
    field: '$.refused'
    value: KeysRefusal
  }

  export function encode (obj: Partial<KeysResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, KeysResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeysResponse>): KeysResponse {
    return decodeMessage(buf, KeysResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeysResponse>): Generator<KeysResponseGrantsFieldEvent | KeysResponseResultsFieldEvent | KeysResponseRefusedFieldEvent> {
    return streamMessage(buf, KeysResponse.codec(), opts)
  }
}
