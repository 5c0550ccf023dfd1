using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>Reads the tenant's <c>delegation</c> settings (<c>max_ttl</c>, <c>max_depth</c>, <c>issuance_limit</c>, <c>issuance_window</c>), each bounded.</summary>
internal sealed class DelegationSectionParser(YamlNodeReader reader)
{
    public DelegationSettings Parse(YamlNode? node)
    {
        if (node is null || reader.Mapping(node, "delegation", "max_ttl", "max_depth", "issuance_limit", "issuance_window") is not { } f)
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

        if (f["issuance_limit"] is { } limitNode && reader.Integer(limitNode, "delegation.issuance_limit", 1) is { } limit)
        {
            if (limit > DelegationSettings.MaxIssuanceLimit)
            {
                reader.Error(limitNode, BundleErrorCodes.ImpossibleValue, $"delegation.issuance_limit must be at most {DelegationSettings.MaxIssuanceLimit}, not {limit}");
            }
            else
            {
                settings = settings with { IssuanceLimit = (int)limit };
            }
        }

        if (f["issuance_window"] is { } windowNode && reader.Duration(windowNode, "delegation.issuance_window") is { } window)
        {
            if (window < TimeSpan.FromSeconds(1) || window > DelegationSettings.MaxIssuanceWindow)
            {
                reader.Error(windowNode, BundleErrorCodes.ImpossibleValue, $"delegation.issuance_window must be between 1s and {DelegationSettings.MaxIssuanceWindow.TotalHours:0}h");
            }
            else
            {
                settings = settings with { IssuanceWindow = window };
            }
        }

        return settings;
    }
}
