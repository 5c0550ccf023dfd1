using System.Reflection;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Documentation;

/// <summary>Every setting of the <c>Gateway</c> section (<see cref="GatewayOptions"/>) is named in docs/ by its key (<c>Gateway:Limits:BodyReadTimeout</c>).</summary>
public sealed class GatewaySettingsDocumentTests
{
    [Fact]
    public void Documents_EveryGatewayOptionsKey_IsNamed()
    {
        var docs = string.Join('\n', Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "docs"), "*.md", SearchOption.AllDirectories).Select(File.ReadAllText));
        var keys = Keys(typeof(GatewayOptions), GatewayOptions.SectionName).ToList();

        var missing = keys.Where(key => !docs.Contains(key, StringComparison.Ordinal)).ToList();

        Assert.Contains("Gateway:Limits:MaxRequestBodyBytes", keys);
        Assert.True(missing.Count == 0, "Settings no document names: " + string.Join(", ", missing));
    }

    // The keys of a settings class: a nested settings class's keys under its property's name, every other property a key.
    private static IEnumerable<string> Keys(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(static p => p.CanWrite))
        {
            var key = prefix + ":" + property.Name;
            if (property.PropertyType.IsClass && property.PropertyType != typeof(string) && property.PropertyType.DeclaringType == typeof(GatewayOptions))
            {
                foreach (var nested in Keys(property.PropertyType, key))
                {
                    yield return nested;
                }
            }
            else
            {
                yield return key;
            }
        }
    }
}
