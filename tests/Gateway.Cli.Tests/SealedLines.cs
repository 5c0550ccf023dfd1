using System.Text.Json;
using Gateway.Policy.Canonical;

namespace Gateway.Cli.Tests;

/// <summary>Audit lines sealed as the gateway seals them: <c>hash</c> over every other member, appended last.</summary>
internal static class SealedLines
{
    /// <summary><paramref name="unsealed"/> (a JSON object without <c>hash</c>) with its hash.</summary>
    public static string Seal(string unsealed)
    {
        using var document = JsonDocument.Parse(unsealed);
        var hash = CanonicalJson.Sha256Hex(document.RootElement, static (writer, r) => writer.WriteObjectWithout(r, "hash"u8));
        return unsealed.TrimEnd()[..^1] + $$""","hash":"{{hash}}"}""";
    }
}
