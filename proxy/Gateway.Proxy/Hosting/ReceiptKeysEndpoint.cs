using Gateway.Policy.Evidence;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// <c>GET /.well-known/gamut-receipt-keys.json</c>: the receipt keys' JWKS (public keys only, active and retired), with
/// which anyone verifies a decision receipt or an audit checkpoint offline. Public, unauthenticated, cacheable for five
/// minutes (a rotation shows within that; the retired keys stay listed).
/// </summary>
internal static class ReceiptKeysEndpoint
{
    public const string Path = "/.well-known/gamut-receipt-keys.json";

    public static IEndpointRouteBuilder MapReceiptKeys(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, static (HttpContext context, ReceiptKeyRing keys) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=300";
            return Results.Text(keys.ToJwks(), "application/jwk-set+json");
        }).ExcludeFromDescription();
        return endpoints;
    }
}
