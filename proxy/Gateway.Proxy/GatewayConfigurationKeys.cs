using System.Collections;
using System.ComponentModel;
using System.Reflection;
using Gateway.Admin.Options;
using Gateway.Authorization.AccessTokens;
using Gateway.Oversight.Notifications;
using Gateway.Oversight.Options;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.Console;
using Gateway.Proxy.Hosting;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.People;
using Gateway.Proxy.Security;
using Gateway.Proxy.Telemetry;
using Gateway.Store;
using Gateway.Store.Postgres;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy;

/// <summary>
/// Refuses to start on a <c>Gateway:*</c> key no setting reads: a misspelled key (<c>Gateway__Credentials__EnvironmentPerTennant</c>)
/// would otherwise be ignored and leave its protection off. The keys known are the bindable properties of every options class bound
/// under <c>Gateway</c> (<see cref="Bindings"/>), found by reflection as the configuration binder finds them, case-insensitively;
/// a dictionary takes any key below it (a tenant, a role) and a list any index, each checked against its value's own properties.
/// </summary>
internal static class GatewayConfigurationKeys
{
    /// <summary>The section every checked key lies under.</summary>
    public const string Root = "Gateway";

    /// <summary>Every options class bound under <see cref="Root"/> and the section it is bound from (the gateway reads none of its keys raw).</summary>
    public static IReadOnlyList<(string Section, Type Options)> Bindings { get; } =
    [
        (GatewayOptions.SectionName, typeof(GatewayOptions)),
        (GatewayDataOptions.SectionName, typeof(GatewayDataOptions)),
        (OversightOptions.SectionName, typeof(OversightOptions)),
        (GatewayCredentialsOptions.SectionName, typeof(GatewayCredentialsOptions)),
        (ReceiptKeyOptions.SectionName, typeof(ReceiptKeyOptions)),
        (MetricsEndpointOptions.SectionName, typeof(MetricsEndpointOptions)),
        (TrustedProxyOptions.SectionName, typeof(TrustedProxyOptions)),
        (ServerOptions.SectionName, typeof(ServerOptions)),
        (AccessTokenOptions.SectionName, typeof(AccessTokenOptions)),
        (AdminOptions.SectionName, typeof(AdminOptions)),
        (StateStoreOptions.SectionName, typeof(StateStoreOptions)),
        (StateStoreOptions.SectionName + ":Redis", typeof(RedisStoreOptions)),
        (PostgresStoreOptions.SectionName, typeof(PostgresStoreOptions)),
        (PersonOptions.Section, typeof(PersonOptions)),
        (ConsoleOptions.Section, typeof(ConsoleOptions)),
        (McpEndpointOptions.Section, typeof(McpEndpointOptions)),
        (ApprovalNotificationOptions.Section, typeof(ApprovalNotificationOptions)),
    ];

