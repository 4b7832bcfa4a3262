export { LOOP_DEFAULTS, loopPolicy, quarantineDurationMs, type LoopDetector, type LoopHit, type LoopPolicy, type LoopStrikes, type StrikeResult } from './loop-detector.ts';
export { VOLATILE_FIELDS, fingerprint, type FingerprintParts } from './fingerprint.ts';
