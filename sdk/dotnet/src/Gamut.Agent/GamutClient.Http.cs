using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gamut.Agent;

/// <summary>The HTTP exchange under every call: one signed request, its JSON answer, and the typed exception for an error status.</summary>
public sealed partial class GamutClient
{
    /// <summary>The longest <c>Retry-After</c> a 503 <c>decision_outdated</c> is waited out for before its one resend.</summary>
    internal static readonly TimeSpan MaxOutdatedWait = TimeSpan.FromSeconds(5);

    internal async Task<JsonElement> SendAsync(HttpMethod method, string target, JsonObject? body, TimeSpan? timeout, string? person, CancellationToken cancellationToken)
    {
        // The call's timeout bounds the whole call: both exchanges of a resend and the wait between them.
        var (start, limit) = (_time.GetTimestamp(), timeout ?? Options.Timeout);
        var (status, _, text, retryAfter) = await ExchangeAsync(method, target, body, limit, person, ["application/json", "application/problem+json"], cancellationToken).ConfigureAwait(false);
        var json = ParseJson(text);
        if (OutdatedWait(status, json, retryAfter, limit - _time.GetElapsedTime(start)) is { } wait)
        {
            // 503 decision_outdated: refused before anything was forwarded, and the same request with a new nonce (the
            // signing handler signs each send afresh) is decided on what the store read: sent once more after the wait,
            // within what is left of the call's timeout.
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            (status, _, text, retryAfter) = await ExchangeAsync(method, target, body, limit, person, ["application/json", "application/problem+json"], cancellationToken,
                limit - _time.GetElapsedTime(start)).ConfigureAwait(false);
            json = ParseJson(text);
        }

        if (status is < 200 or > 299)
        {
            throw ErrorFor(status, json, retryAfter);
        }

        return json is { ValueKind: JsonValueKind.Object } answer ? answer : throw new GamutProtocolException($"The gateway answered {status} without a JSON object.");
    }

    /// <summary>Sends one signed request and answers its status, media type, body and Retry-After, whatever the status; <paramref name="left"/>: what remains of the call's timeout.</summary>
    internal async Task<(int Status, string? MediaType, byte[] Body, RetryConditionHeaderValue? RetryAfter)> ExchangeAsync(HttpMethod method, string target, JsonObject? body,
        TimeSpan? timeout, string? person, string[] accept, CancellationToken cancellationToken, TimeSpan? left = null)
    {
        if (person is not null)
        {
            // An untrusted value (a person's session) never writes header lines of its own: refused before anything is built or sent.
            PersonTokenShape.Check(person);
        }

        byte[]? bytes = null;
        if (body is not null)
        {
            bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
            var findings = SecretMaterial.Find(bytes);
            if (findings.Count > 0)
            {
                throw new GamutSecretMaterialException(findings);
            }
        }

        using var request = new HttpRequestMessage(method, new Uri(BaseUri.AbsoluteUri.TrimEnd('/') + target));
        foreach (var mediaType in accept)
        {
            request.Headers.Accept.ParseAdd(mediaType);
        }

        if (person is not null)
        {
            // Covered by the signature (its tenth v1 line, or the RFC 9421 component x-gamut-person): it cannot be moved onto another request.
            request.Headers.TryAddWithoutValidation(AgentSignature.PersonHeader, person);
        }

        if (RunId is { } run)
        {
            // Covered by the signature too (the last v1 line, or the RFC 9421 component x-gamut-run).
            request.Headers.TryAddWithoutValidation(AgentSignature.RunHeader, run);
        }
        if (bytes is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        var limit = timeout ?? Options.Timeout;
        // A resend has only what is left of the call's timeout (none left: cancelled before anything is sent).
        using var timeoutSource = new CancellationTokenSource(left is { } l ? (l > TimeSpan.Zero ? l : TimeSpan.Zero) : limit, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        HttpResponseMessage response;
        byte[] text;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            text = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException error) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new GamutTimeoutException($"No answer from the gateway within {limit.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms; the call is not retried.", error);
        }
        catch (HttpRequestException error)
        {
            throw new GamutHttpException($"The gateway could not be reached: {error.Message}", "gateway_unreachable", null, innerException: error);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is >= 300 and <= 399)
            {
                // The transport never follows a redirect (GamutSigningHandler): the signed request stays with the gateway, and a 3xx is its error.
                throw ErrorFor(status, ParseJson(text), response.Headers.RetryAfter);
            }

            return (status, response.Content.Headers.ContentType?.MediaType, text, response.Headers.RetryAfter);
        }
    }

    /// <summary>The wait before resending a 503 <c>decision_outdated</c> (1 s when Retry-After names none); null when it is not resent (over 5 s, or not shorter than the call's time <paramref name="left"/>).</summary>
    private static TimeSpan? OutdatedWait(int status, JsonElement? problem, RetryConditionHeaderValue? retryAfter, TimeSpan left)
    {
        if (status != 503 || problem is not { ValueKind: JsonValueKind.Object } p || !p.TryGetProperty("code", out var code)
            || code.ValueKind != JsonValueKind.String || code.GetString() != "decision_outdated")
        {
            return null;
        }

        var wait = retryAfter is null ? TimeSpan.FromSeconds(1) : RetryAfterOf(retryAfter);
        return wait is { } w && w <= MaxOutdatedWait && w < left ? w : null;
    }

    internal static JsonElement? ParseJson(byte[] text)
    {
        try
        {
            if (text.Length == 0)
            {
                return null;
            }

            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static GamutHttpException ErrorFor(int status, JsonElement? problem, RetryConditionHeaderValue? retryAfter)
    {
        string? Text(string name) => problem is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        JsonElement? Member(string name) => problem is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var v) ? v : null;
        var code = Text("code") ?? $"http_{status}";
        var message = $"{Text("detail") ?? $"The gateway answered {status}."} ({code}, HTTP {status})";
        var requestId = Text("request_id");
        var decision = Text("decision");
        var explanation = Member("explanation");
        GamutHttpException error = status switch
        {
            401 => new GamutAuthenticationException(message, code, status, requestId, problem, decision, explanation),
            403 => new GamutDeniedException(message, code, status, decision, explanation, requestId, problem),
            409 when Member("approval") is { ValueKind: JsonValueKind.Object } approval && approval.TryGetProperty("id", out var id)
                && id.ValueKind == JsonValueKind.String && id.GetString() is { } approvalId =>
                new GamutApprovalRequiredException(message, code, decision, explanation, requestId, problem, approvalId),
            409 when code == "run_cancelled" => new GamutRunCancelledException(message, code, requestId, problem, decision, explanation),
            409 when code == "run_ended" => new GamutRunEndedException(message, code, requestId, problem, decision, explanation),
            429 => new GamutRateLimitedException(message, code, requestId, problem, retryAfter?.Delta, decision, explanation),
            _ => new GamutHttpException(message, code, status, decision, explanation, requestId, problem),
        };
        error.RetryAfter ??= RetryAfterOf(retryAfter);
        return error;
    }

    /// <summary>The wait a <c>Retry-After</c> names (seconds, or a date from now); null when it names none.</summary>
    internal static TimeSpan? RetryAfterOf(RetryConditionHeaderValue? retryAfter) =>
        retryAfter?.Delta ?? (retryAfter?.Date is { } date ? TimeSpan.FromTicks(Math.Max(0, (date - DateTimeOffset.UtcNow).Ticks)) : null);
}
