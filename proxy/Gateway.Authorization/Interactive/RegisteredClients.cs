using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Store;

namespace Gateway.Authorization.Interactive;

/// <summary>
/// Clients that registered themselves (RFC 7591): each a random <c>client_id</c> (<c>dyn_…</c>) and its redirect URIs,
/// kept in the state store (every replica sees them). Registering is anonymous, so a registration no code was redeemed
/// for lasts only <see cref="UnusedLifetime"/> (from its registration, or from an authorization request made for it:
/// <see cref="HoldAsync"/>); its first redeemed code keeps it <see cref="Lifetime"/>, and so does each later code or
/// refresh token (<see cref="RenewAsync"/>), so a registration outlives every token family it started. Its stored URIs
/// are at most <see cref="MaxStoredBytes"/>, a bare JSON array (as every release has stored them); an unused registration
/// is marked by a second key beside it (<see cref="UnusedKey"/>), and one without that mark is used (older ones too).
/// </summary>
public sealed class RegisteredClients
{
    public const string Prefix = "dyn_";

    /// <summary>The most bytes one registration's redirect URIs take in the store (as much as the registration body may be).</summary>
    public const int MaxStoredBytes = 8 * 1024;

    /// <summary>How long a registration lasts once it has redeemed a code, from its last code or refresh token.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    /// <summary>How long a registration lasts before any code of it is redeemed: an authorization request's time, its code's included.</summary>
    public static readonly TimeSpan UnusedLifetime = InteractiveGrants.RequestLifetime + InteractiveGrants.CodeLifetime;

    // The value of the unused mark (its presence is what counts).
    private const string UnusedMark = "1";

    // The stored URIs are only ever read back by deserializing, never written into a page or a script: escaping HTML's
    // characters there (the default encoder writes '&' as six bytes) would only let a body grow sixfold in the store.
    private static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly IStateStore _store;

    public RegisteredClients(IStateStore store) => _store = store;

    public static bool IsRegisteredId(string clientId) =>
        clientId.StartsWith(Prefix, StringComparison.Ordinal) && clientId.Length <= 64 && clientId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>Whether <paramref name="redirectUris"/> fit in <see cref="MaxStoredBytes"/> as stored.</summary>
    public static bool Fits(IReadOnlyList<string> redirectUris) => Stored(redirectUris) is not null;

    /// <summary>Registers a client for <see cref="UnusedLifetime"/>; the URIs must fit (<see cref="Fits"/>).</summary>
    public async ValueTask<string> RegisterAsync(IReadOnlyList<string> redirectUris, CancellationToken cancellationToken)
    {
        var stored = Stored(redirectUris) ?? throw new ArgumentException($"The redirect URIs take more than {MaxStoredBytes} bytes stored.", nameof(redirectUris));
        var clientId = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18));
        // The mark first: a registration stored without it would count as used.
        await _store.SetAsync(UnusedKey(clientId), UnusedMark, UnusedLifetime, cancellationToken).ConfigureAwait(false);
        await _store.SetAsync(Key(clientId), stored, UnusedLifetime, cancellationToken).ConfigureAwait(false);
        return clientId;
    }

    /// <summary>The registered client's redirect URIs, or null when it is unknown or expired.</summary>
    public async ValueTask<IReadOnlyList<string>?> RedirectUrisAsync(string clientId, CancellationToken cancellationToken) =>
        IsRegisteredId(clientId) && await _store.GetAsync(Key(clientId), cancellationToken).ConfigureAwait(false) is { } value
            ? JsonSerializer.Deserialize(value, InteractiveJsonContext.Default.IReadOnlyListString)
            : null;

    /// <summary>
    /// Keeps a registration no code was redeemed for another <see cref="UnusedLifetime"/> from now, while an authorization
    /// request made for it waits for the person (never shortens one kept <see cref="Lifetime"/>); nothing when it is unknown or expired.
    /// </summary>
    public async ValueTask HoldAsync(string clientId, CancellationToken cancellationToken)
    {
        // Compare-and-sets: the mark while it is there, then the registration while it is; a code redeemed meanwhile
        // (RenewAsync drops the mark, then keeps the registration its whole lifetime) is not undone: seeing the mark gone
        // afterwards, this keeps it that lifetime again.
        if (!IsRegisteredId(clientId)
            || !await _store.ReplaceIfEqualAsync(UnusedKey(clientId), UnusedMark, UnusedMark, UnusedLifetime, cancellationToken).ConfigureAwait(false)
            || await _store.GetAsync(Key(clientId), cancellationToken).ConfigureAwait(false) is not { } value
            || !await _store.ReplaceIfEqualAsync(Key(clientId), value, value, UnusedLifetime, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        if (await _store.GetAsync(UnusedKey(clientId), cancellationToken).ConfigureAwait(false) is null)
        {
            await _store.ReplaceIfEqualAsync(Key(clientId), value, value, Lifetime, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Keeps the registered client for another <see cref="Lifetime"/> (at each code or refresh token it redeems, the
    /// first included); false when it is unknown or expired, and then nothing is kept.
    /// </summary>
    public async ValueTask<bool> RenewAsync(string clientId, CancellationToken cancellationToken)
    {
        if (!IsRegisteredId(clientId) || await _store.GetAsync(Key(clientId), cancellationToken).ConfigureAwait(false) is not { } value)
        {
            return false;
        }

        // The mark first (HoldAsync then never shortens what follows), then the registration while it is still there.
        await _store.DeleteAsync(UnusedKey(clientId), cancellationToken).ConfigureAwait(false);
        return await _store.ReplaceIfEqualAsync(Key(clientId), value, value, Lifetime, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The store key of a registered client's redirect URIs: a digest of its id.</summary>
    public static string Key(string clientId) => "oauth:registered-client:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(clientId)));

    /// <summary>The store key marking a registration no code was redeemed for: its own key's, suffixed.</summary>
    public static string UnusedKey(string clientId) => Key(clientId) + ":unused";

    // The URIs as stored (a JSON array, nothing escaped that JSON does not need), or null past MaxStoredBytes.
    private static string? Stored(IReadOnlyList<string> redirectUris)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, Compact))
        {
            json.WriteStartArray();
            foreach (var uri in redirectUris)
            {
                json.WriteStringValue(uri);
            }

            json.WriteEndArray();
        }

        return buffer.WrittenCount <= MaxStoredBytes ? Encoding.UTF8.GetString(buffer.WrittenSpan) : null;
    }
}