    /// <summary>Throws an <see cref="OptionsValidationException"/> naming every unknown <c>Gateway:*</c> key of <paramref name="configuration"/>, and where it was set.</summary>
    public static void Check(IConfiguration configuration)
    {
        var failures = Unknown(configuration).Select(key => Describe(configuration, key)).ToList();
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(GatewayOptions), failures);
        }
    }

    /// <summary>The keys under <see cref="Root"/> with a value that no options class binds, in order.</summary>
    public static IReadOnlyList<string> Unknown(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return [.. configuration.GetSection(Root).AsEnumerable()
            .Where(static pair => pair.Value is not null && !IsKnown(pair.Key))
            .Select(static pair => pair.Key)
            .Order(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>True when some options class in <see cref="Bindings"/> binds <paramref name="key"/> (a full path, <c>Gateway:Store:Kind</c>).</summary>
    public static bool IsKnown(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var segments = key.Split(ConfigurationPath.KeyDelimiter);
        foreach (var (section, options) in Bindings)
        {
            var prefix = section.Split(ConfigurationPath.KeyDelimiter);
            // A key below the section that its class binds, or a section above it (Gateway:Store above Gateway:Store:Redis).
            var under = segments.Length >= prefix.Length && segments.Take(prefix.Length).SequenceEqual(prefix, StringComparer.OrdinalIgnoreCase);
            if ((under && Binds(options, segments.AsSpan(prefix.Length), []))
                || (!under && prefix.Length > segments.Length && prefix.Take(segments.Length).SequenceEqual(segments, StringComparer.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Every key the options classes bind, dictionaries' keys as <c>*</c> and lists' indexes as <c>0</c> (for tests and the docs).</summary>
    public static IReadOnlyList<string> All()
    {
        var keys = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (section, options) in Bindings)
        {
            List(options, section, keys, []);
        }

        return [.. keys];
    }

    // The message for one unknown key: the key, the nearest known one, and the source that set it.
    private static string Describe(IConfiguration configuration, string key)
    {
        var text = $"{key} is not a gateway setting (misspelled, or no longer read)";
        if (Nearest(key) is { } nearest)
        {
            text += $" (did you mean {nearest}?)";
        }

        if (configuration is IConfigurationRoot root && root.Providers.Reverse().FirstOrDefault(p => p.TryGet(key, out _)) is { } provider)
        {
            text += $". Set by {provider} (as an environment variable, {key.Replace(":", "__", StringComparison.Ordinal)})";
        }

        return text + ". Remove or correct it: the gateway does not start with a setting it would ignore.";
    }

    // The known key closest to the unknown one in spelling, when close enough to be a typo.
    private static string? Nearest(string key)
    {
        var normalised = key.Split(ConfigurationPath.KeyDelimiter);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var known in All())
        {
            var candidate = known.Split(ConfigurationPath.KeyDelimiter);
            if (candidate.Length != normalised.Length)
            {
                continue;
            }

            // Wildcards take the unknown key's own segment (a tenant, an index).
            var spelled = string.Join(':', candidate.Select((s, i) => s is "*" or "0" ? normalised[i] : s));
            var distance = Distance(spelled.ToUpperInvariant(), key.ToUpperInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (spelled, distance);
            }
        }

        return bestDistance <= Math.Max(2, key.Split(ConfigurationPath.KeyDelimiter)[^1].Length / 3) ? best : null;
    }

    // Levenshtein distance.
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    // Whether binding a value of type at the path's rest (relative to where it is bound) would use it.
    private static bool Binds(Type type, ReadOnlySpan<string> rest, HashSet<Type> seen)
    {
        if (rest.IsEmpty)
        {
            return true;
        }

        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsOpen(type))
        {
            return true;
        }

        if (IsScalar(type))
        {
            return false;
        }

        if (ElementOf(type) is { } element)
        {
            // A dictionary's key or a list's index: any segment, then the value's own keys.
            return Binds(element, rest[1..], seen);
        }

        if (!seen.Add(type))
        {
            return false;
        }

        try
        {
            var name = rest[0];
            return Properties(type).FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)) is { Value: { } property }
                && Binds(property.PropertyType, rest[1..], seen);
        }
        finally
        {
            seen.Remove(type);
        }
    }

    // Lists every key below path for a value of type.
    private static void List(Type type, string path, SortedSet<string> keys, HashSet<Type> seen)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsOpen(type) || IsScalar(type))
        {
            keys.Add(path);
            return;
        }

        if (ElementOf(type) is { } element)
        {
            keys.Add(path);
            List(element, path + ":" + (IsDictionary(type) ? "*" : "0"), keys, seen);
            return;
        }

        if (!seen.Add(type))
        {
            return;
        }

        foreach (var (name, property) in Properties(type))
        {
            List(property.PropertyType, path + ":" + name, keys, seen);
        }

        seen.Remove(type);
    }

    // The properties the binder sets, by key: a public getter and a public setter (init included), or a getter alone
    // on a value it fills in place (a mutable collection, a nested class); a [ConfigurationKeyName] renames the key.
    private static IEnumerable<KeyValuePair<string, PropertyInfo>> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(static p => p.GetMethod?.IsPublic == true && p.GetIndexParameters().Length == 0
                && (p.SetMethod?.IsPublic == true || FilledInPlace(p.PropertyType)))
            .Select(static p => new KeyValuePair<string, PropertyInfo>(p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name, p));

    // A get-only property the binder fills: a mutable collection or dictionary, or a nested class of settings.
    private static bool FilledInPlace(Type type) =>
        !IsScalar(type) && !IsOpen(type) && (ElementOf(type) is null
            ? !type.IsValueType
            : type.GetInterfaces().Append(type).Any(static i => i.IsGenericType
                && (i.GetGenericTypeDefinition() == typeof(ICollection<>) || i.GetGenericTypeDefinition() == typeof(IDictionary<,>)))
              && !type.IsArray);

    // A value read from one string (a number, a switch, a time span, a URI, an enum).
    private static bool IsScalar(Type type) =>
        type == typeof(string) || type.IsPrimitive || type.IsEnum || TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));

    // A value the binder takes whole, whatever is below it.
    private static bool IsOpen(Type type) => type == typeof(object) || typeof(IConfigurationSection).IsAssignableFrom(type);

    private static bool IsDictionary(Type type) => GenericArguments(type, typeof(IDictionary<,>)) is not null
        || GenericArguments(type, typeof(IReadOnlyDictionary<,>)) is not null;

    // A dictionary's value type or a collection's element type; null for anything else.
    private static Type? ElementOf(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if ((GenericArguments(type, typeof(IDictionary<,>)) ?? GenericArguments(type, typeof(IReadOnlyDictionary<,>))) is { } pair)
        {
            return pair[1];
        }

        return type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && GenericArguments(type, typeof(IEnumerable<>)) is { } item ? item[0] : null;
    }

    private static Type[]? GenericArguments(Type type, Type definition) =>
        type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition)?.GetGenericArguments();
}
