using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gamut.Agent.Upstream;

/// <summary>
/// For an executor (a service that acts on the gateway's decisions): verifies a decision token offline with the
/// gateway's decision signing key (<see cref="DecisionTokenVerifier"/>: signature, expiry, tenant, tool, intent), then
/// asks the gateway's <c>POST /v1/decision-tokens/verify</c>, with the executor's credential, whether it has been revoked
/// since. A token that fails offline is answered without a call. A live answer is reused for the same token (the whole
/// token, by its SHA-256: never another token of the same id, which a holder of the signing key could write for another
/// tool) for at most <see cref="GatewayDecisionTokenVerifierOptions.LiveCacheDuration"/>, a revoked one until the token expires;
/// anything else is asked again. When the gateway cannot answer (connection error, timeout, 5xx, a refused credential,
/// an unexpected answer, a redirect) the result is <see cref="DecisionTokenStatus.Unavailable"/>, never live, and is not cached.
/// Nothing it returns or throws contains the token or the credential.
/// </summary>
/// <remarks>
/// The <see cref="HttpClient"/> is the caller's (e.g. a typed or named client of <c>IHttpClientFactory</c>) and is not
/// disposed here; the verifier's own <see cref="GatewayDecisionTokenVerifierOptions.Timeout"/> bounds each call. A 3xx, or
/// an answer from any URL other than the verify endpoint (a client that followed a redirect), is <c>unexpected_answer</c>:
/// give a client whose handler does not follow redirects (<c>AllowAutoRedirect = false</c>), or the token is re-posted to
/// the redirect's target before its answer is refused. One instance is meant to be shared: it is thread-safe and its
/// cache is per instance.
/// </remarks>
public sealed class GatewayDecisionTokenVerifier
{
    /// <summary>The verify endpoint, relative to the gateway's base URL.</summary>
    public const string VerifyPath = "v1/decision-tokens/verify";

    private const int MaxAnswerBytes = 64 * 1024;
    private const int PruneThreshold = 1024;

    private const string JsonMediaType = "application/json";

    private readonly HttpClient _http;
    private readonly DecisionTokenVerifier _offline;
    private readonly Uri _endpoint;
    private readonly string _executorToken;
    private readonly TimeSpan _liveFor;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _skew;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CachedAnswer> _answers = new(StringComparer.Ordinal);

    /// <param name="httpClient">The client to call the gateway with (not disposed by the verifier).</param>
    /// <param name="decisionSigningKey">The gateway's decision signing key (<c>DECISION_SIGNING_KEY</c>, see <see cref="GatewayKey.FromText"/>).</param>
    /// <param name="options">The gateway, the executor credential, the cache and timeout.</param>
    /// <param name="timeProvider">The clock for expiry, the cache and the timeout (default the system clock).</param>
    public GatewayDecisionTokenVerifier(HttpClient httpClient, ReadOnlySpan<byte> decisionSigningKey, GatewayDecisionTokenVerifierOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid decision token verifier options: " + string.Join(" ", errors), nameof(options));
        }

