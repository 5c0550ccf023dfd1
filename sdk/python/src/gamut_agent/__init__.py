"""gamut_agent: the agent's side of the Gamut agent protocol (standard library only)."""

from .a2a import A2A_WARRANT_METADATA_KEY, APPROVAL_METADATA_KEY, SKILL_METADATA_KEY
from .agent_card import CARD_SIGNATURE_TYPE, card_payload, verify_agent_card
from .client import Decision, DelegatedPermission, Delegation, GamutClient, WaitForApproval
from .config import ENV_NAMES, INSECURE_HTTP_ENV_NAME, KEY_ENV_NAMES, GamutConfig
from .decision_tokens import (
    DecisionTokenCheck, DecisionTokenClaims, DecisionTokenStatus, DecisionTokenVerifier, GatewayDecisionTokenVerifier,
    OfflineVerification, gateway_key,
)
from .detector import find_secret_material
from .errors import (
    GamutA2aError, GamutApprovalDeniedError, GamutCardSignatureError, GamutApprovalExpiredError, GamutApprovalRequiredError, GamutApprovalTimeoutError,
    GamutAuthenticationError, GamutConfigurationError, GamutDeniedError, GamutError, GamutHttpError,
    GamutIdentityMismatchError, GamutNotInvokedError, GamutProtocolError, GamutRateLimitedError, GamutRunCancelledError,
    GamutRunEndedError, GamutSecretMaterialError, GamutTimeoutError, GamutUpstreamError,
)
from .keys import AgentKey
from .runs import RUN_EVENTS, RUN_ID, GamutRun
from .signing import (
    MESSAGE_SIGNATURE_COMPONENTS, PERSON_COMPONENT, PERSON_HEADER, RUN_COMPONENT, RUN_HEADER, body_sha256, canonical_string, content_digest, fresh_nonce, message_signature_headers, sign,
    signature_base, signature_headers, signature_params,
)
from .receipts import CHECKPOINT_TYPE, RECEIPT_BATCH_TYPE, RECEIPT_TYPE, ReceiptError, verify_evidence_token, verify_jws_parts, verify_receipt
from .tools import explain_refusal, governed_run, governed_tool, is_refusal, tool_callable

__all__ = [
    "A2A_WARRANT_METADATA_KEY", "APPROVAL_METADATA_KEY", "GamutA2aError", "SKILL_METADATA_KEY",
    "AgentKey", "KEY_ENV_NAMES", "MESSAGE_SIGNATURE_COMPONENTS", "PERSON_COMPONENT", "content_digest", "message_signature_headers",
    "signature_base", "signature_params", "GamutRun", "GamutRunCancelledError", "GamutRunEndedError", "RUN_COMPONENT", "RUN_EVENTS",
    "RUN_HEADER", "RUN_ID", "governed_run",
    "Decision", "DecisionTokenCheck", "DelegatedPermission", "Delegation", "DecisionTokenClaims", "DecisionTokenStatus", "DecisionTokenVerifier",
    "ENV_NAMES", "INSECURE_HTTP_ENV_NAME", "PERSON_HEADER", "GamutApprovalDeniedError", "GamutApprovalExpiredError", "GamutApprovalRequiredError",
    "GamutApprovalTimeoutError", "GamutAuthenticationError", "GamutClient", "GamutConfig", "GamutConfigurationError",
    "GamutDeniedError", "GamutError", "GamutHttpError", "GamutIdentityMismatchError", "GamutNotInvokedError",
    "GamutProtocolError", "GamutRateLimitedError", "GamutSecretMaterialError", "GamutTimeoutError",
    "GamutUpstreamError", "GatewayDecisionTokenVerifier", "OfflineVerification", "WaitForApproval", "body_sha256",
    "canonical_string", "explain_refusal", "find_secret_material", "fresh_nonce", "gateway_key", "governed_tool",
    "is_refusal", "sign", "signature_headers", "tool_callable",
    "CHECKPOINT_TYPE", "RECEIPT_BATCH_TYPE", "RECEIPT_TYPE", "ReceiptError", "verify_evidence_token", "verify_jws_parts", "verify_receipt",
    "CARD_SIGNATURE_TYPE", "GamutCardSignatureError", "card_payload", "verify_agent_card",
]
__version__ = "0.1.0"
