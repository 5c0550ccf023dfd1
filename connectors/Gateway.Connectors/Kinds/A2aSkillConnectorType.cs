using System.Text.Json;
using Gateway.Connectors.Envelopes;
using Gateway.Policy;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// <c>a2a_skill</c>: one skill of a remote agent (the entry's <c>connector</c>, an <c>a2a</c> entry), so that permissions
/// scope a remote agent's skills one by one. It has no upstream of its own: a governed message is the A2A JSON-RPC request
/// the calling agent sent (its <c>params</c> carried as the arguments' <c>a2a</c> member, its method as
/// <c>a2a_method</c>), POSTed to the agent under a fresh id; its result is the reply's <c>result</c> (or <c>error</c>).
/// </summary>
public sealed class A2aSkillConnectorType : ConnectorType
{
    /// <summary>The arguments' member holding the JSON-RPC <c>params</c> sent on.</summary>
    public const string ParamsMember = "a2a";

    /// <summary>The arguments' member holding the JSON-RPC method sent on.</summary>
    public const string MethodMember = "a2a_method";

    internal A2aSkillConnectorType()
        : base(ConnectorKind.A2aSkill)
    {
    }

    /// <inheritdoc/>
    public override bool ResultIsJsonRpcReply => true;

    /// <inheritdoc/>
    public override bool HasOwnUpstream => false;

    /// <inheritdoc/>
    public override ErrorFormat ErrorFormat => ErrorFormat.JsonRpc;

    /// <summary>Always: only <c>/a2a/{connector}</c> reads a message's task, context and webhooks before it is sent.</summary>
    public override string? NotInvocableReason(CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return $"'{entry.Name}' is a skill of remote agent '{entry.Connector}'; send it a message on /a2a/{entry.Connector}.";
    }

    /// <summary>The remote agent's name (the entry's <c>connector</c>).</summary>
    public override string? ForwardedConnectorName(CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Connector;
    }

    /// <summary>The remote agent, when it is in the catalog as an <c>a2a</c> entry with an upstream.</summary>
    public override CatalogEntry? ForwardedEntry(TenantPolicy tenant, CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Connector is { } agent && tenant.TryGetCatalogEntry(agent, out var found) && found is { Kind: ConnectorKind.A2a, Upstream: not null } ? found : null;
    }

    /// <summary>None: a skill is reached on its agent's <c>/a2a/{connector}</c> route.</summary>
    private protected override ProviderOperation? OperationFor(TenantPolicy tenant, CatalogEntry connector, string method, IReadOnlyList<string> segments) => null;

    /// <summary>
    /// The JSON-RPC request of the message: <paramref name="args"/>' <c>a2a_method</c> with its <c>a2a</c> params, under
    /// a fresh id (<c>a2a-1</c>, …); read_only refuses unless the skill's action type reads.
    /// </summary>
    private protected override UpstreamEnvelope EnvelopeFor(CatalogEntry entry, JsonElement args, DegradeSpec? degrade)
    {
        RefuseWriteUnderReadOnly(entry, degrade?.Mode);
        return A2aEnvelope.Build(entry, args);
    }
}
