using System.Runtime.CompilerServices;
using Gateway.Policy;
using Microsoft.AspNetCore.Http;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// A tenant's <c>http</c> entries by upstream and path segment count, in catalog order, each binding's method and path
/// template parsed once: the only entries whose binding can match a request of that many segments on that upstream.
/// Built once per loaded policy, on first use.
/// </summary>
internal sealed class HttpOperationIndex
{
    private static readonly ConditionalWeakTable<TenantPolicy, HttpOperationIndex> Cache = [];

    private readonly Dictionary<(Uri? Upstream, int Length), HttpBindingShape[]> _candidates;
    private readonly Dictionary<CatalogEntry, HttpBindingShape> _shapes = new(ReferenceEqualityComparer.Instance);

    private HttpOperationIndex(TenantPolicy tenant)
    {
        var candidates = new Dictionary<(Uri? Upstream, int Length), List<HttpBindingShape>>();
        foreach (var entry in tenant.Catalog)
        {
            if (entry.Kind != ConnectorKind.Http)
            {
                continue;
            }

            var shape = HttpBindingShape.Of(entry);
            _shapes.TryAdd(entry, shape);
            var key = (entry.Upstream, shape.Template.Length);
            if (!candidates.TryGetValue(key, out var list))
            {
                list = [];
                candidates[key] = list;
            }

            list.Add(shape);
        }

        _candidates = candidates.ToDictionary(static pair => pair.Key, static pair => pair.Value.ToArray());
    }

    /// <summary>The index of <paramref name="tenant"/> (computed once per loaded policy).</summary>
    public static HttpOperationIndex For(TenantPolicy tenant) => Cache.GetValue(tenant, static t => new HttpOperationIndex(t));

    /// <summary>The <c>http</c> entries on <paramref name="upstream"/> whose template has <paramref name="length"/> segments, in catalog order.</summary>
    public ReadOnlySpan<HttpBindingShape> Candidates(Uri? upstream, int length) =>
        _candidates.TryGetValue((upstream, length), out var shapes) ? shapes : [];

    /// <summary><paramref name="entry"/>'s binding parsed: from the index when the catalog holds it, else parsed now.</summary>
    public HttpBindingShape ShapeOf(CatalogEntry entry) => _shapes.TryGetValue(entry, out var shape) ? shape : HttpBindingShape.Of(entry);
}

/// <summary>An entry's <c>http</c> binding parsed: its method upper-cased, its path template's segments and captures.</summary>
internal sealed class HttpBindingShape
{
    private HttpBindingShape(CatalogEntry entry, string method, string[] template)
    {
        Entry = entry;
        Method = method;
        Template = template;
        CaptureNames = new string?[template.Length];
        for (var i = 0; i < template.Length; i++)
        {
            if (IsCapture(template[i]))
            {
                CaptureNames[i] = template[i][1..^1];
                CaptureCount++;
            }
        }
    }

    /// <summary>The catalog entry.</summary>
    public CatalogEntry Entry { get; }

    /// <summary>The binding's method, upper case.</summary>
    public string Method { get; }

    /// <summary>The path template's non-empty segments.</summary>
    public string[] Template { get; }

    /// <summary>Per segment, the name a capture segment (<c>{name}</c>) binds; null for a literal one.</summary>
    public string?[] CaptureNames { get; }

    /// <summary>How many segments capture.</summary>
    public int CaptureCount { get; }

    /// <summary>Parses <paramref name="entry"/>'s binding (the default binding when it has none).</summary>
    public static HttpBindingShape Of(CatalogEntry entry)
    {
        var binding = entry.Http ?? new HttpBinding();
        return new HttpBindingShape(entry, binding.Method.ToUpperInvariant(), binding.Path.Split('/', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>True for a segment that captures: <c>{name}</c>, with no other brace.</summary>
    public static bool IsCapture(string part) => part.Length > 2 && part[0] == '{' && part[^1] == '}' && part.IndexOf('{', 1) < 0;

    /// <summary>True when <paramref name="method"/> is the binding's method, or HEAD on a GET binding.</summary>
    public bool MatchesMethod(string method) =>
        string.Equals(Method, method, StringComparison.Ordinal) || (HttpMethods.IsHead(method) && Method == HttpMethods.Get);

    /// <summary>True when the method matches and every literal segment equals its request segment (ordinal).</summary>
    public bool Matches(string method, IReadOnlyList<string> segments)
    {
        if (!MatchesMethod(method) || Template.Length != segments.Count)
        {
            return false;
        }

        for (var i = 0; i < Template.Length; i++)
        {
            if (CaptureNames[i] is null && !string.Equals(Template[i], segments[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The captures of a request <see cref="Matches"/> accepted, in template order.</summary>
    public List<KeyValuePair<string, string>> Captures(IReadOnlyList<string> segments)
    {
        var captured = new List<KeyValuePair<string, string>>(CaptureCount);
        for (var i = 0; i < Template.Length; i++)
        {
            if (CaptureNames[i] is { } name)
            {
                captured.Add(new(name, segments[i]));
            }
        }

        return captured;
    }
}
