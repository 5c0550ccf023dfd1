"""Exactly the five GAMUT_* values (or, for an agent registered with a public key, its private key and key id instead of
the secret); anything that looks like provider configuration is refused."""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

from .detector import secret_kinds_in, sensitive_member_kind
from .errors import GamutConfigurationError
from .keys import AgentKey

ENV_NAMES = {
    "base_url": "GAMUT_BASE_URL",
    "tenant": "GAMUT_TENANT_SLUG",
    "workspace": "GAMUT_WORKSPACE_ID",
    "agent_id": "GAMUT_AGENT_ID",
    "secret": "GAMUT_BYO_AGENT_SECRET",
}

# An agent registered with a public key: its private key (PEM or base64 PKCS#8) and key id, instead of the secret.
KEY_ENV_NAMES = {
    "private_key": "GAMUT_AGENT_PRIVATE_KEY",
    "key_id": "GAMUT_AGENT_KEY_ID",
}

#: ``true`` lets a plain-http base URL name a host other than loopback (the option ``allow_insecure_http``).
INSECURE_HTTP_ENV_NAME = "GAMUT_ALLOW_INSECURE_HTTP"

_PROVIDER_HOSTS = re.compile(
    r"(^|\.)(openai\.com|openai\.azure\.com|anthropic\.com|googleapis\.com|mistral\.ai|groq\.com|cohere\.(ai|com)"
    r"|together\.xyz|openrouter\.ai|amazonaws\.com|huggingface\.co)$", re.IGNORECASE)


@dataclass(frozen=True)
class GamutConfig:
    """The five values of the agent protocol (the secret is never shown in ``repr``); for an agent registered with a
    public key, ``agent_key`` and ``key_id`` instead of ``secret``. ``allow_insecure_http``: a plain-http base URL may
    name a host other than loopback."""

    base_url: str
    tenant: str
    workspace: str
    agent_id: str
    secret: str | None
    agent_key: AgentKey | None = None
    key_id: str | None = None
    allow_insecure_http: bool = False

    def __repr__(self) -> str:
        return f"GamutConfig(base_url={self.base_url!r}, tenant={self.tenant!r}, workspace={self.workspace!r}, agent_id={self.agent_id!r})"

    @classmethod
    def create(cls, *, gateway_issued_secret: bool = False, **values: object) -> "GamutConfig":
        """The checked values. ``gateway_issued_secret``: the secret was minted by the gateway (a delegated child's), so
        it is not checked for a provider key's shape."""
        key_pair = values.get("private_key") is not None or values.get("key_id") is not None
        if key_pair and values.get("secret") is not None:
            raise GamutConfigurationError(f"An agent signs with {ENV_NAMES['secret']} or with {KEY_ENV_NAMES['private_key']} and "
                                          f"{KEY_ENV_NAMES['key_id']}, never both.")
        allow_insecure_http = values.get("allow_insecure_http", False)
        if not isinstance(allow_insecure_http, bool):
            raise GamutConfigurationError("allow_insecure_http must be True or False.")
        checked: dict[str, object] = {"secret": None, "allow_insecure_http": allow_insecure_http}
        for name, env_name in ENV_NAMES.items():
            if key_pair and name == "secret":
                continue
            value = values.get(name)
            if not isinstance(value, str) or not value.strip():
                raise GamutConfigurationError(f"{env_name} ({name}) is required.")
            checked[name] = value.strip()
        checked["base_url"] = _check_base_url(checked["base_url"], allow_insecure_http)
        if key_pair:
            key_id = values.get("key_id")
            if not isinstance(key_id, str) or not re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", key_id.strip()):
                raise GamutConfigurationError(f"{KEY_ENV_NAMES['key_id']} (key_id) is required: the key_id the agent's public key is registered under.")
            if values.get("private_key") in (None, ""):
                raise GamutConfigurationError(f"{KEY_ENV_NAMES['private_key']} (private_key) is required with a key id.")
            return cls(**checked, agent_key=_agent_key(values["private_key"]), key_id=key_id.strip())
        if not gateway_issued_secret and secret_kinds_in(checked["secret"]):
            raise GamutConfigurationError(f"{ENV_NAMES['secret']} looks like a provider key or token; it must be the agent's Gamut runtime secret.")
        return cls(**checked)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, allow_insecure_http: bool = False) -> "GamutConfig":
        """The five values (the key pair instead of the secret, when set) and GAMUT_ALLOW_INSECURE_HTTP (``true`` or
        ``false``; ``allow_insecure_http=True`` allows it as well); another GAMUT_* variable naming a provider setting
        or credential is refused."""
        env = os.environ if env is None else env
        for name in env:
            if not name.startswith("GAMUT_") or name == INSECURE_HTTP_ENV_NAME or name in ENV_NAMES.values() or name in KEY_ENV_NAMES.values():
                continue
            if sensitive_member_kind(name[len("GAMUT_"):]) or re.search(r"(_API_KEY|_BASE_URL|_ENDPOINT|_TOKEN)$", name):
                raise GamutConfigurationError(f"{name} is provider configuration or a credential: an agent receives only the five GAMUT_* values.")
        insecure = (env.get(INSECURE_HTTP_ENV_NAME) or "").strip().lower()
        if insecure not in ("", "true", "false"):
            raise GamutConfigurationError(f"{INSECURE_HTTP_ENV_NAME} must be true or false.")
        if not isinstance(allow_insecure_http, bool):
            raise GamutConfigurationError("allow_insecure_http must be True or False.")
        return cls.create(**{name: env.get(env_name) for name, env_name in {**ENV_NAMES, **KEY_ENV_NAMES}.items()},
                          allow_insecure_http=allow_insecure_http or insecure == "true")


