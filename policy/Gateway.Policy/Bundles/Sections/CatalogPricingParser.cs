using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>A model connector's <c>pricing</c>: its currency, a flat price, a price per model named, or both.</summary>
internal sealed partial class CatalogSectionParser
{
    private const string InputKey = "input_per_1k_tokens";
    private const string OutputKey = "output_per_1k_tokens";
    private const string CacheWriteKey = "cache_write_per_1k_tokens";
    private const string CacheWriteOneHourKey = "cache_write_1h_per_1k_tokens";
    private const string CacheReadKey = "cache_read_per_1k_tokens";

    /// <summary>
    /// A model connector's prices per 1,000 input and output tokens (at least 0), in a currency of three uppercase letters,
    /// the same for every priced entry of the file (a run's <c>cost</c> limit adds them up): a flat price for every model
    /// (both prices), a price per model named (<c>models</c>), or both; without <c>models</c> the flat price is required. Each
    /// may name its prompt-cache prices (optional, with the flat price only: else a multiple of the input price).
    /// </summary>
    private ModelPricing? ParsePricing(YamlNode node, ConnectorKind? kind)
    {
        var f = reader.Mapping(node, "pricing", "currency", InputKey, OutputKey, CacheWriteKey, CacheWriteOneHourKey, CacheReadKey, "models");
        if (f is null)
        {
            return null;
        }

        if (kind is { } known && !known.IsModel())
        {
            reader.Error(node, BundleErrorCodes.InvalidValue, "'pricing' applies only to model connectors (kinds openai and anthropic)");
        }

        var currency = f.RequiredString("currency");
        if (currency is not null && !Currency().IsMatch(currency))
        {
            reader.Error(f["currency"]!, BundleErrorCodes.InvalidValue, $"pricing.currency '{currency}' must be three uppercase letters (an ISO 4217 code such as USD)");
            currency = null;
        }
        else if (currency is not null && references.Catalog.Values.FirstOrDefault(e => e.Pricing is not null) is { } priced && priced.Pricing!.Currency != currency)
        {
            reader.Error(f["currency"]!, BundleErrorCodes.InvalidValue, $"pricing.currency '{currency}' differs from '{priced.Pricing.Currency}' of '{priced.Name}': one currency per tenant file");
        }

        if (!f.Written.Contains("models"))
        {
            // The flat price alone, as before models could be named: both prices required.
            var input = f.Required(InputKey) is { } i ? reader.Decimal(i, "pricing." + InputKey, 0) : null;
            var output = f.Required(OutputKey) is { } o ? reader.Decimal(o, "pricing." + OutputKey, 0) : null;
            var (write, writeOneHour, read, cacheValid) = CachePrices(f, "pricing");
            return currency is null || input is null || output is null || !cacheValid ? null
                : new ModelPricing { Currency = currency, InputPer1KTokens = input, OutputPer1KTokens = output, CacheWritePer1KTokens = write, CacheWriteOneHourPer1KTokens = writeOneHour, CacheReadPer1KTokens = read };
        }

        var models = f["models"] is { } m ? ParseModelPrices(m) : null;
        var flatInput = f[InputKey] is { } fi ? reader.Decimal(fi, "pricing." + InputKey, 0) : null;
        var flatOutput = f[OutputKey] is { } fo ? reader.Decimal(fo, "pricing." + OutputKey, 0) : null;
        var halfFlat = f.Written.Contains(InputKey) != f.Written.Contains(OutputKey);
        if (halfFlat)
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, $"pricing's flat price needs both {InputKey} and {OutputKey} (or neither, with models)");
        }

        var flat = f.Written.Contains(InputKey) && f.Written.Contains(OutputKey);
        var (flatWrite, flatWriteOneHour, flatRead, flatCacheValid) = CachePrices(f, "pricing");
        if (!flat && !halfFlat && (flatWrite is not null || flatWriteOneHour is not null || flatRead is not null))
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, $"pricing's flat cache prices need the flat price ({InputKey} and {OutputKey}); a model's go under its entry in models");
            flatCacheValid = false;
        }

        if (models is { Count: 0 } && !flat)
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, $"pricing needs a flat price ({InputKey} and {OutputKey}) or at least one model in 'models'");
            return null;
        }

        return currency is null || models is null || halfFlat || !flatCacheValid || (flat && (flatInput is null || flatOutput is null)) ? null
            : new ModelPricing
            {
                Currency = currency,
                InputPer1KTokens = flatInput,
                OutputPer1KTokens = flatOutput,
                CacheWritePer1KTokens = flatWrite,
                CacheWriteOneHourPer1KTokens = flatWriteOneHour,
                CacheReadPer1KTokens = flatRead,
                Models = models,
            };
    }

    /// <summary>
    /// <c>pricing.models</c>: each model's name (as a request's <c>model</c> gives it, matched exactly) to its prices, both
    /// required; null when any is wrong (each error reported).
    /// </summary>
    private Dictionary<string, ModelTokenPrice>? ParseModelPrices(YamlNode node)
    {
        if (node is not YamlMappingNode mapping)
        {
            reader.Error(node, BundleErrorCodes.WrongType, $"pricing.models must be a mapping of model names to {{{InputKey}, {OutputKey}}}");
            return null;
        }

        var prices = new Dictionary<string, ModelTokenPrice>(StringComparer.Ordinal);
        var valid = true;
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { Length: > 0 } name } || YamlNodeReader.IsNull(keyNode))
            {
                reader.Error(keyNode, BundleErrorCodes.WrongType, "keys of pricing.models must be model names");
                valid = false;
                continue;
            }

            // YamlDotNet lets a key repeated under another tag (`!!str o1` after `o1`) through: the last would win.
            if (prices.ContainsKey(name))
            {
                reader.Error(keyNode, BundleErrorCodes.YamlSyntax, $"duplicate key '{name}' in pricing.models");
                valid = false;
                continue;
            }

            var what = "pricing.models." + name;
            var g = reader.Mapping(value, what, InputKey, OutputKey, CacheWriteKey, CacheWriteOneHourKey, CacheReadKey);
            var input = g?.Required(InputKey) is { } i ? reader.Decimal(i, $"{what}.{InputKey}", 0) : null;
            var output = g?.Required(OutputKey) is { } o ? reader.Decimal(o, $"{what}.{OutputKey}", 0) : null;
            var (write, writeOneHour, read, cacheValid) = g is null ? default : CachePrices(g, what);
            if (input is null || output is null || !cacheValid)
            {
                valid = false;
                prices[name] = default;
                continue;
            }

            prices[name] = new ModelTokenPrice(input.Value, output.Value) { CacheWritePer1KTokens = write, CacheWriteOneHourPer1KTokens = writeOneHour, CacheReadPer1KTokens = read };
        }

        return valid ? prices : null;
    }

    // The optional prompt-cache prices of a pricing or a model's entry (at least 0; null when not given), and whether each given is valid.
    private (decimal? Write, decimal? WriteOneHour, decimal? Read, bool Valid) CachePrices(YamlNodeReader.Fields f, string what)
    {
        var write = f[CacheWriteKey] is { } w ? reader.Decimal(w, $"{what}.{CacheWriteKey}", 0) : null;
        var writeOneHour = f[CacheWriteOneHourKey] is { } h ? reader.Decimal(h, $"{what}.{CacheWriteOneHourKey}", 0) : null;
        var read = f[CacheReadKey] is { } r ? reader.Decimal(r, $"{what}.{CacheReadKey}", 0) : null;
        var valid = (write is not null || !f.Written.Contains(CacheWriteKey)) && (writeOneHour is not null || !f.Written.Contains(CacheWriteOneHourKey))
            && (read is not null || !f.Written.Contains(CacheReadKey));
        return (write, writeOneHour, read, valid);
    }

    [GeneratedRegex("^[A-Z]{3}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Currency();
}
