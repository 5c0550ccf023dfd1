using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests.Authoring;

/// <summary>The example bundle's tenant file, optionally edited, loaded from the test output copy.</summary>
internal static class ExampleTenant
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "ExampleBundle");

    public static string Text => File.ReadAllText(Path.Combine(Directory, "demo.yaml"));

    public static TenantPolicy Load(Func<string, string>? edit = null)
    {
        var text = edit is null ? Text : edit(Text);
        var result = PolicyBundleLoader.LoadTenantText("demo.yaml", text, Directory);
        return result.Tenant ?? throw new InvalidOperationException(string.Join(Environment.NewLine, result.Errors));
    }

    /// <summary>Appends <paramref name="yaml"/> items to the section that starts with <paramref name="section"/>.</summary>
    public static string Insert(string text, string section, string yaml)
    {
        var at = text.IndexOf(section + "\n", StringComparison.Ordinal);
        return at < 0 ? throw new InvalidOperationException($"no section {section}") : text.Insert(at + section.Length + 1, yaml);
    }
}
