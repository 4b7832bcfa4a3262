/** DKIM for outbound mail: keys, DNS records and signing (RFC 6376, RFC 8463). */
export { generateDkimKey, dkimTxtRecord, type DkimAlgorithm, type DkimKey } from './keys.ts';
export {
  signDkim, signDkimMany, DEFAULT_SIGNED_HEADERS, DEFAULT_OVERSIGNED_HEADERS, type DkimSignOptions,
} from './sign.ts';
