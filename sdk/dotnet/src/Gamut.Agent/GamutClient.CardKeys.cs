using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace Gamut.Agent;

/// <summary>
/// The gateway's receipt keys (<c>/.well-known/gamut-receipt-keys.json</c>), with which the card it serves is checked
/// (<see cref="GamutAgentCards"/>): kept five minutes per gateway (it serves them with <c>max-age=300</c>), and fetched
/// once more when a card names a key the kept set lacks (a rotation since).
/// </summary>
public sealed partial class GamutClient
{
    private const string ReceiptKeysPath = "/.well-known/gamut-receipt-keys.json";
    private static readonly TimeSpan ReceiptKeysLifetime = TimeSpan.FromMinutes(5);
    private static readonly string[] JwksAccept = ["application/jwk-set+json", "application/json"];
    private static readonly ConcurrentDictionary<string, (string Jwks, DateTimeOffset FetchedAt)> ReceiptKeys = new(StringComparer.Ordinal);

    private async Task CheckCardSignatureAsync(JsonElement card, CancellationToken cancellationToken)
    {
        var fresh = ReceiptKeys.TryGetValue(BaseUri.AbsoluteUri, out var kept) && _time.GetUtcNow() - kept.FetchedAt < ReceiptKeysLifetime;
        try
        {
            GamutAgentCards.VerifyAgentCard(card, fresh ? kept.Jwks : await FetchReceiptKeysAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (GamutCardSignatureException refused) when (fresh && refused.Reason == "unknown_key")
        {
            GamutAgentCards.VerifyAgentCard(card, await FetchReceiptKeysAsync(cancellationToken).ConfigureAwait(false));
        }
    }

    private async Task<string> FetchReceiptKeysAsync(CancellationToken cancellationToken)
    {
        var (status, _, body, _) = await ExchangeAsync(HttpMethod.Get, ReceiptKeysPath, null, null, PersonToken, JwksAccept, cancellationToken).ConfigureAwait(false);
        if (status != 200 || ParseJson(body) is not { ValueKind: JsonValueKind.Object } jwks || !jwks.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            throw new GamutProtocolException($"The gateway answered its receipt keys with {status} and no key set; the agent card is not trusted.");
        }

        var text = Encoding.UTF8.GetString(body);
        ReceiptKeys[BaseUri.AbsoluteUri] = (text, _time.GetUtcNow());
        return text;
    }
}
