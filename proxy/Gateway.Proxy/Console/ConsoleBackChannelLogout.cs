using System.Text.Json;
using Gateway.Authorization.Interactive;
using Gateway.Proxy.People;
using Gateway.Store;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gateway.Proxy.Console;

/// <summary>
/// OpenID Connect Back-Channel Logout 1.0 for the console: the tenant's provider POSTs a <c>logout_token</c> (form field)
/// to <c>/console/{tenant}/backchannel-logout</c> when a person's session at the provider ends, server to server (no
/// cookie, no CSRF token). The token is checked by the gateway's one <see cref="OpenIdTokenValidator"/> (signature against
/// the provider's JWKS, issuer, audience = the console's client id, <c>exp</c>), then as the specification asks: <c>iat</c>
/// neither in the future nor older than <see cref="MaxAge"/>, the back-channel logout event in <c>events</c>, a <c>sub</c>
/// or a <c>sid</c>, no <c>nonce</c> (an ID token is not a logout token), and a <c>jti</c> not seen before (single use,
/// in the shared state store). Then every console session of that provider session (<c>sid</c>) or, without one, of
/// that subject at the provider ends on every replica (<see cref="ConsoleSessions.EndProviderSessionsAsync"/>; a subject's
/// logout is marked at its <c>iat</c> first, so what a sign-in in flight stores from an ID token issued before it ends too), the person's
/// kept provider tokens and their clients' consents and token families go (the person the <c>sub</c> names or, for a token
/// with only a <c>sid</c>, each person that <c>sid</c> signed in, kept from their sign-in even after their console sessions
/// ended; always the person at the token's issuer: the same <c>sub</c> at another issuer keeps all of it), the logout is written to
/// the tenant's audit chain, and the answer is 200 (<c>Cache-Control: no-store</c>); a token that fails any check, or a
/// body that is not a form within its bounds (32 KiB, chunked too; the form reader's limits), ends nothing and is answered
/// 400 with <c>{"error":"invalid_request","error_description":…}</c>.
/// </summary>
internal sealed partial class ConsoleBackChannelLogout
{
    /// <summary>The event a logout token's <c>events</c> claim must hold.</summary>
    public const string LogoutEvent = "http://schemas.openid.net/event/backchannel-logout";

    /// <summary>How old a logout token's <c>iat</c> may be (beyond the clock skew); its <c>jti</c> is remembered that long.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    private const int MaxTokenLength = 16_384;

    private readonly ConsoleSignIn _signIn;
    private readonly OpenIdTokenValidator _validator;
    private readonly IStateStore _store;
    private readonly ConsoleSessions _sessions;
    private readonly KeptProviderTokens _kept;
    private readonly PersonOptions _person;
    private readonly TimeProvider _time;
    private readonly ILogger<ConsoleBackChannelLogout> _logger;

    public ConsoleBackChannelLogout(
        ConsoleSignIn signIn,
        OpenIdTokenValidator validator,
        IStateStore store,
        ConsoleSessions sessions,
        KeptProviderTokens kept,
        IOptions<PersonOptions> person,
        TimeProvider time,
        ILogger<ConsoleBackChannelLogout> logger)
    {
        _signIn = signIn;
        _validator = validator;
        _store = store;
        _sessions = sessions;
        _kept = kept;
        _person = person.Value;
        _time = time;
        _logger = logger;
    }

