using System.Buffers;
using System.Security.Cryptography;
using Gateway.Policy.Canonical;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// The canonical policy digest of a tenant file: SHA-256 (lowercase hex) of the canonical JSON of its YAML
/// tree — mapping keys sorted, every scalar as its string value (so quoting, comments, indentation, flow or
/// block style and key order do not change it), empty/null scalars as null, list order kept (it matters:
/// the first matching gate wins).
/// </summary>
internal static class PolicyDigest
{
    public static string Compute(YamlNode root)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(new CanonicalJsonWriter(buffer), root);
        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    /// <summary>The canonical JSON text of <paramref name="node"/> (what the digest is taken over).</summary>
    public static string CanonicalText(YamlNode node)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(new CanonicalJsonWriter(buffer), node);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(CanonicalJsonWriter writer, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteRaw("{"u8);
                var first = true;
                foreach (var (key, value) in mapping.Children
                    .Select(p => (Key: (p.Key as YamlScalarNode)?.Value ?? string.Empty, p.Value))
                    .OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        writer.WriteRaw(","u8);
                    }

                    first = false;
                    writer.WritePropertyName(key);
                    Write(writer, value);
                }

                writer.WriteRaw("}"u8);
                break;
            case YamlSequenceNode sequence:
                writer.WriteRaw("["u8);
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    if (i > 0)
                    {
                        writer.WriteRaw(","u8);
                    }

                    Write(writer, sequence.Children[i]);
                }

                writer.WriteRaw("]"u8);
                break;
            default:
                if (YamlNodeReader.IsNull(node))
                {
                    writer.WriteNull();
                }
                else
                {
                    writer.WriteString(((YamlScalarNode)node).Value);
                }

                break;
        }
    }
}
