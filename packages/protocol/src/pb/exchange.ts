/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum Priority {
  NORMAL = 'NORMAL',
  LOW = 'LOW',
  HIGH = 'HIGH'
}

enum __PriorityValues {
  NORMAL = 0,
  LOW = 1,
  HIGH = 2
}

export namespace Priority {
  export const codec = (): Codec<Priority> => {
    return enumeration<Priority>(__PriorityValues)
  }
}

export interface Want {
  fileId: Uint8Array<ArrayBuffer>
  sha256: Uint8Array<ArrayBuffer>
  accept: number
  first?: Request
}

export namespace Want {
  let _codec: Codec<Want>

  export const codec = (): Codec<Want> => {
    if (_codec == null) {
      _codec = message<Want>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.fileId != null && obj.fileId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.fileId)
        }

        if ((obj.sha256 != null && obj.sha256.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.sha256)
        }

        if ((obj.accept != null && obj.accept !== 0)) {
          w.uint32(24)
          w.uint32(obj.accept)
        }

        if (obj.first != null) {
          w.uint32(34)
          Request.codec().encode(obj.first, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          fileId: uint8ArrayAlloc(0),
          sha256: uint8ArrayAlloc(0),
          accept: 0
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
              obj.sha256 = reader.bytes()
              break
            }
            case 3: {
              obj.accept = reader.uint32()
              break
            }
            case 4: {
              obj.first = Request.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.first
              })
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
                field: `${prefix}.sha256`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.accept`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield * Request.codec().stream(reader, reader.uint32(), `${prefix}.first`, {
                limits: opts.limits?.first
              })

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

  export interface WantFileIdFieldEvent {
    field: '$.fileId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WantSha256FieldEvent {
    field: '$.sha256'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WantAcceptFieldEvent {
    field: '$.accept'
    value: number
  }

  export interface WantFirstChunksFieldEvent {
    field: '$.first.chunks[]'
    index: number
    value: number
  }

  export interface WantFirstPriorityFieldEvent {
    field: '$.first.priority'
    value: Priority
  }

  export interface WantFirstPartOffsetFieldEvent {
    field: '$.first.part.offset'
    value: number
  }

  export interface WantFirstPartLengthFieldEvent {
    field: '$.first.part.length'
    value: number
  }

  export function encode (obj: Partial<Want>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Want.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Want>): Want {
    return decodeMessage(buf, Want.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Want>): Generator<WantFileIdFieldEvent | WantSha256FieldEvent | WantAcceptFieldEvent | WantFirstChunksFieldEvent | WantFirstPriorityFieldEvent | WantFirstPartOffsetFieldEvent | WantFirstPartLengthFieldEvent> {
    return streamMessage(buf, Want.codec(), opts)
  }
}

export interface Metadata {
  name: string
  mimeType: string
  description: string
  tags: string[]
  created: bigint
}

export namespace Metadata {
  let _codec: Codec<Metadata>

  export const codec = (): Codec<Metadata> => {
    if (_codec == null) {
      _codec = message<Metadata>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if ((obj.mimeType != null && obj.mimeType !== '')) {
          w.uint32(18)
          w.string(obj.mimeType)
        }

        if ((obj.description != null && obj.description !== '')) {
          w.uint32(26)
          w.string(obj.description)
        }

        if (obj.tags != null && obj.tags.length > 0) {
          for (const value of obj.tags) {
            w.uint32(34)
            w.string(value)
          }
        }

        if ((obj.created != null && obj.created !== 0n)) {
          w.uint32(40)
          w.uint64(obj.created)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: '',
          mimeType: '',
          description: '',
          tags: [],
          created: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.name = reader.string()
              break
            }
            case 2: {
              obj.mimeType = reader.string()
              break
            }
            case 3: {
              obj.description = reader.string()
              break
            }
            case 4: {
              if (opts.limits?.tags != null && obj.tags.length === opts.limits.tags) {
                throw new MaxLengthError('Decode error - repeated field "tags" had too many elements')
              }

              obj.tags.push(reader.string())
              break
            }
            case 5: {
              obj.created = reader.uint64()
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
          tags: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.mimeType`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.description`,
                value: reader.string()
              }
              break
            }
            case 4: {
              if (opts.limits?.tags != null && obj.tags === opts.limits.tags) {
                throw new MaxLengthError('Streaming decode error - repeated field "tags" had too many elements')
              }

              yield {
                field: `${prefix}.tags[]`,
                index: obj.tags,
                value: reader.string()
              }

              obj.tags++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.created`,
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

