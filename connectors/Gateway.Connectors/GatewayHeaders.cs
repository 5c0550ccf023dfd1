namespace Gateway.Connectors;

/// <summary>Headers the connectors set or strip.</summary>
public static class GatewayHeaders
{
    /// <summary>Tells an upstream not to commit (dry_run degrade).</summary>
    public const string DryRun = "X-Gamut-Dry-Run";

    /// <summary>The gateway's request id, sent upstream.</summary>
    public const string RequestId = "X-Request-Id";

    /// <summary>The agent on whose behalf the gateway calls (attribution only; not a credential).</summary>
    public const string AgentId = "X-Gamut-Agent-Id";

    /// <summary>Prefix of the agent protocol's headers; everything an agent sends under it is stripped.</summary>
    public const string GamutPrefix = "X-Gamut-";

    /// <summary>Request headers that carry credentials and are never forwarded from an agent.</summary>
    public static IReadOnlyList<string> CredentialHeaders => CredentialHeaderNames;

    // An array, so that checking a name enumerates it without an enumerator object.
    private static readonly string[] CredentialHeaderNames =
        ["Authorization", "Proxy-Authorization", "Cookie", "x-api-key", "api-key", "x-goog-api-key", "anthropic-api-key", "openai-api-key", "X-Amz-Security-Token"];

    /// <summary>True for a header an agent may not pass upstream: a credential header, any <c>X-Gamut-*</c>, any <c>*api-key*</c>/<c>*apikey*</c>.</summary>
    public static bool IsCredentialLike(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var header in CredentialHeaderNames)
        {
            if (name.Equals(header, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return name.StartsWith(GamutPrefix, StringComparison.OrdinalIgnoreCase)
            || name.Contains("api-key", StringComparison.OrdinalIgnoreCase)
            || name.Contains("apikey", StringComparison.OrdinalIgnoreCase)
            || name.Contains("api_key", StringComparison.OrdinalIgnoreCase);
    }
}
