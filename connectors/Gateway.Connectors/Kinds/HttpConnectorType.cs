using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Gateway.Connectors.Envelopes;
using Gateway.Policy;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// <c>http</c>: one operation of an HTTP API, its <c>http</c> binding's method and path template. A
/// governed call fills the template from the arguments (URL-encoded) and sends the others as a JSON
/// body or as query parameters (always query for GET/HEAD). On the transparent route, the operation
/// table is every HTTP entry on the same upstream, so a write path reached through a read connector is
/// decided as the write tool it is, and a path nothing declares is refused.
/// </summary>
public sealed class HttpConnectorType : ConnectorType
{
    // What makes a query name another name to some server: a bracket (PHP, Rails, qs), or what PHP reads as '_'.
    private static readonly SearchValues<char> RenamedByServers = SearchValues.Create("[]. ");

    internal HttpConnectorType()
        : base(ConnectorKind.Http)
    {
    }

    /// <summary>True when the binding takes its arguments in the query (<c>args: query</c>).</summary>
    public override bool QueryCarriesArguments(CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Http?.Args == ArgumentLocation.Query;
    }

    /// <summary>
    /// The most specific binding of <paramref name="connector"/> and the other HTTP entries on its upstream that matches
    /// (the fewest captures, as routers prefer literal segments; the connector's own, then catalog order, on a tie); HEAD
    /// matches a GET binding, and anything but GET, HEAD and OPTIONS writes. A capture that spells another binding's
    /// literal segment in another case, or holds a raw <c>;</c> (a matrix parameter some servers strip), maps nothing: a
    /// case-insensitive router, or one that strips it, would run that other operation.
    /// </summary>
    private protected override ProviderOperation? OperationFor(TenantPolicy tenant, CatalogEntry connector, string method, IReadOnlyList<string> segments)
    {
        // Only the entries on the connector's upstream whose template has as many segments can match (parsed once per policy).
        var index = HttpOperationIndex.For(tenant);
        var own = index.ShapeOf(connector);
        var best = own.Matches(method, segments) ? own : null;
        foreach (var sibling in index.Candidates(connector.Upstream, segments.Count))
        {
            if (!ReferenceEquals(sibling.Entry, connector) && sibling.Matches(method, segments) && (best is null || sibling.CaptureCount < best.CaptureCount))
            {
                best = sibling;
            }
        }

        if (best is null)
        {
            return null;
        }

        var operation = new ProviderOperation(best.Entry, Writes: ReadOnlyGuard.IsWriteVerb(method), best.Captures(segments));
        return !CaptureIsAmbiguous(index, connector, operation, method, segments) ? operation : null;
    }

    // Whether a lenient router could take the request for another binding: one whose literals match it only in another
    // case (or with a Kelvin sign, a long s, a dotless i, as Go's EqualFold does), where the chosen one captures; a binding
    // that matches exactly is less specific and yields to the chosen one. A capture holding a ';' counts too: a server
    // that strips matrix parameters would read another segment.
    private static bool CaptureIsAmbiguous(HttpOperationIndex index, CatalogEntry connector, ProviderOperation operation, string method, IReadOnlyList<string> segments)
    {
        if (operation.PathArgs.Count == 0)
        {
            return false;
        }

        if (operation.PathArgs.Any(static capture => capture.Value.Contains(';', StringComparison.Ordinal)))
        {
            return true;
        }

        foreach (var other in index.Candidates(connector.Upstream, segments.Count))
        {
            if (!ReferenceEquals(other.Entry, operation.Entry) && other.MatchesMethod(method)
                && MatchesLeniently(other.Template, segments) && !other.Matches(method, segments))
            {
                return true;
            }
        }

        return false;
    }

