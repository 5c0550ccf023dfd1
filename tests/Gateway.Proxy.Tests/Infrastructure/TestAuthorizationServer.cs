using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// An upstream's OAuth authorization server on a real Kestrel server on loopback, for <c>per_person</c> connectors: its
/// metadata (RFC 9207 <c>iss</c> in its answers), an authorization endpoint where <see cref="User"/> consents at once
/// (PKCE S256 required), a token endpoint that checks the code's verifier, redirect URI and client, issues access tokens
/// named after the user, refresh tokens and ID tokens, refreshes (held on <see cref="RefreshGate"/> when set, refused when
/// <see cref="RefuseRefresh"/>, answered <see cref="RefreshAnswer"/> when set), and dynamic registration (RFC 7591; answered
/// <see cref="RegistrationAnswer"/> when set).
/// </summary>
public sealed class TestAuthorizationServer : IAsyncDisposable
{
    public const string ClientId = "gamut-upstream-client";
    public const string ClientSecret = "upstream-client-secret-for-tests-8f14e45fceea167a";

    private readonly ConcurrentDictionary<string, (string Challenge, string RedirectUri, string User, string Nonce, string ClientId)> _codes = new();
    private readonly ConcurrentDictionary<string, (string User, string ClientId)> _refreshTokens = new();
    private readonly RsaSecurityKey _key = TestRsaKeys.Next("as-key", []);
    private int _issued;
    private int _refreshes;

    private TestAuthorizationServer(KestrelUpstream server) => Server = server;

    public KestrelUpstream Server { get; }

    public string Issuer => Server.Origin;

    /// <summary>Who consents at the authorization endpoint.</summary>
    public string User { get; set; } = "upstream-erin";

    /// <summary>The <c>iss</c> the authorization response carries (RFC 9207); null: the issuer.</summary>
    public string? AnsweredIss { get; set; }

    /// <summary>The access tokens' lifetime in seconds.</summary>
    public int AccessTokenLifetime { get; set; } = 3600;

    public bool RefuseRefresh { get; set; }

    /// <summary>When set, a refresh is answered with this status and OAuth <c>error</c> (the refresh token stays valid).</summary>
    public (int Status, string Error)? RefreshAnswer { get; set; }

    /// <summary>When set, a dynamic registration is answered 201 with this body as <c>application/json</c>, whatever it is.</summary>
    public string? RegistrationAnswer { get; set; }

    /// <summary>Whether the token endpoint accepts an RFC 8693 token exchange (of any subject token, for <see cref="User"/>).</summary>
    public bool AcceptsTokenExchange { get; set; }

    /// <summary>The subject tokens of the exchanges it accepted.</summary>
    public ConcurrentQueue<string> ExchangedSubjectTokens { get; } = new();

    /// <summary>When set, a refresh waits for it before answering.</summary>
    public TaskCompletionSource? RefreshGate { get; set; }

    /// <summary>How many refresh requests arrived.</summary>
    public int Refreshes => Volatile.Read(ref _refreshes);

    /// <summary>Every access token issued, in order.</summary>
    public ConcurrentQueue<string> AccessTokens { get; } = new();

    /// <summary>Why each token request was refused.</summary>
    public ConcurrentQueue<string> Refusals { get; } = new();

    /// <summary>The query of every authorization request.</summary>
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> AuthorizationRequests { get; } = new();

    /// <summary>Every dynamic client registration's request body (RFC 7591), in order.</summary>
    public ConcurrentQueue<string> Registrations { get; } = new();