  export interface MetadataNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface MetadataMimeTypeFieldEvent {
    field: '$.mimeType'
    value: string
  }

  export interface MetadataDescriptionFieldEvent {
    field: '$.description'
    value: string
  }

  export interface MetadataTagsFieldEvent {
    field: '$.tags[]'
    index: number
    value: string
  }

  export interface MetadataCreatedFieldEvent {
    field: '$.created'
    value: bigint
  }

  export function encode (obj: Partial<Metadata>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Metadata.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Metadata>): Metadata {
    return decodeMessage(buf, Metadata.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Metadata>): Generator<MetadataNameFieldEvent | MetadataMimeTypeFieldEvent | MetadataDescriptionFieldEvent | MetadataTagsFieldEvent | MetadataCreatedFieldEvent> {
    return streamMessage(buf, Metadata.codec(), opts)
  }
}

export interface Offer {
  fileId: Uint8Array<ArrayBuffer>
  manifest: Uint8Array<ArrayBuffer>
  metadata?: Metadata
  have: Uint8Array<ArrayBuffer>
  encoding: number
  parts: boolean
}

export namespace Offer {
  let _codec: Codec<Offer>

  export const codec = (): Codec<Offer> => {
    if (_codec == null) {
      _codec = message<Offer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.fileId != null && obj.fileId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.fileId)
        }

        if ((obj.manifest != null && obj.manifest.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.manifest)
        }

        if (obj.metadata != null) {
          w.uint32(26)
          Metadata.codec().encode(obj.metadata, w)
        }

        if ((obj.have != null && obj.have.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.have)
        }

        if ((obj.encoding != null && obj.encoding !== 0)) {
          w.uint32(40)
          w.uint32(obj.encoding)
        }

