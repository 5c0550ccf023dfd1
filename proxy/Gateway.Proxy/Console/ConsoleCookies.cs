using Gateway.Authorization.AccessTokens;

namespace Gateway.Proxy.Console;

/// <summary>
/// The console's cookies: HttpOnly, SameSite=Lax. Whenever the gateway's public scheme is https (its public base URL is
/// https, or the request came over https, a trusted proxy's <c>X-Forwarded-Proto</c> included) they are <c>Secure</c>
/// and carry the <c>__Host-</c> prefix (so path <c>/</c>, no domain: no other host or plain-http page can set or shadow
/// them); over plain http (Development) they are named without it, path <c>/console</c>.
/// </summary>
internal static class ConsoleCookies
{
    private const string HostPrefix = "__Host-";

    /// <summary>The name <paramref name="baseName"/> goes by on this request.</summary>
    public static string Name(HttpContext context, string baseName) => Secure(context) ? HostPrefix + baseName : baseName;

    /// <summary>Sets <paramref name="baseName"/> to <paramref name="value"/> for <paramref name="lifetime"/> (null: until the browser closes, no Max-Age or Expires).</summary>
    public static void Append(HttpContext context, string baseName, string value, TimeSpan? lifetime) =>
        context.Response.Cookies.Append(Name(context, baseName), value, Options(context, lifetime));

    /// <summary>The cookie's value as presented, or null.</summary>
    public static string? Read(HttpContext context, string baseName) =>
        context.Request.Cookies.TryGetValue(Name(context, baseName), out var value) ? value : null;

    /// <summary>Expires the cookie in the browser.</summary>
    public static void Delete(HttpContext context, string baseName) =>
        context.Response.Cookies.Delete(Name(context, baseName), Options(context, TimeSpan.Zero));

    private static CookieOptions Options(HttpContext context, TimeSpan? lifetime)
    {
        var secure = Secure(context);
        return new CookieOptions
        {
            HttpOnly = true,
            Secure = secure,
            SameSite = SameSiteMode.Lax,
            Path = secure ? "/" : "/console",
            MaxAge = lifetime > TimeSpan.Zero ? lifetime : null,
            IsEssential = true,
        };
    }

    /// <summary>Fails closed to Secure: without the public-origin service every cookie is Secure.</summary>
    private static bool Secure(HttpContext context) =>
        context.RequestServices.GetService<PublicOrigin>()?.IsHttps(context.Request) ?? true;
}
