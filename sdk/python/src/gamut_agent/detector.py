"""Client-side refusal of secret material, with the gateway's rules
(connectors/Gateway.Connectors/Detection/SecretMaterialDetector.cs and Redaction/SensitivePatterns.cs):
members named like credentials or provider settings, and strings shaped like bearer tokens, JWTs,
provider API keys or PEM private keys. tests/vectors/agent-protocol.json keeps the four copies equal."""

from __future__ import annotations

import re
from typing import Any

CREDENTIAL_MEMBERS = frozenset({
    "apikey", "xapikey", "apisecret", "apitoken", "authorization", "proxyauthorization", "authtoken", "accesstoken",
    "refreshtoken", "idtoken", "bearertoken", "sessiontoken", "secret", "clientsecret", "secretkey", "secretaccesskey",
    "awssecretaccesskey", "awssessiontoken", "password", "passwd", "privatekey", "openaiapikey", "anthropicapikey",
    "xgamutsignature", "byoagentsecret", "gamutbyoagentsecret", "cookie",
})

PROVIDER_MEMBERS = frozenset({
    "baseurl", "apibase", "apibaseurl", "openaibaseurl", "openaiapibase", "anthropicbaseurl", "azureendpoint",
    "apiversion", "organization", "openaiorganization",
})

MAX_FINDINGS = 32

# The gateway's one pattern, alternative for alternative (e-mail and card numbers match but are not secret material).
_SENSITIVE = re.compile(
    r"(?P<private_key>-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----(?:[A-Za-z0-9+/=\s\\:,.-]{0,16384}?-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----|[A-Za-z0-9+/=\s\\:,.-]*))"
    r"|(?P<bearer_token>(?:(?<=\\[nrt])|(?<![A-Za-z0-9_\\]))[Bb][Ee][Aa][Rr][Ee][Rr][ \t]+(?=[A-Za-z0-9._~+/-]*[0-9._~+/-])[A-Za-z0-9._~+/-]{12,}=*)"
    r"|(?P<jwt>(?:(?<=\\[nrt])|(?<![A-Za-z0-9+/_\\-]))eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*)?)"
    r"|(?P<api_key>(?:(?<=\\[nrt])|(?<![A-Za-z0-9+/_\\-]))(?:"
    r"sk-ant-[A-Za-z0-9_-]{20,}"
    r"|sk-(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{20,}"
    r"|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])"
    r"|gh[pousr]_[A-Za-z0-9]{36,}"
    r"|github_pat_[A-Za-z0-9_]{22,}"
    r"|xox[abeprs]-[A-Za-z0-9-]{10,}"
    r"|AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"
    r"|glpat-[A-Za-z0-9_-]{20,}"
    r"|hf_[A-Za-z0-9]{30,}"
    r"))"
    r"|(?P<email>(?:(?<=\\[nrt])|(?<![A-Za-z0-9._%+\\-]))[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,4}[A-Za-z]{2,24}(?![A-Za-z0-9-]))"
    r"|(?P<card_number>(?:(?<=\\[nrt])|(?<![A-Za-z0-9_\\.-]))(?:[2-6](?:[ -]?[0-9]){12,18}|[2-6](?:(?:(?<=[0-9]{3})(?<![0-9]{7})(?:[ \t.\u00A0\u2000-\u200A\u202F\u205F\u3000\u2010-\u2015\u2212-]|\\t){1,8}(?=[0-9]{3,6}(?![0-9])))?[0-9]){12,18})(?![0-9A-Za-z_]|[.-][0-9]))",
    re.ASCII,
)

_SECRET_KINDS = ("bearer_token", "jwt", "api_key", "private_key")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)


def _normalize(name: str) -> str:
    normalized = re.sub(r"[_\-. ]", "", name).lower()
    return "" if len(normalized) > 64 else normalized


def sensitive_member_kind(name: str) -> str | None:
    """``credential_member``, ``provider_configuration`` or None for a member name."""
    normalized = _normalize(name)
    if normalized in CREDENTIAL_MEMBERS:
        return "credential_member"
    if normalized in PROVIDER_MEMBERS:
        return "provider_configuration"
    return None


def secret_kinds_in(text: str) -> list[str]:
    """The kinds of secret material in one string, in order of appearance (no duplicates)."""
    kinds: list[str] = []
    if not isinstance(text, str) or len(text.encode("utf-16-le")) // 2 < 12:
        return kinds
    for match in _SENSITIVE.finditer(text):
        kind = next((k for k in _SECRET_KINDS if match.group(k) is not None), None)
        if kind and kind not in kinds:
            kinds.append(kind)
    return kinds


def _child_path(path: str, name: str) -> str:
    if _IDENTIFIER.fullmatch(name):
        return f"{path}.{name}"
    escaped = name.replace("\\", "\\\\").replace("'", "\\'")
    return f"{path}['{escaped}']"


def _has_value(value: Any) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return len(value.strip()) > 0
    return True


def find_secret_material(value: Any) -> list[dict[str, str]]:
    """Findings ``{"path", "kind"}`` (a JSONPath and a kind, never the value) in a JSON-shaped value, at most 32."""
    findings: list[dict[str, str]] = []
    _walk(value, "$", findings)
    return findings


def _walk(value: Any, path: str, findings: list[dict[str, str]]) -> None:
    if len(findings) >= MAX_FINDINGS:
        return
    if isinstance(value, dict):
        for name, child in value.items():
            name = str(name)
            member = _child_path(path, name)
            kind = sensitive_member_kind(name)
            if kind and _has_value(child):
                findings.append({"path": member, "kind": kind})
            _walk(child, member, findings)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]", findings)
    elif isinstance(value, str):
        for kind in secret_kinds_in(value):
            if len(findings) >= MAX_FINDINGS:
                break
            finding = {"path": path, "kind": kind}
            if finding not in findings:
                findings.append(finding)
