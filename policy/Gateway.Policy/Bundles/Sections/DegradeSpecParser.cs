using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>Reads a catalog entry's <c>degrade</c>: the reduced form, and for <c>route</c> (a model entry's alone) the model and token cap.</summary>
internal sealed class DegradeSpecParser(YamlNodeReader reader)
{
    /// <summary>The degrade form of an entry of <paramref name="kind"/> (null: the kind is unknown, so not checked).</summary>
    public DegradeSpec? Parse(YamlNode node, ConnectorKind? kind)
    {
        var f = reader.Mapping(node, "degrade", "mode", "route");
        if (f is null || (f.Required("mode") is { } m ? reader.Enum<DegradeMode>(m, "degrade mode") : null) is not { } mode)
        {
            return null;
        }

        if (mode == DegradeMode.Route && kind is { } known && !known.IsModel())
        {
            // Only a model connector rewrites its request to a route; any other kind would forward the full action.
            reader.Error(f["mode"]!, BundleErrorCodes.InvalidValue, "degrade mode route applies only to model connectors (kinds openai and anthropic)");
        }

        DegradeRoute? route = null;
        if (f["route"] is { } routeNode)
        {
            if (mode != DegradeMode.Route)
            {
                reader.Error(routeNode, BundleErrorCodes.InvalidValue, "'route' applies only to degrade mode route");
            }

            var rf = reader.Mapping(routeNode, "degrade.route", "model", "max_tokens");
            if (rf is not null)
            {
                route = new DegradeRoute
                {
                    Model = rf.OptionalString("model"),
                    MaxTokens = rf["max_tokens"] is { } mt ? (int?)reader.Integer(mt, "degrade.route.max_tokens", 1, int.MaxValue) : null,
                };
                if (string.IsNullOrWhiteSpace(route.Model) && rf["max_tokens"] is null)
                {
                    // A route changing nothing would forward the full call, recorded and explained as routed.
                    reader.Error(routeNode, BundleErrorCodes.MissingRequired, "degrade.route needs a model or max_tokens (a route naming neither changes nothing)");
                }
            }
        }
        else if (mode == DegradeMode.Route)
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, "degrade mode route needs 'route' (model and/or max_tokens)");
        }

        return new DegradeSpec { Mode = mode, Route = route };
    }
}
