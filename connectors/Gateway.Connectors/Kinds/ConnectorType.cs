using System.Text.Json;
using Gateway.Connectors.Envelopes;
using Gateway.Connectors.Models;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Workspace;
using Gateway.Policy;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// What one connector kind is, in one place: the operations its transparent route forwards, the
/// envelope of a governed call to it, how its result is read, the format its API answers errors in,
/// and the entry its calls are forwarded to. One sealed subclass per <see cref="ConnectorKind"/>, each a
/// stateless singleton found with <see cref="ConnectorTypes.Of"/> or <c>entry.Type()</c>; every member
/// that depends on a catalog entry takes it (an entry of this kind).
/// </summary>
public abstract class ConnectorType
{
    /// <summary>The arguments of a call that sent none.</summary>
    private protected static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    private protected ConnectorType(ConnectorKind kind) => Kind = kind;

    /// <summary>The kind, as the policy bundle names it.</summary>
    public ConnectorKind Kind { get; }

    /// <summary>
    /// A model provider: its calls are budgeted in tokens, their usage is read from the answer, and
    /// <c>/v1/actions/model</c> reaches it.
    /// </summary>
    public virtual bool IsModel => false;

    /// <summary>Whether a call of this kind can be carried out in <paramref name="mode"/>: every kind but a model refuses <c>route</c>.</summary>
    public bool Applies(DegradeMode mode) => mode != DegradeMode.Route || IsModel;

    /// <summary>A context provider: what <c>/v1/actions/context</c> reaches.</summary>
    public virtual bool IsContextScope => false;

    /// <summary>
    /// <paramref name="entry"/> is a workspace store that <c>/v1/actions/writeback</c> writes items to (a context entry
    /// that declares <c>writeback</c>): its packs carry each item's data classes, and a read returns only the items
    /// policy lets the reader receive.
    /// </summary>
    public virtual bool AcceptsWriteback(CatalogEntry entry) => false;

    /// <summary>
    /// An MCP server: its transparent route carries MCP JSON-RPC messages (each <c>tools/call</c> decided
    /// as the tool's <c>mcp_tool</c> entry), and its cluster keeps the server's sessions.
    /// </summary>
    public virtual bool IsMcpServer => false;

    /// <summary>Its governed calls are signed gateway→upstream under the gateway's service key (the envelope's form on its route).</summary>
    public virtual bool SignsEnvelopes => false;

    /// <summary>
    /// The answer to a governed call is a JSON-RPC reply: the call's result is the reply's
    /// <c>result</c> (or <c>error</c>), not the body.
    /// </summary>
    public virtual bool ResultIsJsonRpcReply => false;

    /// <summary>The format the kind's API answers errors in, which a refusal on its transparent route takes.</summary>
    public virtual ErrorFormat ErrorFormat => ErrorFormat.Problem;

    /// <summary>
    /// Calls go to the entry's own upstream (and cluster). False for an <c>mcp_tool</c>, which has none
    /// and is forwarded to its MCP server.
    /// </summary>
    public virtual bool HasOwnUpstream => true;

    /// <summary>The provider API a request to <paramref name="requestPath"/> is written for; null when the kind is not a model.</summary>
    public virtual ModelApi? ModelApiFor(string requestPath) => null;

    /// <summary>Why a governed action cannot invoke <paramref name="entry"/>, or null when it can.</summary>
    public virtual string? NotInvocableReason(CatalogEntry entry) => null;

    /// <summary>
    /// Whether a provider-native request's query carries the arguments of <paramref name="entry"/>
    /// (a query-bound HTTP tool), so that policy sees them.
    /// </summary>
    public virtual bool QueryCarriesArguments(CatalogEntry entry) => false;

    /// <summary>Why <paramref name="args"/> cannot be sent for <paramref name="entry"/> as they are (an argument only the entry itself may fix), or null.</summary>
    public virtual string? ArgumentsRefusal(CatalogEntry entry, JsonElement args) => null;

    /// <summary>The catalog name of the entry <paramref name="entry"/>'s calls are forwarded to: its own, or an <c>mcp_tool</c>'s MCP server.</summary>
    public virtual string? ForwardedConnectorName(CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Name;
    }

    /// <summary>
    /// The entry <paramref name="entry"/>'s calls are forwarded to: itself, or for an <c>mcp_tool</c> its
    /// MCP server in <paramref name="tenant"/>'s catalog (null when that server is missing or has no upstream).
    /// </summary>
    public virtual CatalogEntry? ForwardedEntry(TenantPolicy tenant, CatalogEntry entry) => entry;