    private static bool MatchesLeniently(string[] template, IReadOnlyList<string> segments)
    {
        for (var i = 0; i < template.Length; i++)
        {
            if (!HttpBindingShape.IsCapture(template[i]) && !string.Equals(Lenient(template[i]), Lenient(segments[i]), StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    private static string Lenient(string segment) =>
        segment.Replace('\u212A', 'K').Replace('\u017F', 's').Replace('\u0131', 'i').Replace('\u0130', 'i');

    /// <summary>
    /// The binding's method to its path template filled from <paramref name="args"/>; read_only refuses
    /// a write verb and, whatever the verb, an entry whose action type does not read (a <c>GET /purge</c> declared
    /// <c>delete</c> acts as one), dry_run adds <c>dry_run=true</c> (and refuses arguments that name a dry run), and an
    /// argument spelled two ways (<see cref="ArgumentsRefusal"/>), or sent in the query under a name some server reads as
    /// another (<see cref="RenamedInAQuery"/>), is refused.
    /// </summary>
    private protected override UpstreamEnvelope EnvelopeFor(CatalogEntry entry, JsonElement args, DegradeSpec? degrade)
    {
        var mode = degrade?.Mode;
        var binding = entry.Http ?? new HttpBinding();
        var method = binding.Method.ToUpperInvariant();
        if (mode == DegradeMode.ReadOnly && ReadOnlyGuard.IsWriteVerb(method))
        {
            throw new DegradeRefusedException($"connector '{entry.Name}' is degraded to read_only; this call would write.");
        }

        RefuseWriteUnderReadOnly(entry, mode);
        RefuseDryRunArgument(entry, args, mode);
        RefuseMethodOverrideArgument(entry, args);
        if (ArgumentsRefusal(entry, args) is { } spelledTwice)
        {
            throw new ConnectorArgumentException(spelledTwice);
        }

        string filled;
        try
        {
            filled = PathTemplate.Fill(binding.Path, args);
        }
        catch (ArgumentException ex)
        {
            throw new ConnectorArgumentException(ex.Message, ex);
        }

        // The arguments the path did not take, and the query, made only when there are some.
        List<JsonProperty>? remaining = null;
        if (args.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in args.EnumerateObject())
            {
                if (!PathTemplate.Fills(binding.Path, property))
                {
                    (remaining ??= []).Add(property);
                }
            }
        }

        var useQuery = binding.Args == ArgumentLocation.Query || method is "GET" or "HEAD";
        List<string>? query = null;
        if (useQuery && remaining is not null)
        {
            foreach (var property in remaining)
            {
                if (RenamedInAQuery(property.Name))
                {
                    throw new ConnectorArgumentException($"connector '{entry.Name}': the argument '{Shown(property.Name)}' holds '[', ']', '.' or a space, which some servers read as another name in a query (to[] as to, t.o as t_o); send a plain name.");
                }

                AppendQuery(query ??= [], property.Name, property.Value);
            }
        }

        if (mode == DegradeMode.DryRun)
        {
            (query ??= []).Add("dry_run=true");
        }

        return new UpstreamEnvelope
        {
            Method = method,
            RelativePath = filled.TrimStart('/'),
            Query = query is null ? string.Empty : string.Join('&', query),
            Body = !useQuery && remaining is not null ? JsonObjectOf(remaining) : null,
        };
    }

    /// <summary>
    /// Why <paramref name="args"/> cannot be sent: two names in one of its objects, at any depth, that a server matching names
    /// without case (or <c>_</c> and <c>-</c>) reads as one (<see cref="Mcp.McpMemberNames.Fold"/>: <c>amount</c> and
    /// <c>AMOUNT</c>, <c>payment.amount</c> and <c>payment.AMOUNT</c>, or a path placeholder's <c>account</c> and a body's
    /// <c>Account</c>): the decision reads one spelling, the upstream may bind the other. A webhook's arguments are held to it too.
    /// </summary>
    public override string? ArgumentsRefusal(CatalogEntry entry, JsonElement args) => SpelledTwoWays(entry, args);

    /// <summary>
    /// True when <paramref name="name"/>, sent as a query parameter's name, is another name to some server: it holds
    /// <c>[</c> or <c>]</c> (PHP, Rails and Express's qs read <c>to[]</c> and <c>to[0]</c> as <c>to</c>), or <c>.</c> or a space
    /// (PHP reads <c>t.o</c> and <c>t o</c> as <c>t_o</c>), so a rule on <c>$.to</c> would not see what the server binds.
    /// </summary>
    public static bool RenamedInAQuery(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.AsSpan().ContainsAny(RenamedByServers);
    }

    /// <summary><see cref="ArgumentsRefusal"/> of the http and webhook kinds.</summary>
    internal static string? SpelledTwoWays(CatalogEntry entry, JsonElement args)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return ArgumentSpellings.FirstSpelledTwoWays(args) is var (name, other)
            ? $"connector '{entry.Name}': the argument '{Shown(name)}' is spelled two ways ('{Shown(other)}'); a server that matches names without case would read the other. Send it once."
            : null;
    }

    private static string Shown(string name) => name.Length > 64 ? name[..64] + "…" : name;

    private static void AppendQuery(List<string> query, string name, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    AppendQuery(query, name, item);
                }

                break;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                break;
            default:
                var text = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString()!,
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => value.GetRawText(),
                };
                query.Add(string.Create(CultureInfo.InvariantCulture, $"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(text)}"));
                break;
        }
    }

    private static byte[] JsonObjectOf(List<JsonProperty> properties)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var property in properties)
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return stream.ToArray();
    }
}
