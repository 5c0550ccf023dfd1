using System.Buffers;
using Gateway.Oversight.Approvals;

namespace Gateway.Admin.Tokens;

/// <summary>
/// The admin tokens approval votes are cast with (the admin API, or a console session started with one), named by
/// <see cref="Of"/>: a vote stops counting once its token is revoked (or its person suspended: <see cref="AdminTokenService.IsLiveAsync"/>).
/// </summary>
public sealed class AdminTokenVotingCredentials(AdminTokenService tokens) : IVotingCredentials
{
    private const string Prefix = "admin-token:";

    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    private readonly AdminTokenService _tokens = tokens ?? throw new ArgumentNullException(nameof(tokens));

    /// <summary>The credential of the admin token whose <see cref="AdminTokenService.HashToken"/> is <paramref name="tokenHash"/>.</summary>
    public static string Of(string tokenHash)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenHash);
        return Prefix + tokenHash;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> IsRevokedAsync(string tenant, string credential, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credential);
        // Anything but a token's hash is no credential this gateway issued: it never counts.
        return !credential.StartsWith(Prefix, StringComparison.Ordinal)
            || credential.Length != Prefix.Length + 64
            || credential.AsSpan(Prefix.Length).ContainsAnyExcept(LowerHex)
            || !await _tokens.IsLiveAsync(credential[Prefix.Length..], cancellationToken);
    }
}
