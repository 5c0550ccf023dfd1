using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Security;

/// <summary>
/// The spellings of an injected credential that a reflecting upstream sends back, and the check that none of them
/// reached the agent: in the text as it arrived, and in every JSON value it holds (decoded, so that an escaped spelling is
/// seen as the value it stands for).
/// </summary>
internal static class CredentialEcho
{
    /// <summary>The spellings a reflecting upstream writes: the value, its bearer form, JSON-escaped, percent-encoded (both hex cases).</summary>
    public static IReadOnlyList<string> Spellings(string secret)
    {
        var percent = Uri.EscapeDataString(secret);
        return [.. new[]
        {
            secret,
            JsonEncodedText.Encode(secret, JavaScriptEncoder.Default).Value,
            percent,
            LowerHex(percent),
        }.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Fails when <paramref name="received"/> (a body, an event stream, a header) holds <paramref name="secret"/> in any spelling.</summary>
    public static void AssertAbsent(string secret, string received)
    {
        foreach (var spelling in Spellings(secret))
        {
            Assert.DoesNotContain(spelling, received, StringComparison.Ordinal);
        }

        // What a client decoding the JSON (a body, or each event's data) would read.
        foreach (var json in JsonParts(received))
        {
            Assert.DoesNotContain(secret, Decoded(json), StringComparison.Ordinal);
        }
    }

    private static string LowerHex(string percent) =>
        System.Text.RegularExpressions.Regex.Replace(percent, "%[0-9A-F]{2}", m => m.Value.ToLowerInvariant());

    private static IEnumerable<string> JsonParts(string received)
    {
        yield return received;
        foreach (var line in received.Split('\n'))
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                yield return line[5..].Trim();
            }
        }
    }

    // Every string (and member name) of the JSON, unescaped and joined; nothing when it is not JSON.
    private static string Decoded(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var parts = new List<string>();
            Collect(document.RootElement, parts);
            return string.Join('\n', parts);
        }
        catch (JsonException)
        {
            return string.Empty;
        }
    }

    private static void Collect(JsonElement element, List<string> parts)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    parts.Add(member.Name);
                    Collect(member.Value, parts);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, parts);
                }

                break;
            case JsonValueKind.String:
                parts.Add(element.GetString()!);
                break;
        }
    }
}
