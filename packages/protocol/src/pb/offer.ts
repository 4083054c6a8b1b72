import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Offer {
  version: number
  author: Uint8Array<ArrayBuffer>
  seq: bigint
  contentId: Uint8Array<ArrayBuffer>
  removed: boolean
  name: string
  size: bigint
  mimeType: string
  sha256: Uint8Array<ArrayBuffer>
  category: string
  tags: string[]
  description: string
  created: bigint
  modified: bigint
  thumbnail: Uint8Array<ArrayBuffer>
  visibility: number
}

export namespace Offer {
  let _codec: Codec<Offer>

  export const codec = (): Codec<Offer> => {
    if (_codec == null) {
      _codec = message<Offer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.author)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(24)
          w.uint64(obj.seq)
        }

        if ((obj.contentId != null && obj.contentId.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.contentId)
        }

        if ((obj.removed != null && obj.removed !== false)) {
          w.uint32(40)
          w.bool(obj.removed)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(50)
          w.string(obj.name)
        }

        if ((obj.size != null && obj.size !== 0n)) {
          w.uint32(56)
          w.uint64(obj.size)
        }

        if ((obj.mimeType != null && obj.mimeType !== '')) {
          w.uint32(66)
          w.string(obj.mimeType)
        }

        if ((obj.sha256 != null && obj.sha256.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.sha256)
        }

        if ((obj.category != null && obj.category !== '')) {
          w.uint32(82)
          w.string(obj.category)
        }

        if (obj.tags != null && obj.tags.length > 0) {
          for (const value of obj.tags) {
            w.uint32(90)
            w.string(value)
          }
        }

        if ((obj.description != null && obj.description !== '')) {
          w.uint32(98)
          w.string(obj.description)
        }

        if ((obj.created != null && obj.created !== 0n)) {
          w.uint32(104)
          w.uint64(obj.created)
        }

        if ((obj.modified != null && obj.modified !== 0n)) {
          w.uint32(112)
          w.uint64(obj.modified)
        }

        if ((obj.thumbnail != null && obj.thumbnail.byteLength > 0)) {
          w.uint32(122)
          w.bytes(obj.thumbnail)
        }

        if ((obj.visibility != null && obj.visibility !== 0)) {
          w.uint32(128)
          w.uint32(obj.visibility)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          author: uint8ArrayAlloc(0),
          seq: 0n,
          contentId: uint8ArrayAlloc(0),
          removed: false,
          name: '',
          size: 0n,
          mimeType: '',
          sha256: uint8ArrayAlloc(0),
          category: '',
          tags: [],
          description: '',
          created: 0n,
          modified: 0n,
          thumbnail: uint8ArrayAlloc(0),
          visibility: 0
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
              obj.author = reader.bytes()
              break
            }
            case 3: {
              obj.seq = reader.uint64()
              break
            }
            case 4: {
              obj.contentId = reader.bytes()
              break
            }
            case 5: {
              obj.removed = reader.bool()
              break
            }
            case 6: {
              obj.name = reader.string()
              break
            }
            case 7: {
              obj.size = reader.uint64()
              break
            }
            case 8: {
              obj.mimeType = reader.string()
              break
            }
            case 9: {
              obj.sha256 = reader.bytes()
              break
            }
            case 10: {
              obj.category = reader.string()
              break
            }
            case 11: {
              if (opts.limits?.tags != null && obj.tags.length === opts.limits.tags) {
                throw new MaxLengthError('Decode error - repeated field "tags" had too many elements')
              }

              obj.tags.push(reader.string())
              break
            }
            case 12: {
              obj.description = reader.string()
              break
            }
            case 13: {
              obj.created = reader.uint64()
              break
            }
            case 14: {
              obj.modified = reader.uint64()
              break
            }
            case 15: {
              obj.thumbnail = reader.bytes()
              break
            }
            case 16: {
              obj.visibility = reader.uint32()
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
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.author`,
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
                field: `${prefix}.contentId`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.removed`,
                value: reader.bool()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.mimeType`,
                value: reader.string()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.sha256`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.category`,
                value: reader.string()
              }
              break
            }
            case 11: {
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
            case 12: {
              yield {
                field: `${prefix}.description`,
                value: reader.string()
              }
              break
            }
            case 13: {
              yield {
                field: `${prefix}.created`,
                value: reader.uint64()
              }
              break
            }
            case 14: {
              yield {
                field: `${prefix}.modified`,
                value: reader.uint64()
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.thumbnail`,
                value: reader.bytes()
              }
              break
            }
            case 16: {
              yield {
                field: `${prefix}.visibility`,
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

  export interface OfferVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface OfferAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OfferSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface OfferContentIdFieldEvent {
    field: '$.contentId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OfferRemovedFieldEvent {
    field: '$.removed'
    value: boolean
  }

  export interface OfferNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface OfferSizeFieldEvent {
    field: '$.size'
    value: bigint
  }

  export interface OfferMimeTypeFieldEvent {
    field: '$.mimeType'
    value: string
  }

  export interface OfferSha256FieldEvent {
    field: '$.sha256'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OfferCategoryFieldEvent {
    field: '$.category'
    value: string
  }

  export interface OfferTagsFieldEvent {
    field: '$.tags[]'
    index: number
    value: string
  }

  export interface OfferDescriptionFieldEvent {
    field: '$.description'
    value: string
  }

  export interface OfferCreatedFieldEvent {
    field: '$.created'
    value: bigint
  }

  export interface OfferModifiedFieldEvent {
    field: '$.modified'
    value: bigint
  }

  export interface OfferThumbnailFieldEvent {
    field: '$.thumbnail'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OfferVisibilityFieldEvent {
    field: '$.visibility'
    value: number
  }

  export function encode (obj: Partial<Offer>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Offer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Offer>): Offer {
    return decodeMessage(buf, Offer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Offer>): Generator<OfferVersionFieldEvent | OfferAuthorFieldEvent | OfferSeqFieldEvent | OfferContentIdFieldEvent | OfferRemovedFieldEvent | OfferNameFieldEvent | OfferSizeFieldEvent | OfferMimeTypeFieldEvent | OfferSha256FieldEvent | OfferCategoryFieldEvent | OfferTagsFieldEvent | OfferDescriptionFieldEvent | OfferCreatedFieldEvent | OfferModifiedFieldEvent | OfferThumbnailFieldEvent | OfferVisibilityFieldEvent> {
    return streamMessage(buf, Offer.codec(), opts)
  }
}