        _time = timeProvider ?? TimeProvider.System;
        _offline = new DecisionTokenVerifier(decisionSigningKey, _time, options.ClockSkew);
        _http = httpClient;
        _endpoint = new Uri(new Uri(options.GatewayUrl.AbsoluteUri.TrimEnd('/') + "/"), VerifyPath);
        _executorToken = options.ExecutorToken;
        _liveFor = options.LiveCacheDuration;
        _timeout = options.Timeout;
        _skew = options.ClockSkew;
    }

    /// <summary>
    /// Verifies <paramref name="token"/> for the action the executor is about to carry out: <paramref name="expectedTool"/>
    /// in <paramref name="expectedTenant"/> (and, when given, with <paramref name="expectedIntentDigest"/>). Act only when
    /// the result <see cref="GatewayDecisionTokenVerification.IsLive"/>. The token stays live for other verifications until
    /// it expires or is revoked; to act on a token once only, use <see cref="ConsumeAsync"/>. Throws only when
    /// <paramref name="cancellationToken"/> is cancelled, or (<see cref="ArgumentException"/>) when the tenant or the tool is not named.
    /// </summary>
    public ValueTask<GatewayDecisionTokenVerification> VerifyAsync(string? token, string expectedTenant, string expectedTool, string? expectedIntentDigest = null, CancellationToken cancellationToken = default) =>
        CheckAsync(token, expectedTenant, expectedTool, expectedIntentDigest, consume: false, cancellationToken);

    /// <summary>
    /// As <see cref="VerifyAsync"/>, and uses the token up: the gateway answers live to one consuming call only, across
    /// its replicas (<c>"consume": true</c>), and <see cref="DecisionTokenStatus.Revoked"/> with reason <c>used</c> to every
    /// later one. A live answer is never taken from or put in the cache. Act only when the result is live.
    /// </summary>
    public ValueTask<GatewayDecisionTokenVerification> ConsumeAsync(string? token, string expectedTenant, string expectedTool, string? expectedIntentDigest = null, CancellationToken cancellationToken = default) =>
        CheckAsync(token, expectedTenant, expectedTool, expectedIntentDigest, consume: true, cancellationToken);

    private async ValueTask<GatewayDecisionTokenVerification> CheckAsync(string? token, string expectedTenant, string expectedTool, string? expectedIntentDigest, bool consume, CancellationToken cancellationToken)
    {
        var offline = _offline.Verify(token, expectedTenant, expectedTool, expectedIntentDigest);
        if (!offline.IsValid)
        {
            return new(offline.Failure == DecisionTokenFailure.Expired ? DecisionTokenStatus.Expired : DecisionTokenStatus.Invalid, offline.Reason, null);
        }

        var claims = offline.Payload!;
        var key = CacheKey(token!);
        if (_answers.TryGetValue(key, out var cached) && _time.GetUtcNow() < cached.Until && !(consume && cached.Answer.IsLive))
        {
            return cached.Answer;
        }

        var answer = await AskGatewayAsync(token!, claims, consume, cancellationToken).ConfigureAwait(false);
        if (!(consume && answer.IsLive))
        {
            Remember(key, claims, answer);
        }

        return answer;
    }

    // The cache's key: the SHA-256 of the whole token (its signature included), so only the very token answered is answered again.
    private static string CacheKey(string token) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private async ValueTask<GatewayDecisionTokenVerification> AskGatewayAsync(string token, DecisionTokenPayload claims, bool consume, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = RequestBody(token, consume) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _executorToken);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if ((int)response.StatusCode is >= 300 and <= 399 || (response.RequestMessage?.RequestUri is { } answered && answered != _endpoint))
            {
                // A redirect, or the answer of wherever a client that follows redirects was sent: not the gateway's answer at
                // the endpoint, so never live (another origin could answer live for a revoked or used token).
                return DecisionTokenVerifyAnswer.Unexpected;
            }

            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return Unavailable("credential_refused");
            }

            if ((int)response.StatusCode >= 500)
            {
                return Unavailable("gateway_error");
            }

            if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != JsonMediaType)
            {
                return DecisionTokenVerifyAnswer.Unexpected;
            }

            var body = await ReadBoundedAsync(response.Content, linked.Token).ConfigureAwait(false);
            return body is null ? DecisionTokenVerifyAnswer.Unexpected : DecisionTokenVerifyAnswer.Read(body.WrittenSpan, claims, consume);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Unavailable("timeout");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return Unavailable("gateway_unreachable");
        }
    }

    private void Remember(string key, DecisionTokenPayload claims, GatewayDecisionTokenVerification answer)
    {
        var now = _time.GetUtcNow();
        var lastValid = DateTimeOffset.FromUnixTimeSeconds(claims.ExpiresAt) + _skew;
        DateTimeOffset until;
        if (answer.Status == DecisionTokenStatus.Live && _liveFor > TimeSpan.Zero)
        {
            until = now + _liveFor < lastValid ? now + _liveFor : lastValid;
        }
        else if (answer.Status == DecisionTokenStatus.Revoked)
        {
            until = lastValid;
        }
        else
        {
            return;
        }

        if (_answers.Count >= PruneThreshold)
        {
            foreach (var entry in _answers)
            {
                if (entry.Value.Until <= now)
                {
                    _answers.TryRemove(entry);
                }
            }
        }

        _answers[key] = new CachedAnswer(answer, until);
    }

    private static ByteArrayContent RequestBody(string token, bool consume)
    {
        var buffer = new ArrayBufferWriter<byte>(token.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("token", token);
            if (consume)
            {
                writer.WriteBoolean("consume", true);
            }

            writer.WriteEndObject();
        }

        var content = new ByteArrayContent(buffer.WrittenSpan.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType);
        return content;
    }

    /// <summary>The body, or null when it is longer than <see cref="MaxAnswerBytes"/>.</summary>
    private static async ValueTask<ArrayBufferWriter<byte>?> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > MaxAnswerBytes)
        {
            return null;
        }

        var body = new ArrayBufferWriter<byte>(1024);
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            while (true)
            {
                var read = await stream.ReadAsync(body.GetMemory(4096), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return body;
                }

                body.Advance(read);
                if (body.WrittenCount > MaxAnswerBytes)
                {
                    return null;
                }
            }
        }
    }

    private static GatewayDecisionTokenVerification Unavailable(string reason) => new(DecisionTokenStatus.Unavailable, reason, null);

    private sealed record CachedAnswer(GatewayDecisionTokenVerification Answer, DateTimeOffset Until);
}
