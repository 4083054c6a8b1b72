import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Manifest {
  version: number
  size: bigint
  chunkSize: number
  chunkHashes: Uint8Array<ArrayBuffer>[]
  sha256: Uint8Array<ArrayBuffer>
  encryption?: Encryption
}

export namespace Manifest {
  let _codec: Codec<Manifest>

  export const codec = (): Codec<Manifest> => {
    if (_codec == null) {
      _codec = message<Manifest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.size != null && obj.size !== 0n)) {
          w.uint32(16)
          w.uint64(obj.size)
        }

        if ((obj.chunkSize != null && obj.chunkSize !== 0)) {
          w.uint32(24)
          w.uint32(obj.chunkSize)
        }

        if (obj.chunkHashes != null && obj.chunkHashes.length > 0) {
          for (const value of obj.chunkHashes) {
            w.uint32(34)
            w.bytes(value)
          }
        }

        if ((obj.sha256 != null && obj.sha256.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.sha256)
        }

        if (obj.encryption != null) {
          w.uint32(50)
          Encryption.codec().encode(obj.encryption, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          size: 0n,
          chunkSize: 0,
          chunkHashes: [],
          sha256: uint8ArrayAlloc(0)
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
              obj.size = reader.uint64()
              break
            }
            case 3: {
              obj.chunkSize = reader.uint32()
              break
            }
            case 4: {
              if (opts.limits?.chunkHashes != null && obj.chunkHashes.length === opts.limits.chunkHashes) {
                throw new MaxLengthError('Decode error - repeated field "chunkHashes" had too many elements')
              }

              obj.chunkHashes.push(reader.bytes())
              break
            }
            case 5: {
              obj.sha256 = reader.bytes()
              break
            }
            case 6: {
              obj.encryption = Encryption.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.encryption
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
          chunkHashes: 0
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
                field: `${prefix}.size`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.chunkSize`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              if (opts.limits?.chunkHashes != null && obj.chunkHashes === opts.limits.chunkHashes) {
                throw new MaxLengthError('Streaming decode error - repeated field "chunkHashes" had too many elements')
              }

              yield {
                field: `${prefix}.chunkHashes[]`,
                index: obj.chunkHashes,
                value: reader.bytes()
              }

              obj.chunkHashes++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.sha256`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield * Encryption.codec().stream(reader, reader.uint32(), `${prefix}.encryption`, {
                limits: opts.limits?.encryption
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

  export interface ManifestVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface ManifestSizeFieldEvent {
    field: '$.size'
    value: bigint
  }

  export interface ManifestChunkSizeFieldEvent {
    field: '$.chunkSize'
    value: number
  }

  export interface ManifestChunkHashesFieldEvent {
    field: '$.chunkHashes[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestSha256FieldEvent {
    field: '$.sha256'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestEncryptionSchemeFieldEvent {
    field: '$.encryption.scheme'
    value: number
  }

  export interface ManifestEncryptionSaltFieldEvent {
    field: '$.encryption.salt'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestEncryptionSealedMetadataFieldEvent {
    field: '$.encryption.sealedMetadata'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Manifest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Manifest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Manifest>): Manifest {
    return decodeMessage(buf, Manifest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Manifest>): Generator<ManifestVersionFieldEvent | ManifestSizeFieldEvent | ManifestChunkSizeFieldEvent | ManifestChunkHashesFieldEvent | ManifestSha256FieldEvent | ManifestEncryptionSchemeFieldEvent | ManifestEncryptionSaltFieldEvent | ManifestEncryptionSealedMetadataFieldEvent> {
    return streamMessage(buf, Manifest.codec(), opts)
  }
}

export interface Encryption {
  scheme: number
  salt: Uint8Array<ArrayBuffer>
  sealedMetadata: Uint8Array<ArrayBuffer>
}

export namespace Encryption {
  let _codec: Codec<Encryption>

  export const codec = (): Codec<Encryption> => {
    if (_codec == null) {
      _codec = message<Encryption>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.scheme != null && obj.scheme !== 0)) {
          w.uint32(8)
          w.uint32(obj.scheme)
        }

        if ((obj.salt != null && obj.salt.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.salt)
        }

        if ((obj.sealedMetadata != null && obj.sealedMetadata.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.sealedMetadata)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          scheme: 0,
          salt: uint8ArrayAlloc(0),
          sealedMetadata: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.scheme = reader.uint32()
              break
            }
            case 2: {
              obj.salt = reader.bytes()
              break
            }
            case 3: {
              obj.sealedMetadata = reader.bytes()
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
                field: `${prefix}.scheme`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.salt`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sealedMetadata`,
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

  export interface EncryptionSchemeFieldEvent {
    field: '$.scheme'
    value: number
  }

  export interface EncryptionSaltFieldEvent {
    field: '$.salt'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EncryptionSealedMetadataFieldEvent {
    field: '$.sealedMetadata'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Encryption>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Encryption.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Encryption>): Encryption {
    return decodeMessage(buf, Encryption.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Encryption>): Generator<EncryptionSchemeFieldEvent | EncryptionSaltFieldEvent | EncryptionSealedMetadataFieldEvent> {
    return streamMessage(buf, Encryption.codec(), opts)
  }
}

export interface SealedMetadata {
  name: string
  mimeType: string
  size: bigint
  sha256: Uint8Array<ArrayBuffer>
}

export namespace SealedMetadata {
  let _codec: Codec<SealedMetadata>

  export const codec = (): Codec<SealedMetadata> => {
    if (_codec == null) {
      _codec = message<SealedMetadata>((obj, w, opts = {}) => {
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

        if ((obj.size != null && obj.size !== 0n)) {
          w.uint32(24)
          w.uint64(obj.size)
        }

        if ((obj.sha256 != null && obj.sha256.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.sha256)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: '',
          mimeType: '',
          size: 0n,
          sha256: uint8ArrayAlloc(0)
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
              obj.size = reader.uint64()
              break
            }
            case 4: {
              obj.sha256 = reader.bytes()
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
                field: `${prefix}.size`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.sha256`,
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

  export interface SealedMetadataNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface SealedMetadataMimeTypeFieldEvent {
    field: '$.mimeType'
    value: string
  }

  export interface SealedMetadataSizeFieldEvent {
    field: '$.size'
    value: bigint
  }

  export interface SealedMetadataSha256FieldEvent {
    field: '$.sha256'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SealedMetadata>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SealedMetadata.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedMetadata>): SealedMetadata {
    return decodeMessage(buf, SealedMetadata.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedMetadata>): Generator<SealedMetadataNameFieldEvent | SealedMetadataMimeTypeFieldEvent | SealedMetadataSizeFieldEvent | SealedMetadataSha256FieldEvent> {
    return streamMessage(buf, SealedMetadata.codec(), opts)
  }
}
