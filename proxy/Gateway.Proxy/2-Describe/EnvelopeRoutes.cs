using Gateway.Connectors.Kinds;
using Gateway.Oversight;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>The describers of the agent protocol's envelope routes, each reading its envelope and stating its facts.</summary>
internal static class EnvelopeRoutes
{
    /// <summary>
    /// <c>POST /v1/evaluate</c>: an action decided and answered with its decision, never carried out. Arguments that do not
    /// fit the named entry's input schema are refused as on <c>/v1/actions/invoke-tool</c>, so that an executor asking is
    /// never told to carry out what the entry does not take.
    /// </summary>
    public static EnvelopeDescriber Evaluate(PolicyProvider policy) =>
        new(policy, GovernedRequestReader.ReadAction, new(DecideOnly: true), InputRefusal);

    /// <summary>
    /// <c>POST /v1/actions/invoke-tool</c>: a tool the agent may invoke, sent as its entry's envelope; arguments that do not
    /// fit the entry's input schema are refused (<see cref="ToolInputCheck"/>), recorded under the entry, before any decision.
    /// </summary>
    public static EnvelopeDescriber InvokeTool(PolicyProvider policy) =>
        new(policy, GovernedRequestReader.ReadAction, new(EntryMismatch: EntryRequirements.Invocable), SendableInputRefusal);

    /// <summary>
    /// <c>POST /v1/actions/model</c>: a model call, whose <c>request</c> member is the model request, its members spelled and
    /// typed as the provider's API has them (<see cref="ModelRequestMembers"/>), naming no tool the provider runs that the
    /// entry does not allow (<see cref="ModelProviderTools"/>); one that does is refused, and recorded under the catalog entry it names.
    /// </summary>
    public static EnvelopeDescriber Model(PolicyProvider policy) =>
        new(policy, GovernedRequestReader.ReadModel, new(EntryMismatch: EntryRequirements.Model, CarriesModelRequest: true), static action =>
            ModelRequestMembers.Refusal(action.Request.Args) is { } misspelled
                ? new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, misspelled)
                {
                    AuditTool = action.Tenant.TryGetCatalogEntry(action.Request.Tool, out var entry) ? entry?.Name : null,
                }
                : ModelProviderTools.Refuse(action));

    /// <summary><c>POST /v1/actions/context</c>: a read of a context scope.</summary>
    public static EnvelopeDescriber Context(PolicyProvider policy) =>
        new(policy, GovernedRequestReader.ReadContext, new(EntryMismatch: EntryRequirements.ContextScope), static _ => null);

    /// <summary>
    /// <c>POST /v1/actions/writeback</c>: an item written to a workspace store, sent as the item the gateway builds
    /// (<see cref="DescribedAction.WritesItem"/>). A writeback goes only to a workspace store; a name the catalog lacks is
    /// decided (and blocked) as any unknown tool.
    /// </summary>
    public static EnvelopeDescriber Writeback(PolicyProvider policy) =>
        new(policy, GovernedRequestReader.ReadWriteback, new(EntryMismatch: EntryRequirements.Upstream, WritesItem: true), static action =>
            action.Tenant.TryGetCatalogEntry(action.Request.Tool, out var entry) && entry is not null && !entry.Type().AcceptsWriteback(entry)
                ? new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.OperationNotMapped,
                    $"Connector '{entry.Name}' is not a workspace store (a context connector that declares writeback); nothing was written.")
                {
                    AuditTool = entry.Name,
                }
                : null);

    /// <summary>The refusal of arguments that do not fit the input schema of the catalog entry the action names (<see cref="ToolInputCheck"/>); null when they fit, or it has none.</summary>
    private static Refusal? InputRefusal(DescribedAction action) =>
        action.Tenant.TryGetCatalogEntry(action.Request.Tool, out var entry) && entry is not null ? ToolInputCheck.Refuse(entry, action.Request.Args) : null;

    /// <summary>
    /// <see cref="InputRefusal"/> of a call to be sent, after the arguments its entry cannot be sent as they are
    /// (<see cref="ConnectorType.ArgumentsRefusal"/>: an argument spelled two ways, 400 <c>malformed_body</c>, as the provider
    /// route refuses it before the schema, which would check each spelling on its own).
    /// </summary>
    private static Refusal? SendableInputRefusal(DescribedAction action) =>
        action.Tenant.TryGetCatalogEntry(action.Request.Tool, out var entry) && entry is not null && entry.Type().ArgumentsRefusal(entry, action.Request.Args) is { } refused
            ? new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, char.ToUpperInvariant(refused[0]) + refused[1..]) { AuditTool = entry.Name }
            : InputRefusal(action);
}
