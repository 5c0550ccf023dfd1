namespace Gateway.Connectors;

/// <summary>
/// What the host decided about the current proxied request, set on <c>HttpContext.Features</c> before
/// YARP forwards it. The connector transforms read it: tenant (vault scope), connector, decision token,
/// degrade form. It never holds a credential.
/// </summary>
public sealed class ConnectorRequestFeature
{
    /// <summary>The tenant slug.</summary>
    public required string Tenant { get; init; }

    /// <summary>The connector being proxied to (else the transform's configured name is looked up in <see cref="IConnectorCatalog"/>).</summary>
    public ConnectorDefinition? Connector { get; init; }

    /// <summary>The signed decision token, forwarded as <c>X-Gamut-Decision-Token</c>.</summary>
    public string? DecisionToken { get; init; }

    /// <summary>The degrade form the decision imposes.</summary>
    public DegradeMode DegradeMode { get; init; } = DegradeMode.None;

    /// <summary>Redact the response even when not degraded.</summary>
    public bool RedactResponse { get; init; }

    /// <summary>Filled in by the response redaction transform: what was redacted (for the audit record).</summary>
    public Redaction.RedactionCounts Redactions { get; } = new();

    /// <summary>True when the response is to be redacted.</summary>
    public bool ShouldRedact => RedactResponse || DegradeMode == DegradeMode.Redact;
}