    public static async Task<TestAuthorizationServer> StartAsync()
    {
        TestAuthorizationServer? server = null;
        var kestrel = await KestrelUpstream.StartAsync(app =>
        {
            app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = server!.Issuer,
                ["authorization_endpoint"] = server.Issuer + "/authorize",
                ["token_endpoint"] = server.Issuer + "/token",
                ["registration_endpoint"] = server.Issuer + "/register",
                ["jwks_uri"] = server.Issuer + "/jwks",
                ["authorization_response_iss_parameter_supported"] = true,
                ["code_challenge_methods_supported"] = new[] { "S256" },
            }));
            app.MapGet("/jwks", () => Results.Json(new { keys = Array.Empty<object>() }));
            app.MapGet("/authorize", (HttpContext context) => server!.Authorize(context));
            app.MapPost("/token", async (HttpContext context) =>
            {
                try
                {
                    return await server!.TokenAsync(context);
                }
                catch (Exception ex)
                {
                    server!.Refusals.Enqueue(ex.ToString());
                    throw;
                }
            });
            app.MapPost("/register", async (HttpContext context) =>
            {
                // RFC 7591: the client's metadata as sent, kept for the test to read.
                using var reader = new StreamReader(context.Request.Body);
                server!.Registrations.Enqueue(await reader.ReadToEndAsync().ConfigureAwait(false));
                if (server.RegistrationAnswer is { } answer)
                {
                    return Results.Text(answer, "application/json", statusCode: StatusCodes.Status201Created);
                }

                return Results.Json(new { client_id = ClientId, client_secret = ClientSecret }, statusCode: StatusCodes.Status201Created);
            });
        }).ConfigureAwait(false);
        server = new TestAuthorizationServer(kestrel);
        return server;
    }

    /// <summary>A refresh token of <paramref name="user"/> for the pre-registered client, as a link made earlier would hold.</summary>
    public string IssueRefreshToken(string user)
    {
        var refresh = $"rt-{user}-seeded-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        _refreshTokens[refresh] = (user, ClientId);
        return refresh;
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    private IResult Authorize(HttpContext context)
    {
        var query = context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        AuthorizationRequests.Enqueue(query);
        if (query.GetValueOrDefault("response_type") != "code" || query.GetValueOrDefault("code_challenge_method") != "S256"
            || !query.TryGetValue("code_challenge", out var challenge) || !query.TryGetValue("redirect_uri", out var redirect) || !query.TryGetValue("client_id", out var client))
        {
            return Results.BadRequest(new { error = "invalid_request" });
        }

        var code = "code-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        _codes[code] = (challenge, redirect, User, query.GetValueOrDefault("nonce") ?? string.Empty, client);
        var answer = $"{redirect}?code={code}&state={Uri.EscapeDataString(query.GetValueOrDefault("state") ?? string.Empty)}&iss={Uri.EscapeDataString(AnsweredIss ?? Issuer)}";
        return Results.Redirect(answer);
    }

    private async Task<IResult> TokenAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
        var client = ClientOf(context, form);
        if (client is null)
        {
            Refusals.Enqueue("client: " + context.Request.Headers.Authorization + " / " + form["client_id"]);
            return Results.Json(new { error = "invalid_client" }, statusCode: StatusCodes.Status401Unauthorized);
        }

        switch (form["grant_type"].ToString())
        {
            case "authorization_code":
                if (!_codes.TryRemove(form["code"].ToString(), out var issued) || issued.RedirectUri != form["redirect_uri"].ToString() || issued.ClientId != client
                    || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))) != issued.Challenge)
                {
                    Refusals.Enqueue("code: " + string.Join(", ", form.Select(f => f.Key + "=" + f.Value)) + " / " + issued);
                    return Results.Json(new { error = "invalid_grant" }, statusCode: StatusCodes.Status400BadRequest);
                }

                return Tokens(issued.User, client, issued.Nonce);
            case "refresh_token":
                Interlocked.Increment(ref _refreshes);
                if (RefreshGate is { } gate)
                {
                    await gate.Task.ConfigureAwait(false);
                }

                if (RefreshAnswer is { } refusal)
                {
                    return Results.Json(new { error = refusal.Error }, statusCode: refusal.Status);
                }

                return RefuseRefresh || !_refreshTokens.TryRemove(form["refresh_token"].ToString(), out var holder) || holder.ClientId != client
                    ? Results.Json(new { error = "invalid_grant" }, statusCode: StatusCodes.Status400BadRequest)
                    : Tokens(holder.User, client, nonce: null);
            case "urn:ietf:params:oauth:grant-type:token-exchange" when AcceptsTokenExchange:
                ExchangedSubjectTokens.Enqueue(form["subject_token"].ToString());
                return Tokens("exchanged-" + User, client, nonce: null);
            default:
                return Results.Json(new { error = "unsupported_grant_type" }, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    private IResult Tokens(string user, string client, string? nonce)
    {
        var n = Interlocked.Increment(ref _issued);
        var access = $"at-{user}-{n}-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var refresh = $"rt-{user}-{n}-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        _refreshTokens[refresh] = (user, client);
        AccessTokens.Enqueue(access);
        var claims = new Dictionary<string, object> { ["sub"] = user };
        if (!string.IsNullOrEmpty(nonce))
        {
            claims["nonce"] = nonce;
        }

        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = client,
            Claims = claims,
            Expires = DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
        return Results.Json(new { access_token = access, token_type = "Bearer", expires_in = AccessTokenLifetime, refresh_token = refresh, id_token = idToken, scope = "issues.read" });
    }

    /// <summary>The authenticated client: <c>client_secret_basic</c> with the right secret, or a public client's <c>client_id</c>.</summary>
    private static string? ClientOf(HttpContext context, IFormCollection form)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..])).Split(':', 2);
            return pair.Length == 2 && Uri.UnescapeDataString(pair[0]) == ClientId && Uri.UnescapeDataString(pair[1]) == ClientSecret ? ClientId : null;
        }

        return form["client_id"].ToString() is { Length: > 0 } publicClient && publicClient != ClientId ? publicClient : null;
    }
}
