"""Exactly the five GAMUT_* values; anything that looks like provider configuration is refused."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

from .detector import secret_kinds_in, sensitive_member_kind
from .errors import GamutConfigurationError

ENV_NAMES = {
    "base_url": "GAMUT_BASE_URL",
    "tenant": "GAMUT_TENANT_SLUG",
    "workspace": "GAMUT_WORKSPACE_ID",
    "agent_id": "GAMUT_AGENT_ID",
    "secret": "GAMUT_BYO_AGENT_SECRET",
}

_PROVIDER_HOSTS = re.compile(
    r"(^|\.)(openai\.com|openai\.azure\.com|anthropic\.com|googleapis\.com|mistral\.ai|groq\.com|cohere\.(ai|com)"
    r"|together\.xyz|openrouter\.ai|amazonaws\.com|huggingface\.co)$", re.IGNORECASE)


@dataclass(frozen=True)
class GamutConfig:
    """The five values of the agent protocol (the secret is never shown in ``repr``)."""

    base_url: str
    tenant: str
    workspace: str
    agent_id: str
    secret: str

    def __repr__(self) -> str:
        return f"GamutConfig(base_url={self.base_url!r}, tenant={self.tenant!r}, workspace={self.workspace!r}, agent_id={self.agent_id!r})"

    @classmethod
    def create(cls, **values: str | None) -> "GamutConfig":
        checked = {}
        for name, env_name in ENV_NAMES.items():
            value = values.get(name)
            if not isinstance(value, str) or not value.strip():
                raise GamutConfigurationError(f"{env_name} ({name}) is required.")
            checked[name] = value.strip()
        checked["base_url"] = _check_base_url(checked["base_url"])
        if secret_kinds_in(checked["secret"]):
            raise GamutConfigurationError(f"{ENV_NAMES['secret']} looks like a provider key or token; it must be the agent's Gamut runtime secret.")
        return cls(**checked)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "GamutConfig":
        env = os.environ if env is None else env
        for name in env:
            if not name.startswith("GAMUT_") or name in ENV_NAMES.values():
                continue
            if sensitive_member_kind(name[len("GAMUT_"):]) or re.search(r"(_API_KEY|_BASE_URL|_ENDPOINT|_TOKEN)$", name):
                raise GamutConfigurationError(f"{name} is provider configuration or a credential: an agent receives only the five GAMUT_* values.")
        return cls.create(**{name: env.get(env_name) for name, env_name in ENV_NAMES.items()})


def refuse_unknown_options(options: Mapping[str, object], what: str) -> None:
    """Refuses any option beyond the five values, naming provider configuration as such."""
    for name in options:
        if sensitive_member_kind(name):
            raise GamutConfigurationError(f"{what}: '{name}' is provider configuration or a credential; the gateway holds provider keys and endpoints.")
        raise GamutConfigurationError(f"{what}: unknown option '{name}'; an agent is configured with exactly the five GAMUT_* values.")


def _check_base_url(text: str) -> str:
    url = urlsplit(text)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise GamutConfigurationError(f"{ENV_NAMES['base_url']} must be an http or https URL.")
    if url.username or url.password or url.query or url.fragment:
        raise GamutConfigurationError(f"{ENV_NAMES['base_url']} must be the gateway's base URL, without credentials, query or fragment.")
    path = url.path.rstrip("/")
    if _PROVIDER_HOSTS.search(url.hostname) or re.search(r"/providers(/|$)", path) or re.search(r"/v\d+$", path):
        raise GamutConfigurationError(f"{ENV_NAMES['base_url']} looks like a provider or model endpoint; it must be the gateway's one base URL.")
    return f"{url.scheme}://{url.netloc}{path}"
