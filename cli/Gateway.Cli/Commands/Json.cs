using System.Globalization;
using System.Text.Json;

namespace Gateway.Cli.Commands;

/// <summary>Small readers over API answers for the text output.</summary>
internal static class Json
{
    public static string Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString() ?? string.Empty,
                JsonValueKind.Null or JsonValueKind.Undefined => string.Empty,
                _ => value.GetRawText(),
            }
            : string.Empty;

    public static bool Bool(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    public static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];

    public static string List(JsonElement element, string name) => string.Join(",", Array(element, name).Select(e => e.GetString()));

    public static string YesNo(bool value) => value ? "yes" : "no";

    public static string Count(JsonElement element, string name) =>
        Array(element, name).Count().ToString(CultureInfo.InvariantCulture);
}
