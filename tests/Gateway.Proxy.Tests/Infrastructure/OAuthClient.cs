using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// Acts as an OAuth client of the gateway the way an off-the-shelf client does: a client_secret_jwt assertion (HS256
/// under the agent's runtime secret, which is never sent) or a private_key_jwt one (under an agent key), a token request,
/// DPoP proofs under its own P-256 key.
/// </summary>
public sealed class OAuthClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _secret;

    public OAuthClient(HttpClient http, string secret, string clientId = DemoBundle.Tenant + "/" + DemoBundle.Workspace + "/" + DemoBundle.Agent)
    {
        _http = http;
        _secret = secret;
        ClientId = clientId;
    }

    public string ClientId { get; }

    /// <summary>The client's DPoP key (P-256).</summary>
    public ECDsa DpopKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string Origin => _http.BaseAddress!.GetLeftPart(UriPartial.Authority);

    /// <summary>A client assertion: iss = sub = the client id, aud the issuer, exp <paramref name="lifetime"/> ahead (5 minutes).</summary>
    public string Assertion(string? jti = null, TimeSpan? lifetime = null, string? secret = null, string? audience = null, string? subject = null) =>
        Jws("""{"alg":"HS256","typ":"JWT"}""", AssertionClaims(jti, lifetime, audience, subject), input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret ?? _secret), input));

    /// <summary>
    /// A private_key_jwt assertion (RFC 7523) signed by <paramref name="sign"/> under the JWS <paramref name="algorithm"/>
    /// (<c>EdDSA</c>, <c>ES256</c>), naming <paramref name="keyId"/> as its <c>kid</c> when given; the claims as <see cref="Assertion"/>'s.
    /// </summary>
    public string KeyAssertion(Func<byte[], byte[]> sign, string algorithm, string? keyId = null, string? jti = null, TimeSpan? lifetime = null, string? audience = null)
    {
        var header = new Dictionary<string, string> { ["alg"] = algorithm, ["typ"] = "JWT" };
        if (keyId is not null)
        {
            header["kid"] = keyId;
        }

        return Jws(JsonSerializer.Serialize(header), AssertionClaims(jti, lifetime, audience, null), sign);
    }

    /// <summary>The form of a client-credentials token request with an assertion, for the resource at <paramref name="resourcePath"/>.</summary>
    public FormUrlEncodedContent TokenForm(string resourcePath, string? assertion = null, params (string Name, string Value)[] extra)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "client_credentials"),
            new("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            new("client_assertion", assertion ?? Assertion()),
            new("resource", Origin + resourcePath),
        };
        fields.AddRange(extra.Select(static e => new KeyValuePair<string, string>(e.Name, e.Value)));
        return new FormUrlEncodedContent(fields);
    }

    /// <summary>Posts a token request; with <paramref name="dpop"/> a proof for the token endpoint is attached.</summary>
    public async Task<HttpResponseMessage> RequestTokenAsync(HttpContent form, bool dpop = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token") { Content = form };
        if (dpop)
        {
            request.Headers.Add("DPoP", Proof("POST", Origin + "/oauth/token"));
        }

        return await _http.SendAsync(request).ConfigureAwait(false);
    }

    /// <summary>Obtains a token (bearer, or DPoP-bound) for the resource; fails the test when refused.</summary>
    public async Task<string> TokenAsync(string resourcePath, bool dpop = false)
    {
        using var response = await RequestTokenAsync(TokenForm(resourcePath), dpop).ConfigureAwait(false);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false)).RootElement;
        Assert.True(response.IsSuccessStatusCode, json.ToString());
        Assert.Equal(dpop ? "DPoP" : "Bearer", json.GetProperty("token_type").GetString());
        return json.GetProperty("access_token").GetString()!;
    }

    /// <summary>A DPoP proof for <paramref name="method"/> <paramref name="url"/>; with <paramref name="accessToken"/> its ath.</summary>
    public string Proof(string method, string url, string? accessToken = null, string? jti = null, ECDsa? key = null, long? iat = null)
    {
        key ??= DpopKey;
        var parameters = key.ExportParameters(false);
        var header = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["typ"] = "dpop+jwt",
            ["alg"] = "ES256",
            ["jwk"] = new Dictionary<string, string>
            {
                ["kty"] = "EC",
                ["crv"] = "P-256",
                ["x"] = Base64Url.EncodeToString(parameters.Q.X),
                ["y"] = Base64Url.EncodeToString(parameters.Q.Y),
            },
        });
        var claims = new Dictionary<string, object>
        {
            ["jti"] = jti ?? Guid.NewGuid().ToString("N"),
            ["htm"] = method,
            ["htu"] = url,
            ["iat"] = iat ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        };
        if (accessToken is not null)
        {
            claims["ath"] = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken)));
        }

        return Jws(header, claims, input => key.SignData(input, HashAlgorithmName.SHA256));
    }

    /// <summary>A request to <paramref name="path"/> carrying <paramref name="token"/> (as DPoP with a proof when <paramref name="proof"/> is given).</summary>
    public HttpRequestMessage WithToken(HttpMethod method, string path, string token, string? json = null, string? proof = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue(proof is null ? "Bearer" : "DPoP", token);
        if (proof is not null)
        {
            request.Headers.Add("DPoP", proof);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return request;
    }

    public void Dispose() => DpopKey.Dispose();

    private Dictionary<string, object> AssertionClaims(string? jti, TimeSpan? lifetime, string? audience, string? subject)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new Dictionary<string, object>
        {
            ["iss"] = subject ?? ClientId,
            ["sub"] = subject ?? ClientId,
            ["aud"] = audience ?? Origin,
            ["iat"] = now,
            ["exp"] = now + (long)(lifetime ?? TimeSpan.FromMinutes(5)).TotalSeconds,
            ["jti"] = jti ?? Guid.NewGuid().ToString("N"),
        };
    }

    private static string Jws(string header, Dictionary<string, object> claims, Func<byte[], byte[]> sign)
    {
        var input = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        return input + "." + Base64Url.EncodeToString(sign(Encoding.ASCII.GetBytes(input)));
    }
}
