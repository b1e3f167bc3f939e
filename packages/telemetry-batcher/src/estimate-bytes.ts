import type { Span } from './span.js';

// Fixed cost of a span's numbers, booleans and JSON punctuation.
const SPAN_OVERHEAD_BYTES = 96;
const ATTRIBUTE_OVERHEAD_BYTES = 8;

/**
 * A cheap upper-ish estimate of a span's size, without serialising it: string lengths plus a
 * fixed overhead per span and per attribute. Lets `add()` bound the queue by bytes in O(1) for
 * spans with a handful of attributes.
 */
export function estimateSpanBytes(span: Span): number {
  let bytes = SPAN_OVERHEAD_BYTES;
  if (typeof span.name === 'string') bytes += span.name.length;
  if (typeof span.errorCode === 'string') bytes += span.errorCode.length;
  if (typeof span.errorMessage === 'string') bytes += span.errorMessage.length;
  const attributes = span.attributes;
  if (attributes !== undefined) {
    for (const key in attributes) {
      const value = attributes[key];
      bytes +=
        key.length + ATTRIBUTE_OVERHEAD_BYTES + (typeof value === 'string' ? value.length : 8);
    }
  }
  return bytes;
}
