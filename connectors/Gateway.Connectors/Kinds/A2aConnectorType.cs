using System.Text.Json;
using Gateway.Connectors.Envelopes;
using Gateway.Policy;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// <c>a2a</c>: a remote agent spoken to over A2A JSON-RPC (docs/a2a.md). Its upstream is the agent's JSON-RPC endpoint
/// (its card at <c>/.well-known/agent-card.json</c> below the upstream's origin); agents reach it on
/// <c>/a2a/{connector}</c>, each message decided as the <c>a2a_skill</c> entry of the skill it names. It has no
/// transparent operation and is not invoked itself; its answers are JSON-RPC replies and its refusals JSON-RPC errors.
/// </summary>
public sealed class A2aConnectorType : ConnectorType
{
    internal A2aConnectorType()
        : base(ConnectorKind.A2a)
    {
    }

    /// <inheritdoc/>
    public override bool ResultIsJsonRpcReply => true;

    /// <inheritdoc/>
    public override ErrorFormat ErrorFormat => ErrorFormat.JsonRpc;

    /// <inheritdoc/>
    public override string? NotInvocableReason(CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return $"'{entry.Name}' is a remote agent; send it a message on /a2a/{entry.Name} naming one of its skills (kind a2a_skill).";
    }

    /// <summary>None: a remote agent is reached on <c>/a2a/{connector}</c>, never through the transparent route.</summary>
    private protected override ProviderOperation? OperationFor(TenantPolicy tenant, CatalogEntry connector, string method, IReadOnlyList<string> segments) => null;

    /// <summary>
    /// A task operation (a read, a cancel, a subscription, a listing or a push-notification configuration, decided on the
    /// agent's entry): the A2A request the agent sent, under a fresh id; read_only refuses a cancel and a configuration
    /// set or deleted. A message is its skill's envelope, never this one's.
    /// </summary>
    private protected override UpstreamEnvelope EnvelopeFor(CatalogEntry entry, JsonElement args, DegradeSpec? degrade)
    {
        if (args.ValueKind != JsonValueKind.Object || !(args.TryGetProperty("task_id", out _) || args.TryGetProperty("list_tasks", out _)))
        {
            throw new ConnectorArgumentException($"connector '{entry.Name}' of kind a2a is reached by a message naming one of its skills (kind a2a_skill).");
        }

        if (degrade?.Mode == DegradeMode.ReadOnly && args.TryGetProperty(A2aSkillConnectorType.MethodMember, out var method)
            && method.GetString() is "CancelTask" or "tasks/cancel" or "CreateTaskPushNotificationConfig" or "DeleteTaskPushNotificationConfig"
                or "tasks/pushNotificationConfig/set" or "tasks/pushNotificationConfig/delete")
        {
            throw new DegradeRefusedException($"connector '{entry.Name}' is degraded to read_only; a task cannot be cancelled nor its push-notification configuration changed.");
        }

        return A2aEnvelope.Build(entry, args);
    }
}
