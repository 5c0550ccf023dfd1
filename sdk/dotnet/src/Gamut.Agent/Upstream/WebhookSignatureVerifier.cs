using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gamut.Agent.Upstream;

/// <summary>
/// For a receiver of the gateway's webhook calls: verifies the agent-protocol signature the gateway makes with its
/// service key (<c>GATEWAY_SERVICE_KEY</c>, agent line <c>gateway</c>), refuses timestamps outside the skew window,
/// and refuses a nonce seen before (recorded atomically in an <see cref="INonceStore"/> only once the signature is
/// valid, so forged requests cannot burn nonces). Store failures propagate (fail closed). The MAC is compared in
/// constant time.
/// </summary>
public sealed class WebhookSignatureVerifier
{
    private const string SignaturePrefix = "v1=";

    /// <summary>The latest timestamp read: 9999-12-31T23:59:59Z, the last second a <see cref="DateTimeOffset"/> holds.</summary>
    private const long MaxTimestamp = 253_402_300_799;

    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    private readonly byte[] _key;
    private readonly INonceStore _nonces;
    private readonly WebhookVerifierOptions _options;
    private readonly TimeProvider _time;

    public WebhookSignatureVerifier(ReadOnlySpan<byte> serviceKey, INonceStore nonces, WebhookVerifierOptions? options = null, TimeProvider? timeProvider = null)
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

    /// <summary>
    /// Verifies a request given its parts: <paramref name="target"/> is the path and query as sent (in ASP.NET Core,
    /// <c>IHttpRequestFeature.RawTarget</c>), <paramref name="header"/> answers a header's one value (null when absent
    /// or repeated), and <paramref name="body"/> is the exact bytes received.
    /// </summary>
    public async ValueTask<WebhookVerification> VerifyAsync(string method, string target, Func<string, string?> header, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(header);
        var tenant = header(GatewayRequestHeaders.Tenant);
        var workspace = header(GatewayRequestHeaders.Workspace);
        var agent = header(GatewayRequestHeaders.Agent);
        var timestamp = header(GatewayRequestHeaders.Timestamp);
        var nonce = header(GatewayRequestHeaders.Nonce);
        var signature = header(GatewayRequestHeaders.Signature);
        if (tenant is null || workspace is null || agent is null || timestamp is null || nonce is null || signature is null)
        {
            return WebhookVerification.Refused("missing_header");
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > MaxTimestamp
            || nonce.Length is < 16 or > 128 || !nonce.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            return WebhookVerification.Refused("malformed_header");
        }

        if (!string.Equals(agent, _options.ExpectedAgent, StringComparison.Ordinal))
        {
            return WebhookVerification.Refused("wrong_agent");
        }

        // Milliseconds, not truncated seconds: at ts + 300.9 s the timestamp is 300.9 s old, not 300.
        if (Math.Abs(_time.GetUtcNow().ToUnixTimeMilliseconds() - (seconds * 1000)) > (long)_options.MaxClockSkew.TotalMilliseconds)
        {
            return WebhookVerification.Refused("stale_timestamp");
        }

        var canonical = AgentSignature.CanonicalString(method, target, tenant, workspace, agent, timestamp, nonce, body.Span);
        if (!SignatureMatches(canonical, signature))
        {
            return WebhookVerification.Refused("bad_signature");
        }

        var fresh = await _nonces.TryRememberAsync(tenant, agent, nonce, _options.AppliedNonceRetention, cancellationToken).ConfigureAwait(false);
        return fresh ? WebhookVerification.Valid : WebhookVerification.Refused("replayed_nonce");
    }

    /// <summary>True when <paramref name="presented"/> is <c>v1=</c> and 64 lowercase hex digits equal, in constant time, to the MAC of <paramref name="canonical"/>.</summary>
    private bool SignatureMatches(string canonical, string presented)
    {
        var hex = presented.AsSpan(Math.Min(SignaturePrefix.Length, presented.Length));
        if (!presented.StartsWith(SignaturePrefix, StringComparison.Ordinal) || hex.Length != HMACSHA256.HashSizeInBytes * 2 || hex.ContainsAnyExcept(LowerHex))
        {
            return false;
        }

        Span<byte> presentedMac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Convert.FromHexString(hex, presentedMac, out _, out _);
        Span<byte> expectedMac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(canonical), expectedMac);
        return CryptographicOperations.FixedTimeEquals(expectedMac, presentedMac);
    }
}
