using System.Globalization;
using System.Text.Json;

namespace Gateway.Authorization.Interactive;

/// <summary>
/// Whether a person's consent still stands, ordered by the store and never by replicas' clocks: each revocation writes a
/// new random consent generation (the person's, for all their consents, or the person's and the client's) before it lists
/// or deletes anything; a consent keeps the generations it read before it was written, and stands only while they are
/// still the store's (none there: any). A consent written after a revocation's generation read it, so stands; one whose
/// read came before it does not, however late it is written or whatever its replica's clock says. The revocation still
/// writes the previous release's "revoked at" mark (UTC ticks; its generation starts with them, so a mark that is this
/// release's own is known); a mark the generation does not name (written by a previous release during a rolling upgrade)
/// is read as that release reads it: a consent given before it no longer stands. A consent this release writes always
/// names its generations (empty: none there); one that names none was written by the previous release, which orders by the
/// clock: it stands while it was given after the store's generation (the time the generation starts with).
/// </summary>
public sealed partial class InteractiveGrants
{
    private const string PersonGenerationProperty = "consents_generation";

    private const string ClientGenerationProperty = "consent_generation";

    /// <summary>A consent as kept: the consent, and the person's and the client's consent generations it was given under (empty: none; null: a previous release's consent).</summary>
    private sealed record StoredConsent(PersonConsent Consent, string? PersonGeneration, string? ClientGeneration);

    /// <summary>The store's consent generations of the person and of the person's consent to the client (null where none).</summary>
    private async ValueTask<(string? Person, string? Client)> GenerationsAsync(string tenant, string issuer, string subject, string clientId, CancellationToken cancellationToken)
    {
        var values = await _store.GetManyAsync([ConsentsGenerationKey(tenant, issuer, subject), ConsentGenerationKey(tenant, issuer, subject, clientId)], cancellationToken).ConfigureAwait(false);
        return (values[0], values[1]);
    }

    /// <summary>The consent's JSON as the previous release reads it, with the generations it is given under (empty where none).</summary>
    private static string SerializeConsent(PersonConsent consent, (string? Person, string? Client) generations)
    {
        var node = JsonSerializer.SerializeToNode(consent, InteractiveJsonContext.Default.PersonConsent)!.AsObject();
        node[PersonGenerationProperty] = generations.Person ?? string.Empty;
        node[ClientGenerationProperty] = generations.Client ?? string.Empty;
        return node.ToJsonString();
    }

    private static StoredConsent? ParseConsent(string json)
    {
        if (JsonSerializer.Deserialize(json, InteractiveJsonContext.Default.PersonConsent) is not { } consent)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return new StoredConsent(consent, Generation(document.RootElement, PersonGenerationProperty), Generation(document.RootElement, ClientGenerationProperty));

        static string? Generation(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    /// <summary>The consents among <paramref name="consents"/> (the person's) that still stand: none revoked since it read its generations.</summary>
    private async ValueTask<IReadOnlyList<PersonConsent>> UnrevokedAsync(string tenant, string issuer, string subject, IReadOnlyList<StoredConsent> consents, CancellationToken cancellationToken)
    {
        if (consents.Count == 0)
        {
            return [];
        }

        var marks = await _store.GetManyAsync(
            [ConsentsGenerationKey(tenant, issuer, subject), ConsentsRevokedKey(tenant, issuer, subject),
                .. consents.SelectMany(c => new[] { ConsentGenerationKey(tenant, issuer, subject, c.Consent.ClientId), ConsentRevokedKey(tenant, issuer, subject, c.Consent.ClientId) })],
            cancellationToken).ConfigureAwait(false);
        return [.. consents.Where((c, i) => Stands(c.Consent, c.PersonGeneration, marks[0], marks[1]) && Stands(c.Consent, c.ClientGeneration, marks[2 + (2 * i)], marks[3 + (2 * i)]))
            .Select(static c => c.Consent)];
    }

    /// <summary>
    /// True when no revocation came after the consent read <paramref name="given"/>: the store's generation is none or the
    /// same (a previous release's consent, <paramref name="given"/> null: given after the generation's time), and a "revoked
    /// at" mark is either this release's own (its generation names it) or one the consent was given after.
    /// </summary>
    private static bool Stands(PersonConsent consent, string? given, string? generation, string? mark) =>
        (generation is null || string.Equals(generation, given, StringComparison.Ordinal) || (given is null && GivenAfter(consent, generation.Split(':')[0])))
        && (mark is null || (generation is not null && generation.StartsWith(mark + ":", StringComparison.Ordinal)) || GivenAfter(consent, mark));

    /// <summary>A time in UTC ticks (a previous release's mark, a generation's): the consent was given after it (unreadable: revoked).</summary>
    private static bool GivenAfter(PersonConsent consent, string mark) =>
        long.TryParse(mark, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && consent.Granted.UtcTicks > ticks;

    /// <summary>
    /// Marks a revocation: a new generation (every consent given under the one before no longer stands), then the
    /// previous release's "revoked at" mark, which the generation names; both kept as long as a consent given before could last.
    /// </summary>
    private async ValueTask MarkRevokedAsync(string generationKey, string markKey, CancellationToken cancellationToken)
    {
        var mark = _time.GetUtcNow().UtcTicks.ToString(CultureInfo.InvariantCulture);
        await _store.SetAsync(generationKey, mark + ":" + NewSecret(), IndexLifetime, cancellationToken).ConfigureAwait(false);
        await _store.SetAsync(markKey, mark, IndexLifetime, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The person's consent generation: written anew by every revocation of all their consents.</summary>
    private static string ConsentsGenerationKey(string tenant, string issuer, string subject) => "oauth:consents-generation:{" + tenant + "}:" + Person(issuer, subject);

    /// <summary>The person's consent generation for the client: written anew by every revocation of that consent.</summary>
    private static string ConsentGenerationKey(string tenant, string issuer, string subject, string clientId) => "oauth:consent-generation:{" + tenant + "}:" + Person(issuer, subject) + ":" + Hash(clientId);
}
