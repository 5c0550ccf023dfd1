// @gamut/agent-sdk: the agent's side of the Gamut agent protocol.
export { GamutClient } from './client.js';
export { ENV_NAMES, INSECURE_HTTP_ENV_NAME, KEY_ENV_NAMES } from './config.js';
export { findSecretMaterial } from './detector.js';
export { explainRefusal, isRefusal } from './refusal.js';
export { GamutRun, RUN_EVENTS, RUN_ID } from './runs.js';
export {
  MESSAGE_SIGNATURE_COMPONENTS, PERSON_COMPONENT, PERSON_HEADER, RUN_COMPONENT, RUN_HEADER, agentPrivateKey, bodySha256, canonicalString, contentDigest, freshNonce, messageSignatureHeaders,
  sign, signMessage, signatureBase, signatureHeaders, signatureParams,
} from './signing.js';
export * from './errors.js';
export { RECEIPT_BATCH_TYPE, RECEIPT_TYPE, ReceiptError, verifyEvidenceToken, verifyJwsParts, verifyReceipt } from './receipts.js';
export { DecisionTokenStatus, DecisionTokenVerifier, GatewayDecisionTokenVerifier, gatewayKey } from './decision-tokens.js';
export { CARD_SIGNATURE_TYPE, cardPayload, verifyAgentCard } from './agent-card.js';
export { A2A_WARRANT_METADATA_KEY, APPROVAL_METADATA_KEY, SKILL_METADATA_KEY } from './a2a.js';
