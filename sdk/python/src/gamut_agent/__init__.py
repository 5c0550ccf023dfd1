"""gamut_agent: the agent's side of the Gamut agent protocol (standard library only)."""

from .client import Decision, GamutClient, WaitForApproval
from .config import ENV_NAMES, GamutConfig
from .decision_tokens import (
    DecisionTokenCheck, DecisionTokenClaims, DecisionTokenStatus, DecisionTokenVerifier, GatewayDecisionTokenVerifier,
    OfflineVerification, gateway_key,
)
from .detector import find_secret_material
from .errors import (
    GamutApprovalDeniedError, GamutApprovalExpiredError, GamutApprovalRequiredError, GamutApprovalTimeoutError,
    GamutAuthenticationError, GamutConfigurationError, GamutDeniedError, GamutError, GamutHttpError,
    GamutIdentityMismatchError, GamutNotInvokedError, GamutProtocolError, GamutRateLimitedError,
    GamutSecretMaterialError, GamutTimeoutError, GamutUpstreamError,
)
from .signing import PERSON_HEADER, body_sha256, canonical_string, fresh_nonce, sign, signature_headers
from .tools import explain_refusal, governed_tool, is_refusal, tool_callable

__all__ = [
    "Decision", "DecisionTokenCheck", "DecisionTokenClaims", "DecisionTokenStatus", "DecisionTokenVerifier",
    "ENV_NAMES", "PERSON_HEADER", "GamutApprovalDeniedError", "GamutApprovalExpiredError", "GamutApprovalRequiredError",
    "GamutApprovalTimeoutError", "GamutAuthenticationError", "GamutClient", "GamutConfig", "GamutConfigurationError",
    "GamutDeniedError", "GamutError", "GamutHttpError", "GamutIdentityMismatchError", "GamutNotInvokedError",
    "GamutProtocolError", "GamutRateLimitedError", "GamutSecretMaterialError", "GamutTimeoutError",
    "GamutUpstreamError", "GatewayDecisionTokenVerifier", "OfflineVerification", "WaitForApproval", "body_sha256",
    "canonical_string", "explain_refusal", "find_secret_material", "fresh_nonce", "gateway_key", "governed_tool",
    "is_refusal", "sign", "signature_headers", "tool_callable",
]
__version__ = "0.1.0"
