import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum Refusal {
  NONE = 'NONE',
  RATE_LIMITED = 'RATE_LIMITED',
  BAD_REQUEST = 'BAD_REQUEST'
}

enum __RefusalValues {
  NONE = 0,
  RATE_LIMITED = 1,
  BAD_REQUEST = 2
}

export namespace Refusal {
  export const codec = (): Codec<Refusal> => {
    return enumeration<Refusal>(__RefusalValues)
  }
}

export interface CatalogRequest {
  since: bigint
  limit: number
  epoch: string
}

export namespace CatalogRequest {
  let _codec: Codec<CatalogRequest>

  export const codec = (): Codec<CatalogRequest> => {
    if (_codec == null) {
      _codec = message<CatalogRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.since != null && obj.since !== 0n)) {
          w.uint32(8)
          w.uint64(obj.since)
        }

        if ((obj.limit != null && obj.limit !== 0)) {
          w.uint32(16)
          w.uint32(obj.limit)
        }

        if ((obj.epoch != null && obj.epoch !== '')) {
          w.uint32(26)
          w.string(obj.epoch)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          since: 0n,
          limit: 0,
          epoch: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.since = reader.uint64()
              break
            }
            case 2: {
              obj.limit = reader.uint32()
              break
            }
            case 3: {
              obj.epoch = reader.string()
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
                field: `${prefix}.since`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.limit`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.string()
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

  export interface CatalogRequestSinceFieldEvent {
    field: '$.since'
    value: bigint
  }

  export interface CatalogRequestLimitFieldEvent {
    field: '$.limit'
    value: number
  }

  export interface CatalogRequestEpochFieldEvent {
    field: '$.epoch'
    value: string
  }

  export function encode (obj: Partial<CatalogRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CatalogRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CatalogRequest>): CatalogRequest {
    return decodeMessage(buf, CatalogRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CatalogRequest>): Generator<CatalogRequestSinceFieldEvent | CatalogRequestLimitFieldEvent | CatalogRequestEpochFieldEvent> {
    return streamMessage(buf, CatalogRequest.codec(), opts)
  }
}

export interface CatalogResponse {
  entries: Uint8Array<ArrayBuffer>[]
  next: bigint
  more: boolean
  epoch: string
  refused: Refusal
}

export namespace CatalogResponse {
  let _codec: Codec<CatalogResponse>

  export const codec = (): Codec<CatalogResponse> => {
    if (_codec == null) {
      _codec = message<CatalogResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if ((obj.next != null && obj.next !== 0n)) {
          w.uint32(16)
          w.uint64(obj.next)
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(24)
          w.bool(obj.more)
        }

        if ((obj.epoch != null && obj.epoch !== '')) {
          w.uint32(34)
          w.string(obj.epoch)
        }

        if (obj.refused != null && __RefusalValues[obj.refused] !== 0) {
          w.uint32(40)
          Refusal.codec().encode(obj.refused, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          entries: [],
          next: 0n,
          more: false,
          epoch: '',
          refused: Refusal.NONE
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(reader.bytes())
              break
            }
            case 2: {
              obj.next = reader.uint64()
              break
            }
            case 3: {
              obj.more = reader.bool()
              break
            }
            case 4: {
              obj.epoch = reader.string()
              break
            }
            case 5: {
              obj.refused = Refusal.codec().decode(reader)
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
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              yield {
                field: `${prefix}.entries[]`,
                index: obj.entries,
                value: reader.bytes()
              }

              obj.entries++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.next`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.more`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.refused`,
                value: Refusal.codec().decode(reader)
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

  export interface CatalogResponseEntriesFieldEvent {
    field: '$.entries[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface CatalogResponseNextFieldEvent {
    field: '$.next'
    value: bigint
  }

  export interface CatalogResponseMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export interface CatalogResponseEpochFieldEvent {
    field: '$.epoch'
    value: string
  }

  export interface CatalogResponseRefusedFieldEvent {
    field: '$.refused'
    value: Refusal
  }

  export function encode (obj: Partial<CatalogResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CatalogResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CatalogResponse>): CatalogResponse {
    return decodeMessage(buf, CatalogResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CatalogResponse>): Generator<CatalogResponseEntriesFieldEvent | CatalogResponseNextFieldEvent | CatalogResponseMoreFieldEvent | CatalogResponseEpochFieldEvent | CatalogResponseRefusedFieldEvent> {
    return streamMessage(buf, CatalogResponse.codec(), opts)
  }
}

export interface SearchRequest {
  text: string
  category: string
  mimeType: string
  minSize: bigint
  maxSize?: bigint
  author: string
  limit: number
}

export namespace SearchRequest {
  let _codec: Codec<SearchRequest>

  export const codec = (): Codec<SearchRequest> => {
    if (_codec == null) {
      _codec = message<SearchRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(10)
          w.string(obj.text)
        }

        if ((obj.category != null && obj.category !== '')) {
          w.uint32(18)
          w.string(obj.category)
        }

        if ((obj.mimeType != null && obj.mimeType !== '')) {
          w.uint32(26)
          w.string(obj.mimeType)
        }

        if ((obj.minSize != null && obj.minSize !== 0n)) {
          w.uint32(32)
          w.uint64(obj.minSize)
        }

        if (obj.maxSize != null) {
          w.uint32(40)
          w.uint64(obj.maxSize)
        }

        if ((obj.author != null && obj.author !== '')) {
          w.uint32(50)
          w.string(obj.author)
        }

        if ((obj.limit != null && obj.limit !== 0)) {
          w.uint32(56)
          w.uint32(obj.limit)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          text: '',
          category: '',
          mimeType: '',
          minSize: 0n,
          author: '',
          limit: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.text = reader.string()
              break
            }
            case 2: {
              obj.category = reader.string()
              break
            }
            case 3: {
              obj.mimeType = reader.string()
              break
            }
            case 4: {
              obj.minSize = reader.uint64()
              break
            }
            case 5: {
              obj.maxSize = reader.uint64()
              break
            }
            case 6: {
              obj.author = reader.string()
              break
            }
            case 7: {
              obj.limit = reader.uint32()
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
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.category`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.mimeType`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.minSize`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.maxSize`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.author`,
                value: reader.string()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.limit`,
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

  export interface SearchRequestTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface SearchRequestCategoryFieldEvent {
    field: '$.category'
    value: string
  }

  export interface SearchRequestMimeTypeFieldEvent {
    field: '$.mimeType'
    value: string
  }

  export interface SearchRequestMinSizeFieldEvent {
    field: '$.minSize'
    value: bigint
  }

  export interface SearchRequestMaxSizeFieldEvent {
    field: '$.maxSize'
    value: bigint
  }

  export interface SearchRequestAuthorFieldEvent {
    field: '$.author'
    value: string
  }

  export interface SearchRequestLimitFieldEvent {
    field: '$.limit'
    value: number
  }

  export function encode (obj: Partial<SearchRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SearchRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SearchRequest>): SearchRequest {
    return decodeMessage(buf, SearchRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SearchRequest>): Generator<SearchRequestTextFieldEvent | SearchRequestCategoryFieldEvent | SearchRequestMimeTypeFieldEvent | SearchRequestMinSizeFieldEvent | SearchRequestMaxSizeFieldEvent | SearchRequestAuthorFieldEvent | SearchRequestLimitFieldEvent> {
    return streamMessage(buf, SearchRequest.codec(), opts)
  }
}

export interface SearchResponse {
  entries: Uint8Array<ArrayBuffer>[]
  refused: Refusal
}

export namespace SearchResponse {
  let _codec: Codec<SearchResponse>

  export const codec = (): Codec<SearchResponse> => {
    if (_codec == null) {
      _codec = message<SearchResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (obj.refused != null && __RefusalValues[obj.refused] !== 0) {
          w.uint32(16)
          Refusal.codec().encode(obj.refused, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          entries: [],
          refused: Refusal.NONE
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(reader.bytes())
              break
            }
            case 2: {
              obj.refused = Refusal.codec().decode(reader)
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
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              yield {
                field: `${prefix}.entries[]`,
                index: obj.entries,
                value: reader.bytes()
              }

              obj.entries++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.refused`,
                value: Refusal.codec().decode(reader)
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

  export interface SearchResponseEntriesFieldEvent {
    field: '$.entries[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SearchResponseRefusedFieldEvent {
    field: '$.refused'
    value: Refusal
  }

  export function encode (obj: Partial<SearchResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SearchResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SearchResponse>): SearchResponse {
    return decodeMessage(buf, SearchResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SearchResponse>): Generator<SearchResponseEntriesFieldEvent | SearchResponseRefusedFieldEvent> {
    return streamMessage(buf, SearchResponse.codec(), opts)
  }
}
