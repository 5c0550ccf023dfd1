using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>Reads the tenant's <c>delegation</c> settings (<c>max_ttl</c>, <c>max_depth</c>), each bounded.</summary>
internal sealed class DelegationSectionParser(YamlNodeReader reader)
{
    public DelegationSettings Parse(YamlNode? node)
    {
        if (node is null || reader.Mapping(node, "delegation", "max_ttl", "max_depth") is not { } f)
        {
            return DelegationSettings.Default;
        }

        var settings = DelegationSettings.Default;
        if (f["max_ttl"] is { } ttlNode && reader.Duration(ttlNode, "delegation.max_ttl") is { } ttl)
        {
            if (ttl < TimeSpan.FromSeconds(1) || ttl > DelegationSettings.MaxMaxTtl)
            {
                reader.Error(ttlNode, BundleErrorCodes.ImpossibleValue, $"delegation.max_ttl must be between 1s and {DelegationSettings.MaxMaxTtl.TotalHours:0}h");
            }
            else
            {
                settings = settings with { MaxTtl = ttl };
            }
        }

        if (f["max_depth"] is { } depthNode && reader.Integer(depthNode, "delegation.max_depth", 0) is { } depth)
        {
            if (depth > DelegationSettings.MaxMaxDepth)
            {
                reader.Error(depthNode, BundleErrorCodes.ImpossibleValue, $"delegation.max_depth must be at most {DelegationSettings.MaxMaxDepth}, not {depth}");
            }
            else
            {
                settings = settings with { MaxDepth = (int)depth };
            }
        }

        return settings;
    }
}
