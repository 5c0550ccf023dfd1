using System.Security.Cryptography;
using System.Text;

namespace Gateway.Policy.Tokens;

/// <summary>
/// The key a tenant's webhook receivers verify the gateway's signed calls with: HMAC-SHA256, keyed with the gateway
/// service key, of <c>gamut-webhook-key/v1</c>, a line feed and the tenant. A receiver that holds it can neither sign a call
/// another tenant's receiver accepts nor learn the service key.
/// </summary>
public static class WebhookKey
{
    private const string Label = "gamut-webhook-key/v1\n";

    /// <summary>The webhook key of <paramref name="tenant"/> under <paramref name="serviceKey"/> (32 bytes).</summary>
    public static byte[] ForTenant(ReadOnlySpan<byte> serviceKey, string tenant)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        if (serviceKey.Length < KeyText.MinimumBytes)
        {
            throw new ArgumentException($"The service key has fewer than {KeyText.MinimumBytes} bytes.", nameof(serviceKey));
        }

        return HMACSHA256.HashData(serviceKey, Encoding.UTF8.GetBytes(Label + tenant));
    }
}
