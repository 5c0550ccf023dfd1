using Gateway.Connectors.Credentials;

namespace Gateway.Proxy.People.Links;

/// <summary>The gateway as a client of an upstream authorization server: its id, and its secret for a confidential client.</summary>
internal sealed record UpstreamClient(string ClientId, SecretValue? Secret)
{
    /// <summary>Never the secret.</summary>
    public override string ToString() => $"UpstreamClient {{ ClientId = {ClientId} }}";
}
