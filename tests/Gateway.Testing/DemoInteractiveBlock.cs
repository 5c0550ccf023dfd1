using System.Text.RegularExpressions;

namespace Gateway.Testing;

/// <summary>
/// The example bundle's demo agent accepts people's MCP clients for <c>make run</c> (its <c>interactive:</c> block, signed
/// in on the Development admin-token page): a test that gives the demo agent a block of its own removes that one first.
/// </summary>
public static partial class DemoInteractiveBlock
{
    /// <summary>The bundle text without any agent's <c>interactive:</c> block (the key and its more-indented lines).</summary>
    public static string Remove(string bundle) => Block().Replace(bundle, string.Empty);

    [GeneratedRegex("^    interactive:\\n(?:      .*\\n)+", RegexOptions.Multiline)]
    private static partial Regex Block();
}
