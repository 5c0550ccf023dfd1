using System.Buffers;
using System.Collections.Concurrent;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// The <c>model</c> a token count is tagged with: the model the request named (the agent's words: no catalog lists them),
/// while it is a model's name (at most <see cref="MaxLength"/> letters, digits and <c>. _ : / @ -</c>) and its tenant has
/// tagged fewer than <see cref="MaxPerTenant"/> models; <see cref="Other"/> otherwise. So no agent grows the series
/// without bound, nor fills the cardinality limit every tenant's metrics share.
/// </summary>
public sealed class ModelTags
{
    /// <summary>The models one tenant's counts are told apart by.</summary>
    public const int MaxPerTenant = 32;

    /// <summary>The longest model name a tag carries.</summary>
    public const int MaxLength = 64;

    /// <summary>The tag of every other model.</summary>
    public const string Other = "other";

    private static readonly SearchValues<char> NameCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:/@-");

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _byTenant = new(StringComparer.Ordinal);

    /// <summary>The tag of <paramref name="model"/> in <paramref name="tenant"/>'s counts.</summary>
    public string For(string tenant, string model)
    {
        if (model.Length is 0 or > MaxLength || model.AsSpan().ContainsAnyExcept(NameCharacters))
        {
            return Other;
        }

        var seen = _byTenant.GetOrAdd(tenant, static _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
        if (seen.ContainsKey(model))
        {
            return model;
        }

        // Two models first seen at once may both pass the bound by one: a bound on growth, not an exact count.
        if (seen.Count < MaxPerTenant)
        {
            seen.TryAdd(model, 0);
        }

        return seen.ContainsKey(model) ? model : Other;
    }
}