    /// <summary>
    /// The operation <paramref name="method"/> on <paramref name="segments"/> (the path below the
    /// connector's upstream) is on <paramref name="connector"/>'s transparent route, or null when its
    /// operation table declares none: such a request is refused, never forwarded as something else.
    /// </summary>
    public ProviderOperation? MatchOperation(TenantPolicy tenant, CatalogEntry connector, string method, IReadOnlyList<string> segments)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(segments);
        return OperationFor(tenant, connector, method, segments);
    }

    /// <summary>
    /// The upstream request of a governed call to <paramref name="entry"/> with <paramref name="args"/>
    /// under the decision's degrade form (null: none). Bad arguments raise
    /// <see cref="ConnectorArgumentException"/>; a call the degrade form forbids raises <see cref="DegradeRefusedException"/>.
    /// </summary>
    public UpstreamEnvelope BuildEnvelope(CatalogEntry entry, JsonElement args, DegradeSpec? degrade)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return EnvelopeFor(entry, args, degrade);
    }

    /// <summary>
    /// The upstream request of a writeback of <paramref name="item"/> to <paramref name="entry"/> under the decision's
    /// degrade form (null: none); a redact degrade redacts the content first, counting into <paramref name="redactions"/>.
    /// A call the degrade form forbids raises <see cref="DegradeRefusedException"/>; a kind that stores nothing raises
    /// <see cref="ConnectorArgumentException"/>.
    /// </summary>
    public UpstreamEnvelope BuildWritebackEnvelope(CatalogEntry entry, WorkspaceItem item, DegradeSpec? degrade, RedactionCounts redactions)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(redactions);
        return AcceptsWriteback(entry)
            ? WritebackEnvelopeFor(entry, item, degrade, redactions)
            : throw new ConnectorArgumentException($"connector '{entry.Name}' is not a workspace store; nothing can be written back to it.");
    }

    /// <inheritdoc/>
    public override string ToString() => Kind.ToString();

    /// <summary><see cref="MatchOperation"/> for this kind, its arguments checked.</summary>
    private protected abstract ProviderOperation? OperationFor(TenantPolicy tenant, CatalogEntry connector, string method, IReadOnlyList<string> segments);

    /// <summary><see cref="BuildEnvelope"/> for this kind, its arguments checked.</summary>
    private protected abstract UpstreamEnvelope EnvelopeFor(CatalogEntry entry, JsonElement args, DegradeSpec? degrade);

    /// <summary><see cref="BuildWritebackEnvelope"/> for a kind that <see cref="AcceptsWriteback"/>.</summary>
    private protected virtual UpstreamEnvelope WritebackEnvelopeFor(CatalogEntry entry, WorkspaceItem item, DegradeSpec? degrade, RedactionCounts redactions) =>
        throw new ConnectorArgumentException($"connector '{entry.Name}' is not a workspace store; nothing can be written back to it.");

    /// <summary>
    /// dry_run refuses a call whose arguments name a dry run themselves (<see cref="OverridingArgumentNames.NamesADryRun"/>):
    /// sent beside the gateway's <c>dry_run=true</c>, an upstream that reads the last or the body's would act.
    /// </summary>
    private protected static void RefuseDryRunArgument(CatalogEntry entry, JsonElement args, DegradeMode? mode)
    {
        if (mode != DegradeMode.DryRun || args.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in args.EnumerateObject())
        {
            if (OverridingArgumentNames.NamesADryRun(property.Name))
            {
                throw new DegradeRefusedException($"connector '{entry.Name}' is degraded to dry_run; the argument '{property.Name}' would set the dry run itself.");
            }
        }
    }

    /// <summary>
    /// Refuses a method override argument (<see cref="OverridingArgumentNames.OverridesTheMethod"/>): an upstream that routes
    /// on it would run another operation than the one decided.
    /// </summary>
    private protected static void RefuseMethodOverrideArgument(CatalogEntry entry, JsonElement args)
    {
        if (args.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in args.EnumerateObject())
        {
            if (OverridingArgumentNames.OverridesTheMethod(property.Name))
            {
                throw new ConnectorArgumentException($"connector '{entry.Name}': the argument '{property.Name}' would override the method of the operation decided; it is refused.");
            }
        }
    }

    /// <summary>read_only lets through only a call whose catalog action type reads (read or context).</summary>
    private protected static void RefuseWriteUnderReadOnly(CatalogEntry entry, DegradeMode? mode)
    {
        if (mode == DegradeMode.ReadOnly && entry.ActionType is not (ActionType.Read or ActionType.Context))
        {
            throw new DegradeRefusedException($"connector '{entry.Name}' is degraded to read_only; this call would write.");
        }
    }
}
