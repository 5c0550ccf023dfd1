using System.Collections.Frozen;
using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>Typed, strict reads of YAML nodes that record an error (with position) instead of throwing.</summary>
internal sealed partial class YamlNodeReader
{
    private static readonly IReadOnlySet<string> NoLists = FrozenSet<string>.Empty;

    private readonly List<BundleError> _errors;

    public YamlNodeReader(string file, List<BundleError> errors)
    {
        File = file;
        _errors = errors;
    }

    public string File { get; }

    public int ErrorCount => _errors.Count;

    public void Error(YamlNode node, string code, string message) => Error(node.Start, code, message);

    public void Error(Mark mark, string code, string message) => _errors.Add(new BundleError(File, (int)mark.Line, (int)mark.Column, code, message));

    public static bool IsNull(YamlNode? node) => node is null
        || (node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s && (s.Value is null or "" or "~" or "null"));

    /// <summary>A mapping with only <paramref name="allowed"/> keys, each once and each with a value (anything else is an error); null if not a mapping.</summary>
    public Fields? Mapping(YamlNode node, string what, params string[] allowed) => Mapping(node, what, NoLists, allowed);

    /// <summary>As <see cref="Mapping(YamlNode, string, string[])"/>, but each of <paramref name="lists"/> may be written with no value: a list of none.</summary>
    public Fields? Mapping(YamlNode node, string what, IReadOnlySet<string> lists, params string[] allowed)
    {
        if (node is not YamlMappingNode mapping)
        {
            Error(node, BundleErrorCodes.WrongType, $"{what} must be a mapping");
            return null;
        }

        var fields = new Fields(this, mapping, what);
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            if (key is null)
            {
                Error(keyNode, BundleErrorCodes.WrongType, $"keys of {what} must be strings");
                continue;
            }

            if (Array.IndexOf(allowed, key) < 0)
            {
                Error(keyNode, BundleErrorCodes.UnknownKey, $"unknown key '{key}' in {what}; allowed: {string.Join(", ", allowed)}");
                continue;
            }

            // YamlDotNet refuses a repeated key only when its tag is the same too (`!!str default_verdict` is another key to
            // it): the last value would win, so a line appended to a mapping could override what an earlier one says.
            if (!fields.Written.Add(key))
            {
                Error(keyNode, BundleErrorCodes.YamlSyntax, $"duplicate key '{key}' in {what}");
            }
            else if (!IsNull(value))
            {
                fields.Values.Add(key, value);
            }
            else if (!lists.Contains(key))
            {
                // Read as absent, a key written with no value (`default_verdict:`, `~`, `null`) would take its default,
                // which is often the permissive one (allow, active, low risk, no approval).
                Error(value, BundleErrorCodes.MissingRequired, $"{what}.{key} is written with no value: give it one, or leave the key out");
            }
        }

