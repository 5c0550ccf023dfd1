using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>Validation shared by the gateway's transform factories, whose route config is a single <c>"on"</c> switch.</summary>
internal static class TransformValues
{
    /// <summary>True when <paramref name="key"/> is this factory's; an error is collected unless it stands alone with <c>on</c>.</summary>
    public static bool ValidateSwitch(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues, string key)
    {
        if (!transformValues.TryGetValue(key, out var value))
        {
            return false;
        }

        if (transformValues.Count != 1 || !string.Equals(value, "on", StringComparison.Ordinal))
        {
            context.Errors.Add(new ArgumentException($"The {key} transform takes the single value 'on' and no other keys."));
        }

        return true;
    }
}
