using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.Authorization.AccessTokens;
using Gateway.Oversight.Hosting;
using Gateway.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Authorization.Interactive;

/// <summary>
/// Rate limits on the endpoints anyone may call before signing in, per client address (the connection's, after the
/// trusted proxies' forwarding; an IPv6 client's /64): <c>GET /oauth/authorize</c> (each keeps a pending request in the store),
/// <c>POST /oauth/register</c> (each keeps a client, for a request's time until it is used) and the console's
/// <c>GET /console/{tenant}/sign-in</c> (each keeps a sign-in flow; counted apart, with the authorization requests' limit). A fixed one-minute window counted in the state store on
/// its clock, so every replica counts the same whatever its own clock says; over the limit, 429 <c>temporarily_unavailable</c> with <c>Retry-After</c> (the
/// window's end); the store unreachable, 503 <c>temporarily_unavailable</c>: fail closed, nothing kept.
/// </summary>
public sealed partial class InteractiveRateLimit
{
    public const string Authorize = "authorize";
    public const string Register = "register";
    public const string ConsoleSignIn = "console-sign-in";

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly IStateStore _store;
    private readonly AccessTokenOptions _options;
    private readonly ILogger<InteractiveRateLimit> _logger;

    public InteractiveRateLimit(IStateStore store, IOptions<AccessTokenOptions> options, ILogger<InteractiveRateLimit> logger)
    {
        _store = store;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Counts this request against <paramref name="endpoint"/>'s limit: null when within it, else the refusal to answer.</summary>
    public ValueTask<IResult?> RefuseAsync(HttpContext context, string endpoint) =>
        RefuseAsync(context, endpoint, static (status, description) => OAuthJson.Error(status, OAuthErrors.TemporarilyUnavailable, description));

    /// <summary>As <see cref="RefuseAsync(HttpContext, string)"/>, the refusal (its status and description) answered by <paramref name="answer"/>.</summary>
    public async ValueTask<IResult?> RefuseAsync(HttpContext context, string endpoint, Func<int, string, IResult> answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var limit = endpoint == Register ? _options.RegistrationsPerMinute : _options.AuthorizationsPerMinute;
        var address = ClientSource.Of(context.Connection.RemoteIpAddress);
        var key = "oauth:rate:" + endpoint + ":" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(address)));
        BudgetOutcome counted;
        try
        {
            // The window is the store's (its clock, one for every replica), as an agent's rate limits are.
            counted = await _store.TryReserveAsync(key, 1, limit, Window, context.RequestAborted).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException)
        {
            return Refused(context, StatusCodes.Status503ServiceUnavailable, 1, "The state store cannot be reached; try again.", answer);
        }

        if (counted.Reserved)
        {
            return null;
        }

        LogLimited(_logger, endpoint, limit);
        var retry = (long)Math.Ceiling(counted.ResetsIn.TotalSeconds);
        return Refused(context, StatusCodes.Status429TooManyRequests, Math.Max(1, retry),
            $"Too many requests from this address ({limit} a minute); try again after Retry-After seconds.", answer);
    }

    private static IResult Refused(HttpContext context, int status, long retryAfter, string description, Func<int, string, IResult> answer)
    {
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return answer(status, description);
    }

    [LoggerMessage(EventId = 4157, Level = LogLevel.Warning, Message = "OAuth {Endpoint} requests from one address refused: over {Limit} a minute")]
    private static partial void LogLimited(ILogger logger, string endpoint, int limit);
}
