using System.Text.Json;
using Gateway.Connectors.Kinds;
using Gateway.Connectors.Mcp;
using Gateway.Connectors.Models;
using Gateway.Policy;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// The Describe stage's record: the action policy decides, in which tenant, and the facts its route kind's describer
/// states about how it is carried out (<see cref="DecideOnly"/>, <see cref="PassesBodyThrough"/>, <see cref="EntryMismatch"/>,
/// <see cref="WritesItem"/>, <see cref="ProgressToken"/>): the later stages read these, never the kind. On the provider
/// route it also carries the canonical target, the operation it maps to, and for an MCP server the JSON-RPC request; the
/// body is parsed here once and later stages read the parse.
/// </summary>
internal sealed record DescribedAction(TenantPolicy Tenant, ActionRequest Request)
{
    /// <summary>Decided and answered with the decision, never carried out (<c>POST /v1/evaluate</c>): nothing executes, a presented token is not used up.</summary>
    public bool DecideOnly { get; init; }

    /// <summary>Provider route: the canonical target (path and query exactly as signed).</summary>
    public ProviderTarget? Target { get; init; }

    /// <summary>
    /// The client's body is forwarded as it sent it, on the connector's provider route, and the upstream's answer streamed
    /// back (true exactly when <see cref="Target"/> is set); otherwise the gateway builds the envelope it sends.
    /// </summary>
    public bool PassesBodyThrough => Target is not null;

    /// <summary>Provider route: the operation of the connector's kind the request maps to.</summary>
    public ProviderOperation? Operation { get; init; }

    /// <summary>Provider route to an MCP server: the JSON-RPC request.</summary>
    public McpRequest? Mcp { get; init; }

    /// <summary><c>/mcp</c>: a prompt or resource request as its MCP server receives it (null for a tool call).</summary>
    public McpServerCall? McpServerCall { get; init; }

    /// <summary>
    /// What the route asks of the decided entry before it is carried out: the reason an entry cannot be carried out this
    /// way (a model route naming a tool), refused as a malformed request; null asks nothing (<see cref="EntryRequirements"/>).
    /// </summary>
    public Func<CatalogEntry, string?>? EntryMismatch { get; init; }

    /// <summary>A writeback: what is sent is the item the gateway builds from the request (within the store's <c>writeback.max_bytes</c>), not the entry's envelope.</summary>
    public bool WritesItem { get; init; }

    /// <summary>The caller is an MCP client (a call on <c>/mcp</c>): what the server sends mid-call (progress, requests for input) is relayed to it.</summary>
    public bool CallerSpeaksMcp { get; init; }

    /// <summary>An A2A call: the remote agent (its catalog name) whose tasks the caller holds and opens.</summary>
    public string? RemoteAgent { get; init; }

    /// <summary>An A2A call naming a push-notification webhook: the remote agent sends the task there itself, past the gateway's redaction.</summary>
    public bool NamesPushWebhook { get; init; }

    /// <summary>An A2A call acting on a task of the caller's: the task's flags, read with its owner as the call was described.</summary>
    public A2aTaskFlags? A2aTask { get; init; }

    /// <summary>
    /// An A2A call's push-notification webhooks whose host names are resolved once the decision to carry it out is
    /// recorded, before it is forwarded (never before it is admitted); empty when it names none or its connector allows
    /// internal push.
    /// </summary>
    public IReadOnlyList<string> PushUrlsToResolve { get; init; } = [];

    /// <summary>
    /// A refusal the describer found that is the decision's outcome, not a refusal before it (an A2A task that is not the
    /// caller's, answered as not found): the Enforce stage refuses with it once the decision to carry the request out is
    /// recorded, so that the decision stands on record with it as its outcome and nothing is forwarded.
    /// </summary>
    public Refusal? RefusedAtExecution { get; init; }

    /// <summary>A call on <c>/mcp</c> that asked for progress: the token the client waits on, carried on the call the server receives.</summary>
    public JsonElement? ProgressToken { get; init; }

    /// <summary>
    /// The whole request body, parsed here once (Undefined when it is not JSON or not read as such):
    /// later stages read it instead of parsing the bytes again.
    /// </summary>
    public JsonElement Body { get; init; }

    /// <summary>
    /// The route carries a model request when its entry is a model connector (the provider route's body, the model route's
    /// <c>request</c> member): its tokens are estimated, reserved and counted.
    /// </summary>
    public bool CarriesModelRequest { get; init; }

    /// <summary>
    /// A model call's request object: the provider route's body, or the native model route's
    /// <c>request</c> member, which the action's arguments are (Undefined for any other route).
    /// </summary>
    public JsonElement ModelRequest => CarriesModelRequest ? Request.Args : default;

    /// <summary>
    /// The provider API <paramref name="entry"/> (a model connector) is asked in: the provider route's by its path, the
    /// model route's the kind's inference API; null for any other connector.
    /// </summary>
    public ModelApi? ModelApiOf(CatalogEntry entry) =>
        entry.Type() is not ModelConnectorType model ? null
        : Target is { } target ? model.ModelApiFor("/" + target.CanonicalPath)
        : model.InferenceApi;
}
