using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Store;

namespace Gateway.Authorization.Interactive;

/// <summary>
/// Clients that registered themselves (RFC 7591): each a random <c>client_id</c> (<c>dyn_…</c>) and its redirect URIs,
/// kept in the state store for <see cref="Lifetime"/> (every replica sees them) from its registration or its last grant
/// (<see cref="RenewAsync"/>), so a registration outlives every token family it started.
/// </summary>
public sealed class RegisteredClients
{
    public const string Prefix = "dyn_";

    /// <summary>How long a registration lasts.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    private readonly IStateStore _store;

    public RegisteredClients(IStateStore store) => _store = store;

    public static bool IsRegisteredId(string clientId) =>
        clientId.StartsWith(Prefix, StringComparison.Ordinal) && clientId.Length <= 64 && clientId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public async ValueTask<string> RegisterAsync(IReadOnlyList<string> redirectUris, CancellationToken cancellationToken)
    {
        var clientId = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18));
        await _store.SetAsync(Key(clientId), JsonSerializer.Serialize(redirectUris, InteractiveJsonContext.Default.IReadOnlyListString), Lifetime, cancellationToken).ConfigureAwait(false);
        return clientId;
    }

    /// <summary>The registered client's redirect URIs, or null when it is unknown or expired.</summary>
    public async ValueTask<IReadOnlyList<string>?> RedirectUrisAsync(string clientId, CancellationToken cancellationToken) =>
        IsRegisteredId(clientId) && await _store.GetAsync(Key(clientId), cancellationToken).ConfigureAwait(false) is { } json
            ? JsonSerializer.Deserialize(json, InteractiveJsonContext.Default.IReadOnlyListString)
            : null;

    /// <summary>
    /// Keeps the registered client for another <see cref="Lifetime"/> (at each code or refresh token it redeems); false
    /// when it is unknown or expired, and then nothing is kept.
    /// </summary>
    public async ValueTask<bool> RenewAsync(string clientId, CancellationToken cancellationToken) =>
        IsRegisteredId(clientId) && await _store.GetAsync(Key(clientId), cancellationToken).ConfigureAwait(false) is { } json
        && await _store.ReplaceIfEqualAsync(Key(clientId), json, json, Lifetime, cancellationToken).ConfigureAwait(false);

    /// <summary>The store key of a registered client's redirect URIs: a digest of its id.</summary>
    public static string Key(string clientId) => "oauth:registered-client:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(clientId)));
}