        return fields;
    }

    /// <summary>The items of a sequence; an error and no items otherwise.</summary>
    public IReadOnlyList<YamlNode> Sequence(YamlNode node, string what)
    {
        if (IsNull(node))
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            Error(node, BundleErrorCodes.WrongType, $"{what} must be a list");
            return [];
        }

        return [.. sequence.Children];
    }

    public string? String(YamlNode node, string what)
    {
        if (node is not YamlScalarNode scalar)
        {
            Error(node, BundleErrorCodes.WrongType, $"{what} must be a string");
            return null;
        }

        if (IsNull(node))
        {
            Error(node, BundleErrorCodes.MissingRequired, $"{what} must not be empty");
            return null;
        }

        return scalar.Value;
    }

    public bool? Bool(YamlNode node, string what)
    {
        if (node is YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } scalar)
        {
            return scalar.Value == "true";
        }

        Error(node, BundleErrorCodes.WrongType, $"{what} must be true or false");
        return null;
    }

    /// <summary>A plain integer from <paramref name="min"/> to <paramref name="max"/>; an error otherwise.</summary>
    public long? Integer(YamlNode node, string what, long min, long max = long.MaxValue)
    {
        if (node is not YamlScalarNode { Style: ScalarStyle.Plain } scalar
            || !long.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Error(node, BundleErrorCodes.WrongType, $"{what} must be an integer");
            return null;
        }

        if (value < min)
        {
            Error(node, BundleErrorCodes.ImpossibleValue, $"{what} must be at least {min}, not {value}");
            return null;
        }

        if (value > max)
        {
            Error(node, BundleErrorCodes.ImpossibleValue, $"{what} must be at most {max}, not {value}");
            return null;
        }

        return value;
    }

    /// <summary>A plain decimal number (<c>5</c>, <c>0.0025</c>; no exponent) of at least <paramref name="min"/>.</summary>
    public decimal? Decimal(YamlNode node, string what, decimal min)
    {
        if (node is not YamlScalarNode { Style: ScalarStyle.Plain } scalar
            || !decimal.TryParse(scalar.Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            Error(node, BundleErrorCodes.WrongType, $"{what} must be a number");
            return null;
        }

        if (value < min)
        {
            Error(node, BundleErrorCodes.ImpossibleValue, $"{what} must be at least {min.ToString(CultureInfo.InvariantCulture)}, not {scalar.Value}");
            return null;
        }

        return value;
    }

    public T? Enum<T>(YamlNode node, string what)
        where T : struct, System.Enum
    {
        var text = String(node, what);
        if (text is null)
        {
            return null;
        }

        if (WireNames.TryParse<T>(text, out var value))
        {
            return value;
        }

        Error(node, BundleErrorCodes.InvalidValue, $"'{text}' is not a valid {what}; expected one of: {string.Join(", ", WireNames.All<T>())}");
        return null;
    }

    public List<T>? EnumList<T>(YamlNode node, string what)
        where T : struct, System.Enum
    {
        var list = new List<T>();
        foreach (var item in Sequence(node, what))
        {
            if (Enum<T>(item, what) is { } value)
            {
                list.Add(value);
            }
        }

        return list;
    }

    public List<(string Value, YamlNode Node)> StringList(YamlNode node, string what)
    {
        var list = new List<(string, YamlNode)>();
        if (node is YamlScalarNode && !IsNull(node))
        {
            Error(node, BundleErrorCodes.WrongType, $"{what} must be a list");
            return list;
        }

        foreach (var item in Sequence(node, what))
        {
            if (String(item, what) is { } value)
            {
                list.Add((value, item));
            }
        }

        return list;
    }

    public DataClassSet? DataClasses(YamlNode node, string what)
        => EnumList<DataClass>(node, what) is { } list ? DataClassSets.ToSet(list) : null;

    /// <summary>A positive duration like <c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>250ms</c>, <c>7d</c>.</summary>
    public TimeSpan? Duration(YamlNode node, string what)
    {
        var text = String(node, what);
        if (text is null)
        {
            return null;
        }

        var matches = DurationPart().Matches(text);
        var consumed = 0;
        var total = TimeSpan.Zero;
        try
        {
            foreach (Match match in matches)
            {
                if (match.Index != consumed)
                {
                    break;
                }

                consumed += match.Length;
                var amount = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                total += match.Groups[2].Value switch
                {
                    "ms" => TimeSpan.FromMilliseconds(amount),
                    "s" => TimeSpan.FromSeconds(amount),
                    "m" => TimeSpan.FromMinutes(amount),
                    "h" => TimeSpan.FromHours(amount),
                    _ => TimeSpan.FromDays(amount),
                };
            }
        }
        catch (OverflowException)
        {
            // Longer than a TimeSpan holds (about 29,000 years): an error at its position, not an exception.
            total = TimeSpan.Zero;
        }

        if (matches.Count == 0 || consumed != text.Length || total <= TimeSpan.Zero)
        {
            Error(node, BundleErrorCodes.InvalidDuration, $"{what} '{text}' is not a positive duration (e.g. 30s, 5m, 1h30m, 250ms, 7d)");
            return null;
        }

        return total;
    }

    [GeneratedRegex("([0-9]{1,9})(ms|s|m|h|d)", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPart();

    /// <summary>The fields of one mapping, read by name.</summary>
    internal sealed class Fields(YamlNodeReader reader, YamlMappingNode node, string what)
    {
        /// <summary>The keys written with a value (one written with no value is not here).</summary>
        public Dictionary<string, YamlNode> Values { get; } = new(StringComparer.Ordinal);

        /// <summary>Every key written, with a value or without.</summary>
        public HashSet<string> Written { get; } = new(StringComparer.Ordinal);

        public YamlMappingNode Node { get; } = node;

        public YamlNode? this[string key] => Values.GetValueOrDefault(key);

        /// <summary>The value of a required key; an error at the mapping when absent (a key written with no value has its own).</summary>
        public YamlNode? Required(string key)
        {
            var value = this[key];
            if (value is null && !Written.Contains(key))
            {
                reader.Error(Node, BundleErrorCodes.MissingRequired, $"{what} needs '{key}'");
            }

            return value;
        }

        public string? RequiredString(string key) => Required(key) is { } n ? reader.String(n, $"{what}.{key}") : null;

        public string? OptionalString(string key) => this[key] is { } n ? reader.String(n, $"{what}.{key}") : null;

        public bool OptionalBool(string key, bool fallback) => this[key] is { } n ? reader.Bool(n, $"{what}.{key}") ?? fallback : fallback;
    }
}
