using System.Collections.Frozen;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>
/// The snake_case wire names of the policy enums (from their <see cref="JsonStringEnumMemberNameAttribute"/>),
/// used by the bundle loader and by explanations. Built once per enum type; lookups do not allocate.
/// </summary>
public static class WireNames
{
    /// <summary>The wire name of <paramref name="value"/>.</summary>
    public static string Of<T>(T value)
        where T : struct, Enum
    {
        // Dense enums (all but the flag enums) are looked up by index: no hashing on the decision path.
        if (Unsafe.SizeOf<T>() == sizeof(int))
        {
            var index = Unsafe.As<T, int>(ref value);
            var byIndex = Cache<T>.ByIndex;
            if ((uint)index < (uint)byIndex.Length && byIndex[index] is { } fast)
            {
                return fast;
            }
        }

        return Cache<T>.ToName.TryGetValue(value, out var name) ? name : value.ToString();
    }

    /// <summary>Parses a wire name (exact, case-sensitive).</summary>
    public static bool TryParse<T>(string? name, out T value)
        where T : struct, Enum
    {
        if (name is not null && Cache<T>.FromName.TryGetValue(name, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>All wire names of <typeparamref name="T"/>, for error messages.</summary>
    public static IReadOnlyCollection<string> All<T>()
        where T : struct, Enum => Cache<T>.Names;

    private static class Cache<T>
        where T : struct, Enum
    {
        public static readonly FrozenDictionary<T, string> ToName = Build();
        public static readonly FrozenDictionary<string, T> FromName = ToName.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
        public static readonly IReadOnlyCollection<string> Names = [.. ToName.Values];
        public static readonly string?[] ByIndex = BuildIndex();

        private static string?[] BuildIndex()
        {
            if (Unsafe.SizeOf<T>() != sizeof(int) || ToName.Count == 0)
            {
                return [];
            }

            var max = ToName.Keys.Max(k => Unsafe.As<T, int>(ref k));
            if (max < 0 || max > 64)
            {
                return [];
            }

            var names = new string?[max + 1];
            foreach (var (key, name) in ToName)
            {
                var k = key;
                names[Unsafe.As<T, int>(ref k)] = name;
            }

            return names;
        }

        private static FrozenDictionary<T, string> Build()
        {
            var map = new Dictionary<T, string>();
            foreach (var field in typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                var attribute = field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>();
                if (attribute is not null)
                {
                    map[(T)field.GetValue(null)!] = attribute.Name;
                }
            }

            return map.ToFrozenDictionary();
        }
    }
}
