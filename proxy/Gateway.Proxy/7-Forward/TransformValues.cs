using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Reading and checking the route values of the gateway's transforms. A factory's <c>Validate</c> adds one error per
/// problem (an unknown key, each bad value) to the route's context, so that a route shows every error at once; its
/// <c>Build</c> then reads values that were checked.
/// </summary>
internal static class TransformValues
{
    /// <summary>The prefix of every gateway transform key (YARP's own keys have none).</summary>
    public const string Prefix = "Gamut";

    /// <summary>An error for each key that is neither <paramref name="key"/> nor one of <paramref name="optional"/>.</summary>
    public static void CheckKeys(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues, string key, params string[] optional)
    {
        foreach (var name in transformValues.Keys)
        {
            if (!string.Equals(name, key, StringComparison.Ordinal) && Array.IndexOf(optional, name) < 0)
            {
                context.Errors.Add(new ArgumentException(
                    $"The {key} transform does not take '{name}'" + (optional.Length == 0 ? "." : $"; it takes {string.Join(", ", optional)}.")));
            }
        }
    }

    /// <summary>True when <paramref name="value"/> names a member of <typeparamref name="TOption"/>; otherwise an error naming the members.</summary>
    public static bool CheckOption<TOption>(TransformRouteValidationContext context, string key, string? value)
        where TOption : struct, Enum
    {
        if (value is not null && TryParseOption<TOption>(value, out _))
        {
            return true;
        }

        context.Errors.Add(new ArgumentException($"'{value}' is not a value of {key}; it takes one of {string.Join(", ", Enum.GetNames<TOption>())}."));
        return false;
    }

    /// <summary>The option a value names, by its exact member name (numbers are not names).</summary>
    public static bool TryParseOption<TOption>(string value, out TOption option)
        where TOption : struct, Enum
    {
        option = default;
        return value.Length > 0 && !char.IsAsciiDigit(value[0]) && value[0] != '-'
            && Enum.TryParse(value, ignoreCase: false, out option) && Enum.IsDefined(option);
    }

    /// <summary>The option a checked value names; a value that <c>Validate</c> would have refused throws.</summary>
    public static TOption ParseOption<TOption>(string key, string value)
        where TOption : struct, Enum =>
        TryParseOption<TOption>(value, out var option) ? option : throw new ArgumentException($"'{value}' is not a value of {key}.");

    /// <summary>True when <paramref name="name"/> is an HTTP field name (a token: letters, digits and <c>!#$%&amp;'*+-.^_`|~</c>).</summary>
    public static bool IsHeaderName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && "!#$%&'*+-.^_`|~".IndexOf(c) < 0)
            {
                return false;
            }
        }

        return true;
    }
}
