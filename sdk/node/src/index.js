// @gamut/agent-sdk: the agent's side of the Gamut agent protocol.
export { GamutClient } from './client.js';
export { ENV_NAMES } from './config.js';
export { findSecretMaterial } from './detector.js';
export { explainRefusal, isRefusal } from './refusal.js';
export { PERSON_HEADER, bodySha256, canonicalString, freshNonce, sign, signatureHeaders } from './signing.js';
export * from './errors.js';
export { DecisionTokenStatus, DecisionTokenVerifier, GatewayDecisionTokenVerifier, gatewayKey } from './decision-tokens.js';