def _agent_key(private_key: object) -> AgentKey:
    return private_key if isinstance(private_key, AgentKey) else AgentKey(private_key)


def refuse_unknown_options(options: Mapping[str, object], what: str) -> None:
    """Refuses any option beyond the five values, naming provider configuration as such."""
    for name in options:
        if sensitive_member_kind(name):
            raise GamutConfigurationError(f"{what}: '{name}' is provider configuration or a credential; the gateway holds provider keys and endpoints.")
        raise GamutConfigurationError(f"{what}: unknown option '{name}'; an agent is configured with exactly the five GAMUT_* values.")


def is_loopback_host(host: str) -> bool:
    """Loopback: ``localhost``, 127.0.0.0/8 and ::1 (``host`` as ``urlsplit(...).hostname`` gives it)."""
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address in ipaddress.ip_network("127.0.0.0/8") if address.version == 4 else address == ipaddress.IPv6Address("::1")


def is_insecure_http(scheme: str, host: str, allowed: bool) -> bool:
    """Plain http to a host other than loopback, not allowed: what is sent would cross the network in clear."""
    return scheme == "http" and not allowed and not is_loopback_host(host)


def _check_base_url(text: str, allow_insecure_http: bool = False) -> str:
    url = urlsplit(text)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise GamutConfigurationError(f"{ENV_NAMES['base_url']} must be an http or https URL.")
    if url.username or url.password or url.query or url.fragment:
        raise GamutConfigurationError(f"{ENV_NAMES['base_url']} must be the gateway's base URL, without credentials, query or fragment.")
    path = url.path.rstrip("/")
    if _PROVIDER_HOSTS.search(url.hostname) or re.search(r"/providers(/|$)", path) or re.search(r"/v\d+$", path):
        raise GamutConfigurationError(f"{ENV_NAMES['base_url']} looks like a provider or model endpoint; it must be the gateway's one base URL.")
    if path:
        raise GamutConfigurationError(f"{ENV_NAMES['base_url']} must be the gateway's origin (scheme, host, port) without a path: the gateway serves at its root, and a request is signed for the path the gateway reads.")
    if is_insecure_http(url.scheme, url.hostname, allow_insecure_http):
        raise GamutConfigurationError(
            f"{ENV_NAMES['base_url']} is plain http:// to {url.hostname}, a host other than loopback: signed requests, a person's identity "
            f"token and the gateway's answers would cross the network in clear. Use https://, or set allow_insecure_http=True "
            f"({INSECURE_HTTP_ENV_NAME}=true) only where that network is trusted (e.g. pod traffic encrypted by the CNI, or a service mesh with mTLS).")
    return _origin(url)


def _origin(url) -> str:
    """The URL's origin as Node's ``url.origin`` and .NET's ``GetLeftPart(Authority)`` write it, so an RFC 9421 ``@target-uri``
    is the same in the three SDKs: scheme and host lowercased, the scheme's default port (443, 80) dropped."""
    try:
        port = url.port
    except ValueError as error:
        raise GamutConfigurationError(f"{ENV_NAMES['base_url']} must be an http or https URL.") from error
    host = url.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != {"https": 443, "http": 80}[url.scheme]:
        host = f"{host}:{port}"
    return f"{url.scheme}://{host}"