        if ((obj.parts != null && obj.parts !== false)) {
          w.uint32(48)
          w.bool(obj.parts)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          fileId: uint8ArrayAlloc(0),
          manifest: uint8ArrayAlloc(0),
          have: uint8ArrayAlloc(0),
          encoding: 0,
          parts: false
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
              obj.manifest = reader.bytes()
              break
            }
            case 3: {
              obj.metadata = Metadata.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.metadata
              })
              break
            }
            case 4: {
              obj.have = reader.bytes()
              break
            }
            case 5: {
              obj.encoding = reader.uint32()
              break
            }
            case 6: {
              obj.parts = reader.bool()
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
                field: `${prefix}.manifest`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield * Metadata.codec().stream(reader, reader.uint32(), `${prefix}.metadata`, {
                limits: opts.limits?.metadata
              })

              break
            }
            case 4: {
              yield {
                field: `${prefix}.have`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.encoding`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.parts`,
                value: reader.bool()
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

  export interface OfferFileIdFieldEvent {
    field: '$.fileId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OfferManifestFieldEvent {
    field: '$.manifest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OfferMetadataNameFieldEvent {
    field: '$.metadata.name'
    value: string
  }

  export interface OfferMetadataMimeTypeFieldEvent {
    field: '$.metadata.mimeType'
    value: string
  }

  export interface OfferMetadataDescriptionFieldEvent {
    field: '$.metadata.description'
    value: string
  }

  export interface OfferMetadataTagsFieldEvent {
    field: '$.metadata.tags[]'
    index: number
    value: string
  }

  export interface OfferMetadataCreatedFieldEvent {
    field: '$.metadata.created'
    value: bigint
  }

  export interface OfferHaveFieldEvent {
    field: '$.have'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OfferEncodingFieldEvent {
    field: '$.encoding'
    value: number
  }

  export interface OfferPartsFieldEvent {
    field: '$.parts'
    value: boolean
  }

  export function encode (obj: Partial<Offer>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Offer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Offer>): Offer {
    return decodeMessage(buf, Offer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Offer>): Generator<OfferFileIdFieldEvent | OfferManifestFieldEvent | OfferMetadataNameFieldEvent | OfferMetadataMimeTypeFieldEvent | OfferMetadataDescriptionFieldEvent | OfferMetadataTagsFieldEvent | OfferMetadataCreatedFieldEvent | OfferHaveFieldEvent | OfferEncodingFieldEvent | OfferPartsFieldEvent> {
    return streamMessage(buf, Offer.codec(), opts)
  }
}

export interface Have {
  chunks: number[]
}

export namespace Have {
  let _codec: Codec<Have>

  export const codec = (): Codec<Have> => {
    if (_codec == null) {
      _codec = message<Have>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.chunks != null && obj.chunks.length > 0) {
          for (const value of obj.chunks) {
            w.uint32(8)
            w.uint32(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          chunks: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.chunks != null && obj.chunks.length === opts.limits.chunks) {
                throw new MaxLengthError('Decode error - repeated field "chunks" had too many elements')
              }

              obj.chunks.push(reader.uint32())
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
          chunks: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.chunks != null && obj.chunks === opts.limits.chunks) {
                throw new MaxLengthError('Streaming decode error - repeated field "chunks" had too many elements')
              }

              yield {
                field: `${prefix}.chunks[]`,
                index: obj.chunks,
                value: reader.uint32()
              }

              obj.chunks++

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

  export interface HaveChunksFieldEvent {
    field: '$.chunks[]'
    index: number
    value: number
  }

  export function encode (obj: Partial<Have>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Have.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Have>): Have {
    return decodeMessage(buf, Have.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Have>): Generator<HaveChunksFieldEvent> {
    return streamMessage(buf, Have.codec(), opts)
  }
}

export interface Request {
  chunks: number[]
  priority: Priority
  part?: Part
}

export namespace Request {
  let _codec: Codec<Request>

  export const codec = (): Codec<Request> => {
    if (_codec == null) {
      _codec = message<Request>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.chunks != null && obj.chunks.length > 0) {
          for (const value of obj.chunks) {
            w.uint32(8)
            w.uint32(value)
          }
        }

        if (obj.priority != null && __PriorityValues[obj.priority] !== 0) {
          w.uint32(16)
          Priority.codec().encode(obj.priority, w)
        }

        if (obj.part != null) {
          w.uint32(26)
          Part.codec().encode(obj.part, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          chunks: [],
          priority: Priority.NORMAL
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.chunks != null && obj.chunks.length === opts.limits.chunks) {
                throw new MaxLengthError('Decode error - repeated field "chunks" had too many elements')
              }

              obj.chunks.push(reader.uint32())
              break
            }
            case 2: {
              obj.priority = Priority.codec().decode(reader)
              break
            }
            case 3: {
              obj.part = Part.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.part
              })
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
          chunks: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.chunks != null && obj.chunks === opts.limits.chunks) {
                throw new MaxLengthError('Streaming decode error - repeated field "chunks" had too many elements')
              }

              yield {
                field: `${prefix}.chunks[]`,
                index: obj.chunks,
                value: reader.uint32()
              }

              obj.chunks++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.priority`,
                value: Priority.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield * Part.codec().stream(reader, reader.uint32(), `${prefix}.part`, {
                limits: opts.limits?.part
              })

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

  export interface RequestChunksFieldEvent {
    field: '$.chunks[]'
    index: number
    value: number
  }

  export interface RequestPriorityFieldEvent {
    field: '$.priority'
    value: Priority
  }

  export interface RequestPartOffsetFieldEvent {
    field: '$.part.offset'
    value: number
  }

  export interface RequestPartLengthFieldEvent {
    field: '$.part.length'
    value: number
  }

  export function encode (obj: Partial<Request>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Request.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Request {
    return decodeMessage(buf, Request.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Generator<RequestChunksFieldEvent | RequestPriorityFieldEvent | RequestPartOffsetFieldEvent | RequestPartLengthFieldEvent> {
    return streamMessage(buf, Request.codec(), opts)
  }
}

export interface Part {
  offset: number
  length: number
}

export namespace Part {
  let _codec: Codec<Part>

  export const codec = (): Codec<Part> => {
    if (_codec == null) {
      _codec = message<Part>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.offset != null && obj.offset !== 0)) {
          w.uint32(8)
          w.uint32(obj.offset)
        }

        if ((obj.length != null && obj.length !== 0)) {
          w.uint32(16)
          w.uint32(obj.length)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          offset: 0,
          length: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.offset = reader.uint32()
              break
            }
            case 2: {
              obj.length = reader.uint32()
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
                field: `${prefix}.offset`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.length`,
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

  export interface PartOffsetFieldEvent {
    field: '$.offset'
    value: number
  }

  export interface PartLengthFieldEvent {
    field: '$.length'
    value: number
  }

  export function encode (obj: Partial<Part>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Part.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Part>): Part {
    return decodeMessage(buf, Part.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Part>): Generator<PartOffsetFieldEvent | PartLengthFieldEvent> {
    return streamMessage(buf, Part.codec(), opts)
  }
}

export interface Chunk {
  index: number
  hash: Uint8Array<ArrayBuffer>
  data: Uint8Array<ArrayBuffer>
  compressed: boolean
  offset?: number
}

export namespace Chunk {
  let _codec: Codec<Chunk>

  export const codec = (): Codec<Chunk> => {
    if (_codec == null) {
      _codec = message<Chunk>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(8)
          w.uint32(obj.index)
        }

        if ((obj.hash != null && obj.hash.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.hash)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.data)
        }

        if ((obj.compressed != null && obj.compressed !== false)) {
          w.uint32(32)
          w.bool(obj.compressed)
        }

        if (obj.offset != null) {
          w.uint32(40)
          w.uint32(obj.offset)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0,
          hash: uint8ArrayAlloc(0),
          data: uint8ArrayAlloc(0),
          compressed: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint32()
              break
            }
            case 2: {
              obj.hash = reader.bytes()
              break
            }
            case 3: {
              obj.data = reader.bytes()
              break
            }
            case 4: {
              obj.compressed = reader.bool()
              break
            }
            case 5: {
              obj.offset = reader.uint32()
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
                field: `${prefix}.index`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.hash`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.compressed`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.offset`,
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

  export interface ChunkIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface ChunkHashFieldEvent {
    field: '$.hash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkCompressedFieldEvent {
    field: '$.compressed'
    value: boolean
  }

  export interface ChunkOffsetFieldEvent {
    field: '$.offset'
    value: number
  }

  export function encode (obj: Partial<Chunk>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Chunk.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Chunk>): Chunk {
    return decodeMessage(buf, Chunk.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Chunk>): Generator<ChunkIndexFieldEvent | ChunkHashFieldEvent | ChunkDataFieldEvent | ChunkCompressedFieldEvent | ChunkOffsetFieldEvent> {
    return streamMessage(buf, Chunk.codec(), opts)
  }
}

export interface Cancel {
  chunks: number[]
  part?: Part
}

export namespace Cancel {
  let _codec: Codec<Cancel>

  export const codec = (): Codec<Cancel> => {
    if (_codec == null) {
      _codec = message<Cancel>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.chunks != null && obj.chunks.length > 0) {
          for (const value of obj.chunks) {
            w.uint32(8)
            w.uint32(value)
          }
        }

        if (obj.part != null) {
          w.uint32(18)
          Part.codec().encode(obj.part, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          chunks: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.chunks != null && obj.chunks.length === opts.limits.chunks) {
                throw new MaxLengthError('Decode error - repeated field "chunks" had too many elements')
              }

              obj.chunks.push(reader.uint32())
              break
            }
            case 2: {
              obj.part = Part.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.part
              })
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
          chunks: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.chunks != null && obj.chunks === opts.limits.chunks) {
                throw new MaxLengthError('Streaming decode error - repeated field "chunks" had too many elements')
              }

              yield {
                field: `${prefix}.chunks[]`,
                index: obj.chunks,
                value: reader.uint32()
              }

              obj.chunks++

              break
            }
            case 2: {
              yield * Part.codec().stream(reader, reader.uint32(), `${prefix}.part`, {
                limits: opts.limits?.part
              })

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

  export interface CancelChunksFieldEvent {
    field: '$.chunks[]'
    index: number
    value: number
  }

  export interface CancelPartOffsetFieldEvent {
    field: '$.part.offset'
    value: number
  }

  export interface CancelPartLengthFieldEvent {
    field: '$.part.length'
    value: number
  }

  export function encode (obj: Partial<Cancel>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Cancel.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Cancel>): Cancel {
    return decodeMessage(buf, Cancel.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Cancel>): Generator<CancelChunksFieldEvent | CancelPartOffsetFieldEvent | CancelPartLengthFieldEvent> {
    return streamMessage(buf, Cancel.codec(), opts)
  }
}

export interface Pause {}

export namespace Pause {
  let _codec: Codec<Pause>

  export const codec = (): Codec<Pause> => {
    if (_codec == null) {
      _codec = message<Pause>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
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

  export function encode (obj: Partial<Pause>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Pause.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Pause>): Pause {
    return decodeMessage(buf, Pause.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Pause>): Generator<{}> {
    return streamMessage(buf, Pause.codec(), opts)
  }
}

export interface Resume {}

export namespace Resume {
  let _codec: Codec<Resume>

  export const codec = (): Codec<Resume> => {
    if (_codec == null) {
      _codec = message<Resume>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
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

  export function encode (obj: Partial<Resume>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Resume.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Resume>): Resume {
    return decodeMessage(buf, Resume.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Resume>): Generator<{}> {
    return streamMessage(buf, Resume.codec(), opts)
  }
}

export interface Complete {}

export namespace Complete {
  let _codec: Codec<Complete>

  export const codec = (): Codec<Complete> => {
    if (_codec == null) {
      _codec = message<Complete>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
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

  export function encode (obj: Partial<Complete>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Complete.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Complete>): Complete {
    return decodeMessage(buf, Complete.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Complete>): Generator<{}> {
    return streamMessage(buf, Complete.codec(), opts)
  }
}

export interface Failure {
  code: Failure.Code
  message: string
}

export namespace Failure {
  export enum Code {
    UNKNOWN = 'UNKNOWN',
    NOT_FOUND = 'NOT_FOUND',
    BAD_REQUEST = 'BAD_REQUEST',
    BUSY = 'BUSY',
    INTERNAL = 'INTERNAL'
  }

  enum __CodeValues {
    UNKNOWN = 0,
    NOT_FOUND = 1,
    BAD_REQUEST = 2,
    BUSY = 3,
    INTERNAL = 4
  }

  export namespace Code {
    export const codec = (): Codec<Code> => {
      return enumeration<Code>(__CodeValues)
    }
  }

  let _codec: Codec<Failure>

  export const codec = (): Codec<Failure> => {
    if (_codec == null) {
      _codec = message<Failure>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.code != null && __CodeValues[obj.code] !== 0) {
          w.uint32(8)
          Failure.Code.codec().encode(obj.code, w)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(18)
          w.string(obj.message)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: Code.UNKNOWN,
          message: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = Failure.Code.codec().decode(reader)
              break
            }
            case 2: {
              obj.message = reader.string()
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
                field: `${prefix}.code`,
                value: Failure.Code.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.message`,
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

  export interface FailureCodeFieldEvent {
    field: '$.code'
    value: Failure.Code
  }

  export interface FailureMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export function encode (obj: Partial<Failure>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Failure.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Failure>): Failure {
    return decodeMessage(buf, Failure.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Failure>): Generator<FailureCodeFieldEvent | FailureMessageFieldEvent> {
    return streamMessage(buf, Failure.codec(), opts)
  }
}

export interface ExchangeMessage {
  want?: Want
  offer?: Offer
  request?: Request
  chunk?: Chunk
  cancel?: Cancel
  pause?: Pause
  resume?: Resume
  complete?: Complete
  failure?: Failure
  have?: Have
}

export namespace ExchangeMessage {
  let _codec: Codec<ExchangeMessage>

  export const codec = (): Codec<ExchangeMessage> => {
    if (_codec == null) {
      _codec = message<ExchangeMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.want != null) {
          w.uint32(10)
          Want.codec().encode(obj.want, w)
        }

        if (obj.offer != null) {
          w.uint32(18)
          Offer.codec().encode(obj.offer, w)
        }

        if (obj.request != null) {
          w.uint32(26)
          Request.codec().encode(obj.request, w)
        }

        if (obj.chunk != null) {
          w.uint32(34)
          Chunk.codec().encode(obj.chunk, w)
        }

        if (obj.cancel != null) {
          w.uint32(42)
          Cancel.codec().encode(obj.cancel, w)
        }

        if (obj.pause != null) {
          w.uint32(50)
          Pause.codec().encode(obj.pause, w)
        }

        if (obj.resume != null) {
          w.uint32(58)
          Resume.codec().encode(obj.resume, w)
        }

        if (obj.complete != null) {
          w.uint32(66)
          Complete.codec().encode(obj.complete, w)
        }

        if (obj.failure != null) {
          w.uint32(74)
          Failure.codec().encode(obj.failure, w)
        }

        if (obj.have != null) {
          w.uint32(82)
          Have.codec().encode(obj.have, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.want = Want.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.want
              })
              break
            }
            case 2: {
              obj.offer = Offer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.offer
              })
              break
            }
            case 3: {
              obj.request = Request.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.request
              })
              break
            }
            case 4: {
              obj.chunk = Chunk.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.chunk
              })
              break
            }
            case 5: {
              obj.cancel = Cancel.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.cancel
              })
              break
            }
            case 6: {
              obj.pause = Pause.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.pause
              })
              break
            }
            case 7: {
              obj.resume = Resume.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.resume
              })
              break
            }
            case 8: {
              obj.complete = Complete.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.complete
              })
              break
            }
            case 9: {
              obj.failure = Failure.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.failure
              })
              break
            }
            case 10: {
              obj.have = Have.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.have
              })
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
              yield * Want.codec().stream(reader, reader.uint32(), `${prefix}.want`, {
                limits: opts.limits?.want
              })

              break
            }
            case 2: {
              yield * Offer.codec().stream(reader, reader.uint32(), `${prefix}.offer`, {
                limits: opts.limits?.offer
              })

              break
            }
            case 3: {
              yield * Request.codec().stream(reader, reader.uint32(), `${prefix}.request`, {
                limits: opts.limits?.request
              })

              break
            }
            case 4: {
              yield * Chunk.codec().stream(reader, reader.uint32(), `${prefix}.chunk`, {
                limits: opts.limits?.chunk
              })

              break
            }
            case 5: {
              yield * Cancel.codec().stream(reader, reader.uint32(), `${prefix}.cancel`, {
                limits: opts.limits?.cancel
              })

              break
            }
            case 6: {
              yield * Pause.codec().stream(reader, reader.uint32(), `${prefix}.pause`, {
                limits: opts.limits?.pause
              })

              break
            }
            case 7: {
              yield * Resume.codec().stream(reader, reader.uint32(), `${prefix}.resume`, {
                limits: opts.limits?.resume
              })

              break
            }
            case 8: {
              yield * Complete.codec().stream(reader, reader.uint32(), `${prefix}.complete`, {
                limits: opts.limits?.complete
              })

              break
            }
            case 9: {
              yield * Failure.codec().stream(reader, reader.uint32(), `${prefix}.failure`, {
                limits: opts.limits?.failure
              })

              break
            }
            case 10: {
              yield * Have.codec().stream(reader, reader.uint32(), `${prefix}.have`, {
                limits: opts.limits?.have
              })

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

  export interface ExchangeMessageWantFileIdFieldEvent {
    field: '$.want.fileId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ExchangeMessageWantSha256FieldEvent {
    field: '$.want.sha256'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ExchangeMessageWantAcceptFieldEvent {
    field: '$.want.accept'
    value: number
  }

  export interface ExchangeMessageWantFirstChunksFieldEvent {
    field: '$.want.first.chunks[]'
    index: number
    value: number
  }

  export interface ExchangeMessageWantFirstPriorityFieldEvent {
    field: '$.want.first.priority'
    value: Priority
  }

  export interface ExchangeMessageWantFirstPartOffsetFieldEvent {
    field: '$.want.first.part.offset'
    value: number
  }

  export interface ExchangeMessageWantFirstPartLengthFieldEvent {
    field: '$.want.first.part.length'
    value: number
  }

  export interface ExchangeMessageOfferFileIdFieldEvent {
    field: '$.offer.fileId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ExchangeMessageOfferManifestFieldEvent {
    field: '$.offer.manifest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ExchangeMessageOfferMetadataNameFieldEvent {
    field: '$.offer.metadata.name'
    value: string
  }

  export interface ExchangeMessageOfferMetadataMimeTypeFieldEvent {
    field: '$.offer.metadata.mimeType'
    value: string
  }

  export interface ExchangeMessageOfferMetadataDescriptionFieldEvent {
    field: '$.offer.metadata.description'
    value: string
  }

  export interface ExchangeMessageOfferMetadataTagsFieldEvent {
    field: '$.offer.metadata.tags[]'
    index: number
    value: string
  }

  export interface ExchangeMessageOfferMetadataCreatedFieldEvent {
    field: '$.offer.metadata.created'
    value: bigint
  }

  export interface ExchangeMessageOfferHaveFieldEvent {
    field: '$.offer.have'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ExchangeMessageOfferEncodingFieldEvent {
    field: '$.offer.encoding'
    value: number
  }

  export interface ExchangeMessageOfferPartsFieldEvent {
    field: '$.offer.parts'
    value: boolean
  }

  export interface ExchangeMessageRequestChunksFieldEvent {
    field: '$.request.chunks[]'
    index: number
    value: number
  }

  export interface ExchangeMessageRequestPriorityFieldEvent {
    field: '$.request.priority'
    value: Priority
  }

  export interface ExchangeMessageRequestPartOffsetFieldEvent {
    field: '$.request.part.offset'
    value: number
  }

  export interface ExchangeMessageRequestPartLengthFieldEvent {
    field: '$.request.part.length'
    value: number
  }

  export interface ExchangeMessageChunkIndexFieldEvent {
    field: '$.chunk.index'
    value: number
  }

  export interface ExchangeMessageChunkHashFieldEvent {
    field: '$.chunk.hash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ExchangeMessageChunkDataFieldEvent {
    field: '$.chunk.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ExchangeMessageChunkCompressedFieldEvent {
    field: '$.chunk.compressed'
    value: boolean
  }

  export interface ExchangeMessageChunkOffsetFieldEvent {
    field: '$.chunk.offset'
    value: number
  }

  export interface ExchangeMessageCancelChunksFieldEvent {
    field: '$.cancel.chunks[]'
    index: number
    value: number
  }

  export interface ExchangeMessageCancelPartOffsetFieldEvent {
    field: '$.cancel.part.offset'
    value: number
  }

  export interface ExchangeMessageCancelPartLengthFieldEvent {
    field: '$.cancel.part.length'
    value: number
  }

  export interface ExchangeMessageFailureCodeFieldEvent {
    field: '$.failure.code'
    value: Failure.Code
  }

  export interface ExchangeMessageFailureMessageFieldEvent {
    field: '$.failure.message'
    value: string
  }

  export interface ExchangeMessageHaveChunksFieldEvent {
    field: '$.have.chunks[]'
    index: number
    value: number
  }

  export function encode (obj: Partial<ExchangeMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ExchangeMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ExchangeMessage>): ExchangeMessage {
    return decodeMessage(buf, ExchangeMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ExchangeMessage>): Generator<ExchangeMessageWantFileIdFieldEvent | ExchangeMessageWantSha256FieldEvent | ExchangeMessageWantAcceptFieldEvent | ExchangeMessageWantFirstChunksFieldEvent | ExchangeMessageWantFirstPriorityFieldEvent | ExchangeMessageWantFirstPartOffsetFieldEvent | ExchangeMessageWantFirstPartLengthFieldEvent | ExchangeMessageOfferFileIdFieldEvent | ExchangeMessageOfferManifestFieldEvent | ExchangeMessageOfferMetadataNameFieldEvent | ExchangeMessageOfferMetadataMimeTypeFieldEvent | ExchangeMessageOfferMetadataDescriptionFieldEvent | ExchangeMessageOfferMetadataTagsFieldEvent | ExchangeMessageOfferMetadataCreatedFieldEvent | ExchangeMessageOfferHaveFieldEvent | ExchangeMessageOfferEncodingFieldEvent | ExchangeMessageOfferPartsFieldEvent | ExchangeMessageRequestChunksFieldEvent | ExchangeMessageRequestPriorityFieldEvent | ExchangeMessageRequestPartOffsetFieldEvent | ExchangeMessageRequestPartLengthFieldEvent | ExchangeMessageChunkIndexFieldEvent | ExchangeMessageChunkHashFieldEvent | ExchangeMessageChunkDataFieldEvent | ExchangeMessageChunkCompressedFieldEvent | ExchangeMessageChunkOffsetFieldEvent | ExchangeMessageCancelChunksFieldEvent | ExchangeMessageCancelPartOffsetFieldEvent | ExchangeMessageCancelPartLengthFieldEvent | ExchangeMessageFailureCodeFieldEvent | ExchangeMessageFailureMessageFieldEvent | ExchangeMessageHaveChunksFieldEvent> {
    return streamMessage(buf, ExchangeMessage.codec(), opts)
  }
}
