using System.Globalization;
using Gateway.Store;
using Microsoft.AspNetCore.Http;

namespace Gateway.Connectors.Signing;

/// <summary>
/// For receivers of gateway calls (webhooks, executors): verifies the agent-protocol signature made with
/// the gateway's service key, refuses timestamps outside the skew window, and refuses a nonce seen before
/// (recorded atomically in an <see cref="IStateStore"/> only once the signature is valid, so forged
/// requests cannot burn nonces). Store failures propagate as <see cref="StateStoreUnavailableException"/> (fail closed).
/// </summary>
public sealed class WebhookSignatureVerifier
{
    private readonly byte[] _key;
    private readonly IStateStore _nonces;
    private readonly WebhookVerifierOptions _options;
    private readonly TimeProvider _time;

    public WebhookSignatureVerifier(ReadOnlySpan<byte> serviceKey, IStateStore nonces, WebhookVerifierOptions? options = null, TimeProvider? timeProvider = null)
    {
        if (serviceKey.IsEmpty)
        {
            throw new ArgumentException("The service key is required.", nameof(serviceKey));
        }

        _options = options ?? new WebhookVerifierOptions();
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid webhook verifier options: " + string.Join(" ", errors), nameof(options));
        }

        _key = serviceKey.ToArray();
        _nonces = nonces ?? throw new ArgumentNullException(nameof(nonces));
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Verifies a request given its parts; <paramref name="target"/> is the path and query as sent.</summary>
    public async ValueTask<WebhookVerification> VerifyAsync(string method, string target, Func<string, string?> header, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(header);
        var tenant = header(SignatureHeaders.Tenant);
        var workspace = header(SignatureHeaders.Workspace);
        var agent = header(SignatureHeaders.Agent);
        var timestamp = header(SignatureHeaders.Timestamp);
        var nonce = header(SignatureHeaders.Nonce);
        var signature = header(SignatureHeaders.Signature);
        if (tenant is null || workspace is null || agent is null || timestamp is null || nonce is null || signature is null)
        {
            return WebhookVerification.Refused("missing_header");
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || nonce.Length is < 16 or > 128 || !nonce.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            return WebhookVerification.Refused("malformed_header");
        }

        if (!string.Equals(agent, _options.ExpectedAgent, StringComparison.Ordinal))
        {
            return WebhookVerification.Refused("wrong_agent");
        }

        var skew = Math.Abs(_time.GetUtcNow().ToUnixTimeSeconds() - seconds);
        if (skew > _options.MaxClockSkew.TotalSeconds)
        {
            return WebhookVerification.Refused("stale_timestamp");
        }

        var canonical = CanonicalRequest.Build(method, target, tenant, workspace, agent, timestamp, nonce, CanonicalRequest.HashBody(body.Span));
        if (!CanonicalRequest.Verify(_key, canonical, signature))
        {
            return WebhookVerification.Refused("bad_signature");
        }

        var fresh = await _nonces.TrySetIfAbsentAsync(StoreKeys.Nonce(tenant, agent, nonce), "1", _options.NonceRetention, cancellationToken).ConfigureAwait(false);
        return fresh ? WebhookVerification.Valid : WebhookVerification.Refused("replayed_nonce");
    }

    /// <summary>Verifies an ASP.NET Core request (its body is buffered so the handler can read it again).</summary>
    public async ValueTask<WebhookVerification> VerifyAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.EnableBuffering();
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        request.Body.Position = 0;
        if (buffer.Length > _options.MaxBodyBytes)
        {
            return WebhookVerification.Refused("body_too_large");
        }

        var target = request.PathBase.Add(request.Path).ToUriComponent() + request.QueryString.ToUriComponent();
        return await VerifyAsync(request.Method, target, name => request.Headers.TryGetValue(name, out var v) && v.Count == 1 ? v[0] : null, buffer.ToArray(), cancellationToken).ConfigureAwait(false);
    }
}
