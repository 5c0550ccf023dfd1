using System.Net;
using System.Text.Json;

namespace Gateway.Cli;

/// <summary>An admin API answer: the status and its JSON body (a problem when not successful).</summary>
internal sealed record AdminResponse(HttpStatusCode Status, JsonElement? Body)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>The answer had a body that is not JSON (<see cref="Body"/> is then null).</summary>
    public bool NotJson { get; init; }

    public string ProblemCode => Body is { ValueKind: JsonValueKind.Object } body && body.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
        ? code.GetString()!
        : "http_" + ((int)Status).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public string ProblemText
    {
        get
        {
            if (Body is not { ValueKind: JsonValueKind.Object } body)
            {
                return Status.ToString();
            }

            var title = body.TryGetProperty("title", out var t) ? t.GetString() : Status.ToString();
            var text = body.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? $"{title}: {d.GetString()}" : title ?? string.Empty;

            // A limit that refused says when it resets (and, for the demo, how to reset it at once).
            return body.TryGetProperty("retry_after_seconds", out var wait) && wait.TryGetInt64(out var seconds)
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{text} (it resets in {seconds} s, at {DateTimeOffset.UtcNow.AddSeconds(seconds):yyyy-MM-dd'T'HH:mm:ss'Z'}; a make run demo resets at once with make demo-reset, make run stopped)")
                : text;
        }
    }
}
