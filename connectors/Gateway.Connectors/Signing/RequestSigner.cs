using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Gateway.Policy.Tokens;

namespace Gateway.Connectors.Signing;

/// <summary>
/// Signs an outgoing <see cref="HttpRequestMessage"/> per the agent protocol: used by the gateway for
/// its own calls to executors and webhooks (agent line <c>gateway</c>, the service key), and by test
/// clients acting as agents.
/// </summary>
public sealed class RequestSigner
{
    private readonly HmacKey _key;
    private readonly string _tenant;
    private readonly string _workspace;
    private readonly string _agent;
    private readonly TimeProvider _time;

    public RequestSigner(ReadOnlySpan<byte> key, string tenant, string workspace, string agent, TimeProvider? timeProvider = null)
    {
        _key = new HmacKey(key);
        _tenant = tenant;
        _workspace = workspace;
        _agent = agent;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>A signer keyed by the UTF-8 bytes of a secret string (the runtime-secret convention).</summary>
    public static RequestSigner FromSecret(string secret, string tenant, string workspace, string agent, TimeProvider? timeProvider = null) =>
        new(Encoding.UTF8.GetBytes(secret), tenant, workspace, agent, timeProvider);

    /// <summary>A fresh nonce: 32 URL-safe characters from 24 random bytes.</summary>
    public static string NewNonce() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));

    /// <summary>
    /// Adds the six signature headers for <paramref name="body"/> (which must be the exact bytes sent); an
    /// <c>X-Gamut-Person</c> or <c>X-Gamut-Run</c> header already on the request is covered by the signature.
    /// </summary>
    public void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, string? nonce = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var target = uri.IsAbsoluteUri ? uri.PathAndQuery : uri.OriginalString;
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        nonce ??= NewNonce();
        var headers = request.Headers;

        // A person's identity token the request carries is covered too (the tenth canonical line), and so is its run (the last).
        var person = headers.TryGetValues(SignatureHeaders.Person, out var personValues) ? personValues.Single() : null;
        var run = headers.TryGetValues(SignatureHeaders.Run, out var runValues) ? runValues.Single() : null;
        var canonical = CanonicalRequest.Build(request.Method.Method, target, _tenant, _workspace, _agent, timestamp, nonce, CanonicalRequest.HashBody(body),
            person is null ? null : CanonicalRequest.HashPersonToken(person), run);
        headers.Remove(SignatureHeaders.Tenant);
        headers.Remove(SignatureHeaders.Workspace);
        headers.Remove(SignatureHeaders.Agent);
        headers.Remove(SignatureHeaders.Timestamp);
        headers.Remove(SignatureHeaders.Nonce);
        headers.Remove(SignatureHeaders.Signature);
        headers.TryAddWithoutValidation(SignatureHeaders.Tenant, _tenant);
        headers.TryAddWithoutValidation(SignatureHeaders.Workspace, _workspace);
        headers.TryAddWithoutValidation(SignatureHeaders.Agent, _agent);
        headers.TryAddWithoutValidation(SignatureHeaders.Timestamp, timestamp);
        headers.TryAddWithoutValidation(SignatureHeaders.Nonce, nonce);
        headers.TryAddWithoutValidation(SignatureHeaders.Signature, CanonicalRequest.Sign(_key, canonical));
    }
}
