import { Packr } from 'msgpackr';

/**
 * One stored value: `[kind u8][expiresAt f64 LE, 0 = never][payload]`. Strings (what Keyv hands
 * a store) and binary data skip MessagePack entirely; everything else goes through it, which
 * keeps Dates, Buffers and Uint8Arrays nested in objects intact.
 */
const KIND_STRING = 0;
const KIND_BUFFER = 1;
const KIND_UINT8ARRAY = 2;
const KIND_PACKED = 3;
const HEADER_BYTES = 9;

// structuredClone off: values were already checked to be plain data without cycles.
const packr = new Packr({ structuredClone: false, useRecords: false, moreTypes: false });

export interface DecodedRecord {
  value: unknown;
  /** Epoch ms after which the value is gone; 0 when it never expires. */
  expiresAt: number;
}

export function encodeRecord(value: unknown, expiresAt: number): Buffer {
  if (typeof value === 'string') {
    // Encoded straight into the record: one buffer, one copy.
    const record = Buffer.allocUnsafe(HEADER_BYTES + Buffer.byteLength(value, 'utf8'));
    record[0] = KIND_STRING;
    record.writeDoubleLE(expiresAt, 1);
    record.write(value, HEADER_BYTES, 'utf8');
    return record;
  }
  let kind: number;
  let payload: Uint8Array;
  if (Buffer.isBuffer(value)) {
    kind = KIND_BUFFER;
    payload = value;
  } else if (value instanceof Uint8Array) {
    kind = KIND_UINT8ARRAY;
    payload = value;
  } else {
    kind = KIND_PACKED;
    payload = packr.pack(value);
  }
  const record = Buffer.allocUnsafe(HEADER_BYTES + payload.byteLength);
  record[0] = kind;
  record.writeDoubleLE(expiresAt, 1);
  record.set(payload, HEADER_BYTES);
  return record;
}

/** Reads only the header, for expiry checks that do not need the value. */
export function recordExpiresAt(record: Uint8Array): number {
  return Buffer.from(record.buffer, record.byteOffset, record.byteLength).readDoubleLE(1);
}

/**
 * Decodes a record. `record` may be a buffer LMDB reuses on the next read, so every branch
 * copies the payload out before returning.
 */
export function decodeRecord(record: Uint8Array): DecodedRecord {
  const view = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  const expiresAt = view.readDoubleLE(1);
  const payload = view.subarray(HEADER_BYTES);
  switch (view[0]) {
    case KIND_STRING:
      return { value: payload.toString('utf8'), expiresAt };
    case KIND_BUFFER:
      return { value: Buffer.from(payload), expiresAt };
    case KIND_UINT8ARRAY:
      return { value: new Uint8Array(payload), expiresAt };
    case KIND_PACKED:
      return { value: packr.unpack(Buffer.from(payload)), expiresAt };
    default:
      throw new Error(
        `Unknown DiskStore record kind ${view[0]}; the directory was written by a newer version.`,
      );
  }
}
