using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gamut.Agent.Upstream;

/// <summary>
/// For an upstream service the gateway forwards to: verifies the decision token of the
/// <see cref="GatewayRequestHeaders.DecisionToken"/> header, <c>v1.&lt;base64url(payload JSON)&gt;.&lt;base64url(HMAC-SHA256(key, "v1." + payload part))&gt;</c>,
/// with the gateway's decision signing key: signature (constant time), lifetime, expiry (with a small skew),
/// decision, the expected tenant and tool, and optionally the intent digest. The tool is required: a token is the
/// gateway's decision about one action, and an executor that did not say which action it is about to carry out would
/// accept a token for any (an <c>echo.read</c> token for a payment). It cannot know whether the gateway has
/// revoked the token since (agent or tenant revoked, policy changed, evaluation token used): an executor that must
/// honour revocation uses <see cref="GatewayDecisionTokenVerifier"/>, which runs this check first.
/// </summary>
public sealed class DecisionTokenVerifier
{
    /// <summary>The longest lifetime the protocol allows, in seconds.</summary>
    private const long MaxLifetimeSeconds = 300;

    private const string Prefix = "v1.";

    private static readonly HashSet<string> AllowFamily = new(["allow", "allow_and_log", "degrade"], StringComparer.Ordinal);
    private static readonly HashSet<string> OtherDecisions = new(["require_approval", "block", "block_and_open_incident"], StringComparer.Ordinal);
    private static readonly HashSet<string> DegradeModes = new(["redact", "read_only", "dry_run", "route", "mask"], StringComparer.Ordinal);

    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private readonly long _skewSeconds;

    /// <param name="key">The gateway's decision signing key (<c>DECISION_SIGNING_KEY</c>, see <see cref="GatewayKey.FromText"/>).</param>
    /// <param name="time">The clock.</param>
    /// <param name="clockSkew">Tolerance for clock differences (default 5 s, at most 60 s).</param>
    public DecisionTokenVerifier(ReadOnlySpan<byte> key, TimeProvider time, TimeSpan? clockSkew = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (key.Length < 32)
        {
            throw new ArgumentException("The decision signing key must be at least 32 bytes.", nameof(key));
        }

        var skew = clockSkew ?? TimeSpan.FromSeconds(5);
        if (skew < TimeSpan.Zero || skew > TimeSpan.FromSeconds(60))
        {
            throw new ArgumentOutOfRangeException(nameof(clockSkew), skew, "Clock skew must be between 0 and 60 seconds.");
        }

        _key = key.ToArray();
        _time = time;
        _skewSeconds = (long)skew.TotalSeconds;
    }

    /// <summary>
    /// Verifies <paramref name="token"/> for the action the executor is about to carry out: <paramref name="expectedTool"/>
    /// (the catalog tool) in <paramref name="expectedTenant"/>, and, when given, with <paramref name="expectedIntentDigest"/>.
    /// Never throws for a bad token; throws <see cref="ArgumentException"/> when the tenant or the tool is not named.
    /// </summary>
    public DecisionTokenVerification Verify(string? token, string expectedTenant, string expectedTool, string? expectedIntentDigest = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(expectedTenant);
        ArgumentException.ThrowIfNullOrEmpty(expectedTool);
        if (string.IsNullOrEmpty(token))
        {
            return DecisionTokenVerification.Fail(DecisionTokenFailure.Missing);
        }

        if (!token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return DecisionTokenVerification.Fail(token.Contains('.', StringComparison.Ordinal) && char.IsAsciiLetter(token[0]) ? DecisionTokenFailure.UnsupportedVersion : DecisionTokenFailure.Malformed);
        }

        var lastDot = token.LastIndexOf('.');
        if (lastDot <= Prefix.Length || lastDot == token.Length - 1 || token.AsSpan(Prefix.Length, lastDot - Prefix.Length).Contains('.'))
        {
            return DecisionTokenVerification.Fail(DecisionTokenFailure.Malformed);
        }

        var signingInput = token[..lastDot];
        var signaturePart = token.AsSpan(lastDot + 1);
        Span<byte> presented = stackalloc byte[HMACSHA256.HashSizeInBytes + 3];
        if (!TryDecodeSignature(signaturePart, presented, out var signatureLength) || signatureLength != HMACSHA256.HashSizeInBytes)
        {
            return DecisionTokenVerification.Fail(DecisionTokenFailure.Malformed);
        }

        var expected = HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(signingInput));
        if (!CryptographicOperations.FixedTimeEquals(expected, presented[..signatureLength]))
        {
            return DecisionTokenVerification.Fail(DecisionTokenFailure.BadSignature);
        }

        DecisionTokenPayload? payload;
        try
        {
            var json = Base64Url.DecodeFromChars(signingInput.AsSpan(Prefix.Length));
            payload = JsonSerializer.Deserialize(json, DecisionTokenJsonContext.Default.DecisionTokenPayload);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return DecisionTokenVerification.Fail(DecisionTokenFailure.Malformed);
        }

        // A decision or degrade mode the protocol does not name is as unreadable as a missing member.
        if (payload is null
            || !(AllowFamily.Contains(payload.Decision) || OtherDecisions.Contains(payload.Decision))
            || (payload.DegradeMode is { } mode && !DegradeModes.Contains(mode))
            || payload.TenantGeneration < 0 || payload.AgentGeneration < 0)
        {
            return DecisionTokenVerification.Fail(DecisionTokenFailure.Malformed);
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (payload.ExpiresAt - payload.IssuedAt > MaxLifetimeSeconds || payload.ExpiresAt < payload.IssuedAt)
        {
            return DecisionTokenVerification.Fail(DecisionTokenFailure.LifetimeTooLong);
        }

        if (now > payload.ExpiresAt + _skewSeconds)
        {
            return DecisionTokenVerification.Fail(DecisionTokenFailure.Expired);
        }

        if (now < payload.IssuedAt - _skewSeconds)
        {
            return DecisionTokenVerification.Fail(DecisionTokenFailure.NotYetValid);
        }

        if (!AllowFamily.Contains(payload.Decision))
        {
            return DecisionTokenVerification.Fail(DecisionTokenFailure.DecisionNotAllowed);
        }

        if (!string.Equals(payload.Tenant, expectedTenant, StringComparison.Ordinal))
        {
            return DecisionTokenVerification.Fail(DecisionTokenFailure.WrongTenant);
        }

        if (!string.Equals(payload.Tool, expectedTool, StringComparison.Ordinal))
        {
            return DecisionTokenVerification.Fail(DecisionTokenFailure.WrongTool);
        }

        if (expectedIntentDigest is not null && !string.Equals(payload.IntentDigest, expectedIntentDigest, StringComparison.Ordinal))
        {
            return DecisionTokenVerification.Fail(DecisionTokenFailure.WrongIntent);
        }

        return new DecisionTokenVerification { Failure = DecisionTokenFailure.None, Payload = payload };
    }

    private static bool TryDecodeSignature(ReadOnlySpan<char> text, Span<byte> destination, out int written)
    {
        written = 0;
        try
        {
            // Base64Url.TryDecodeFromChars returns false only for a short destination; invalid characters throw.
            return Base64Url.TryDecodeFromChars(text, destination, out written);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