    public async Task<IResult> HandleAsync(HttpContext context, string tenant)
    {
        if (_signIn.ProviderOf(tenant) is not { } provider)
        {
            return Refused(tenant, "tenant", "No console sign-in is configured for this tenant.");
        }

        if (context.Request.ContentLength > 2 * MaxTokenLength || !context.Request.HasFormContentType)
        {
            return Refused(tenant, "form", "Send logout_token as application/x-www-form-urlencoded.");
        }

        // A body without a length (chunked) is cut off by the server past the same bound, never read in full first.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = 2 * MaxTokenLength;
        }

        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is BadHttpRequestException or InvalidDataException)
        {
            // Past the bound or the form reader's limits (1024 fields, a key over 2048 characters), broken, or too slow.
            return Refused(tenant, "form unreadable", "Send logout_token as application/x-www-form-urlencoded, within the form's limits.");
        }

        var logoutToken = form["logout_token"].Count == 1 ? form["logout_token"][0] : null;
        if (string.IsNullOrEmpty(logoutToken) || !_validator.CanRead(logoutToken, MaxTokenLength))
        {
            return Refused(tenant, "not a compact JWS", "logout_token is missing or not a signed JWT.");
        }

        JsonWebToken token;
        try
        {
            var result = await _validator.ValidateAsync(provider, logoutToken, [provider.ClientId!], context.RequestAborted);
            if (!result.IsValid)
            {
                return Refused(tenant, result.Exception?.GetType().Name ?? "invalid", "The logout token did not verify.");
            }

            token = (JsonWebToken)result.SecurityToken;
        }
        catch (OpenIdProviderUnavailableException)
        {
            LogRefused(_logger, tenant, "provider_unavailable");
            return Results.Json(
                new ConsoleLogoutError("temporarily_unavailable", "The provider's keys cannot be had; nothing was ended. Try again."),
                ConsoleJsonContext.Default.ConsoleLogoutError,
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (ClaimsProblem(token) is { } problem)
        {
            return Refused(tenant, problem, "The logout token is not a valid back-channel logout token (" + problem + ").");
        }

        var subject = String(token, "sub");
        var sid = String(token, "sid");
        var jti = String(token, "jti")!;
        if (!await _store.TrySetIfAbsentAsync(JtiKey(tenant, jti), "1", MaxAge + _person.ClockSkew + _person.ClockSkew, context.RequestAborted))
        {
            return Refused(tenant, "jti replayed", "This logout token was already used.");
        }

        var (ended, found) = await _sessions.EndProviderSessionsAsync(tenant, token.Issuer, subject, sid, ConsoleSubjectLogouts.IssuedAt(token), context.RequestAborted);
        // The provider ended the person's session: the provider token kept for a per_person connector's exchange goes too,
        // and so do their clients' consents and tokens, which would otherwise go on acting for them until they end. A token
        // naming only the sid names its people through what that sid signed in (kept past the sessions' end). Each is the
        // person of this issuer only: the same sub at another issuer is another person, whose are kept.
        IReadOnlyList<string> people = subject is not null ? [subject] : found;
        foreach (var person in people)
        {
            await _kept.ForgetAsync(tenant, token.Issuer, person, context.RequestAborted);
            if (context.RequestServices.GetService<InteractiveGrants>() is { } grants)
            {
                await grants.RevokeConsentsAsync(tenant, token.Issuer, person, context.RequestAborted);
            }
        }

        await ConsoleAudit.RecordLogoutAsync(context, tenant, provider, people.Count == 1 ? people[0] : subject, sid is not null, ended);
        LogLoggedOut(_logger, tenant, ended);
        context.Response.Headers.CacheControl = "no-store";
        return Results.Ok();
    }

    /// <summary>What the token lacks or has that a logout token must not (null: a logout token).</summary>
    private string? ClaimsProblem(JsonWebToken token)
    {
        var now = _time.GetUtcNow();
        if (!token.TryGetPayloadValue<long>("iat", out var iat))
        {
            return "no iat";
        }

        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(iat);
        if (issuedAt > now + _person.ClockSkew || issuedAt < now - MaxAge - _person.ClockSkew)
        {
            return "iat out of range";
        }

        if (!token.TryGetPayloadValue<JsonElement>("events", out var events) || events.ValueKind != JsonValueKind.Object
            || !events.TryGetProperty(LogoutEvent, out var logout) || logout.ValueKind != JsonValueKind.Object)
        {
            return "no back-channel logout event";
        }

        if (token.TryGetClaim("nonce", out _))
        {
            return "nonce present";
        }

        var subject = String(token, "sub");
        var sid = String(token, "sid");
        if ((subject is null && sid is null) || subject?.Length > 255 || sid?.Length > 255)
        {
            return "no sub or sid";
        }

        return String(token, "jti") is { Length: > 0 and <= 255 } ? null : "no jti";
    }

    private static string? String(JsonWebToken token, string claim) =>
        token.TryGetPayloadValue<string>(claim, out var text) && !string.IsNullOrEmpty(text) ? text : null;

    private IResult Refused(string tenant, string reason, string description)
    {
        LogRefused(_logger, tenant, reason);
        return Results.Json(new ConsoleLogoutError("invalid_request", description), ConsoleJsonContext.Default.ConsoleLogoutError, statusCode: StatusCodes.Status400BadRequest);
    }

    private static string JtiKey(string tenant, string jti) => "console:logout-jti:" + tenant + ":" + ConsoleSessions.Hash(jti);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Information, Message = "Console: the provider of tenant {Tenant} logged a person out (back-channel); {Ended} sessions ended")]
    private static partial void LogLoggedOut(ILogger logger, string tenant, int ended);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Warning, Message = "Console: a back-channel logout for tenant {Tenant} was refused: {Reason}")]
    private static partial void LogRefusedEncoded(ILogger logger, string tenant, string reason);

    // The tenant as the path spelled it, percent-encoded: an unauthenticated path's CR or escape sequence forges no log line.
    private static void LogRefused(ILogger logger, string tenant, string reason) => LogRefusedEncoded(logger, Uri.EscapeDataString(tenant), reason);
}
