using System.Text.Json;
using Gateway.Policy.Canonical;

namespace Gateway.Policy.Tools;

/// <summary>
/// The digest of an MCP tool definition, what a catalog entry's <c>pin</c> holds: <c>sha256:</c> and the lowercase hex
/// SHA-256 of the canonical JSON of the definition's <c>annotations</c>, <c>description</c>, <c>inputSchema</c>,
/// <c>name</c>, <c>outputSchema</c> and <c>title</c> (absent members left out; keys sorted, so neither member order nor
/// whitespace changes it). <c>_meta</c>, <c>icons</c> and unknown members do not count: they do not reach the model.
/// </summary>
public static class ToolDefinitionDigest
{
    /// <summary>The prefix of every digest.</summary>
    public const string Prefix = "sha256:";

    // In canonical (ordinal) order.
    private static readonly string[] Members = ["annotations", "description", "inputSchema", "name", "outputSchema", "title"];

    /// <summary>The digest of <paramref name="tool"/> (an MCP <c>Tool</c> object).</summary>
    /// <exception cref="ArgumentException">The tool is not a JSON object.</exception>
    public static string Compute(JsonElement tool)
    {
        if (tool.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("A tool definition is a JSON object.", nameof(tool));
        }

        return Prefix + CanonicalJson.Sha256Hex(tool, static (writer, tool) =>
        {
            writer.WriteRaw("{"u8);
            var first = true;
            foreach (var member in Members)
            {
                if (!tool.TryGetProperty(member, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
                {
                    continue;
                }

                if (!first)
                {
                    writer.WriteRaw(","u8);
                }

                first = false;
                writer.WritePropertyName(member);
                writer.WriteElement(value);
            }

            writer.WriteRaw("}"u8);
        });
    }
}
