using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Policy.Canonical;

namespace Gateway.Policy.Tests;

/// <summary>The canonical JSON text <see cref="CanonicalJsonWriter"/> writes for a value: the bytes every digest hashes.</summary>
internal static class CanonicalText
{
    public static string Of(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new CanonicalJsonWriter(buffer).WriteElement(element);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string Of(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Of(document.RootElement);
    }
}
