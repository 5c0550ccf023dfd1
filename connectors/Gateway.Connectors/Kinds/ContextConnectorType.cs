using System.Globalization;
using System.Text.Json;
using Gateway.Connectors.Envelopes;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Workspace;
using Gateway.Policy;
using Microsoft.AspNetCore.Http;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// <c>context</c>: a context provider, fetched with <c>GET ?scope=&amp;query=</c> and cut to the
/// agent's <c>max_bytes</c>. Its transparent route accepts only GET (and HEAD) of the upstream itself. One that declares
/// <c>writeback</c> is a workspace store: a writeback PUTs an item the gateway builds (<see cref="WorkspaceItem"/>), and
/// its packs are read only through the governed route, which returns each item only as policy allows
/// (<see cref="WorkspacePack"/>): its transparent route forwards nothing.
/// </summary>
public sealed class ContextConnectorType : ConnectorType
{
    /// <summary>The arguments a read takes: each named once, spelled so.</summary>
    private static readonly string[] ReadArguments = ["scope", "query", "max_bytes"];

    internal ContextConnectorType()
        : base(ConnectorKind.Context)
    {
    }

    /// <inheritdoc/>
    public override bool IsContextScope => true;

    /// <inheritdoc/>
    public override bool AcceptsWriteback(CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Writeback is not null;
    }

    /// <summary>The query of a read on the transparent route (<c>?scope=&amp;query=</c>) is its arguments, so rules read them there too.</summary>
    public override bool QueryCarriesArguments(CatalogEntry entry) => !AcceptsWriteback(entry);

    /// <summary>
    /// A <c>scope</c> other than the entry's own name (a context read is decided, and sent, as its own scope only), or a
    /// read's argument named in another case or given twice (<c>?SCOPE=</c>, <c>?query=a&amp;query=b</c>), which an
    /// upstream could read otherwise than the rules did.
    /// </summary>
    public override string? ArgumentsRefusal(CatalogEntry entry, JsonElement args)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (args.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var member in args.EnumerateObject())
        {
            if (ReadArguments.FirstOrDefault(a => string.Equals(a, member.Name, StringComparison.OrdinalIgnoreCase)) is { } argument
                && (argument != member.Name || member.Value.ValueKind == JsonValueKind.Array))
            {
                return $"a read of context '{entry.Name}' names '{argument}' once, spelled so.";
            }
        }

        return args.TryGetProperty("scope", out var scope) && scope.ValueKind != JsonValueKind.Null
            && !(scope.ValueKind == JsonValueKind.String && scope.GetString() == entry.Name)
            ? $"a read of context '{entry.Name}' is of its own scope; scope names another."
            : null;
    }

    /// <summary>
    /// GET or HEAD of the upstream itself; neither writes. None for a workspace store: its items are checked against the
    /// reader's policy on the governed route only, which the transparent route (the store's bytes as they stream) cannot do.
    /// </summary>
    private protected override ProviderOperation? OperationFor(TenantPolicy tenant, CatalogEntry connector, string method, IReadOnlyList<string> segments) =>
        !AcceptsWriteback(connector) && segments.Count == 0 && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
            ? new ProviderOperation(connector, Writes: false, [])
            : null;

    /// <summary>
    /// <c>GET ?scope=&amp;query=</c> from the request <c>{"scope", "query", "max_bytes"}</c> (the scope is always the entry's
    /// name: a context action's scope is its connector; another is refused), <c>max_bytes</c> as the result's limit.
    /// </summary>
    private protected override UpstreamEnvelope EnvelopeFor(CatalogEntry entry, JsonElement args, DegradeSpec? degrade)
    {
        if (args.ValueKind != JsonValueKind.Object)
        {
            throw new ConnectorArgumentException("a context request is a JSON object {\"scope\", \"query\", \"max_bytes\"}.");
        }

        if (ArgumentsRefusal(entry, args) is { } refused)
        {
            throw new ConnectorArgumentException(refused);
        }

        var scope = entry.Name;
        var query = args.TryGetProperty("query", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString()! : string.Empty;
        long? limit = null;
        if (args.TryGetProperty("max_bytes", out var m) && m.ValueKind != JsonValueKind.Null)
        {
            if (m.ValueKind != JsonValueKind.Number || !m.TryGetInt64(out var requested) || requested <= 0)
            {
                throw new ConnectorArgumentException("max_bytes must be a positive integer.");
            }

            limit = requested;
        }

        return new UpstreamEnvelope
        {
            Method = "GET",
            Query = string.Create(CultureInfo.InvariantCulture, $"scope={Uri.EscapeDataString(scope)}&query={Uri.EscapeDataString(query)}"),
            ResultLimit = limit,
        };
    }

    /// <summary>
    /// <c>PUT</c> of the item the gateway built (<see cref="WorkspaceItem.ToJson"/>) to the store itself. read_only refuses
    /// it (a writeback writes); redact and mask write the name and the content redacted; dry_run adds <c>dry_run=true</c>.
    /// </summary>
    private protected override UpstreamEnvelope WritebackEnvelopeFor(CatalogEntry entry, WorkspaceItem item, DegradeSpec? degrade, RedactionCounts redactions)
    {
        var mode = degrade?.Mode;
        if (mode == DegradeMode.ReadOnly)
        {
            throw new DegradeRefusedException($"connector '{entry.Name}' is degraded to read_only; a writeback writes.");
        }

        if (mode is DegradeMode.Redact or DegradeMode.Mask)
        {
            item = item with { Name = TextRedactor.Redact(item.Name, redactions), Content = JsonRedactor.Redact(item.Content, redactions) };
        }

        return new UpstreamEnvelope
        {
            Method = "PUT",
            Query = mode == DegradeMode.DryRun ? "dry_run=true" : string.Empty,
            Body = item.ToJson(entry.Name),
        };
    }
}
