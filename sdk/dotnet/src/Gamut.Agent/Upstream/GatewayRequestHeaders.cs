namespace Gamut.Agent.Upstream;

/// <summary>The headers the gateway sets on a request it forwards to an upstream service.</summary>
public static class GatewayRequestHeaders
{
    /// <summary>The decision token of the allowed action (verify it with <see cref="DecisionTokenVerifier"/>).</summary>
    public const string DecisionToken = "X-Gamut-Decision-Token";

    /// <summary>The agent on whose behalf the gateway calls: attribution only, not a credential.</summary>
    public const string AgentId = "X-Gamut-Agent-Id";

    /// <summary>Set to <c>true</c> when the decision degraded the call to a dry run: the upstream must not commit.</summary>
    public const string DryRun = "X-Gamut-Dry-Run";

    /// <summary>The tenant line of a webhook's signature (verify it with <see cref="WebhookSignatureVerifier"/>).</summary>
    public const string Tenant = "X-Gamut-Tenant";

    /// <summary>The workspace line of a webhook's signature.</summary>
    public const string Workspace = "X-Gamut-Workspace";

    /// <summary>The agent line of a webhook's signature: <see cref="GatewayAgent"/>.</summary>
    public const string Agent = "X-Gamut-Agent";

    /// <summary>Unix seconds when the gateway signed the webhook call.</summary>
    public const string Timestamp = "X-Gamut-Timestamp";

    /// <summary>The webhook call's single-use nonce.</summary>
    public const string Nonce = "X-Gamut-Nonce";

    /// <summary><c>v1=</c> and the lowercase hex HMAC-SHA256 of the canonical string under the gateway's service key.</summary>
    public const string Signature = "X-Gamut-Signature";

    /// <summary>The agent line the gateway signs its own calls with.</summary>
    public const string GatewayAgent = "gateway";
}
