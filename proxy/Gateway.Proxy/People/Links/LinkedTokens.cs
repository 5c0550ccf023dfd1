using System.Collections.Concurrent;
using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Policy;
using Gateway.Store;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.People.Links;

/// <summary>What became of a person's linked account when a call asked for its token.</summary>
internal enum LinkState
{
    Usable,
    NotLinked,
    RelinkRequired,
    Unavailable,
}

/// <summary>
/// A person's linked access token, usable now: read from the store on every call (a revocation holds on the next call on
/// every replica), used only while the connector's settings are still those it was linked for (<see cref="LinkBinding"/>:
/// otherwise the link is removed and the person is not linked; a link that records no binding, stored or refreshed by an
/// earlier version, is bound to the connector's settings at its first use: trust on first use), and refreshed before it
/// expires (<see cref="PersonOptions.ExchangedTokenMargin"/>) exactly once across the replicas: one in-process flight per
/// link, and a lease per link in the store (<see cref="LinkedAccountKey.RefreshLeaseKey"/>, the key earlier versions take
/// too) that one replica holds while it refreshes (released by its holder only); the others read the refreshed link from the
/// store. A refresh writes only over the very link it read (<see cref="LinkedAccounts.ReplaceAsync"/>): a revocation made
/// while it ran stands; the same link, only sealed again meanwhile (a re-encrypt), is written over. A refresh the server
/// refuses with <c>invalid_grant</c> (the person revoked the grant upstream, or the refresh token expired) removes the link
/// it read: the person is asked again; any other refusal (429, <c>invalid_client</c>, …) is the server's or the gateway's
/// trouble, not the person's, and is treated as an unreachable server.
/// </summary>
internal sealed partial class LinkedTokens
{
    private static readonly TimeSpan MinimumLease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LeasePoll = TimeSpan.FromMilliseconds(25);
    private const int ResealRetries = 3;

    private readonly ConcurrentDictionary<string, Lazy<Task<(LinkedAccount?, LinkState)>>> _flights = new(StringComparer.Ordinal);
    private readonly LinkedAccounts _accounts;
    private readonly UpstreamAuthorization _upstream;
    private readonly IStateStore _store;
    private readonly PersonOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<LinkedTokens> _logger;

    public LinkedTokens(LinkedAccounts accounts, UpstreamAuthorization upstream, IStateStore store, IOptions<PersonOptions> options, TimeProvider time, ILogger<LinkedTokens> logger)
    {
        _accounts = accounts;
        _upstream = upstream;
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = logger;
        RefreshDeadline = _options.ProviderTimeout * 2;
        LeaseLifetime = RefreshDeadline + LeaseMargin > MinimumLease ? RefreshDeadline + LeaseMargin : MinimumLease;
    }

    /// <summary>How long a refresh may take in all, waiting for another replica's lease included: two provider calls.</summary>
    internal TimeSpan RefreshDeadline { get; }

    /// <summary>
    /// How long a replica's refresh lease lasts before another replica may take it: past <see cref="RefreshDeadline"/> (by
    /// 5 s, and 30 s at least), so a refresh ends, or is cancelled, while its replica still holds the lease.
    /// </summary>
    internal TimeSpan LeaseLifetime { get; }

    /// <summary>
    /// The person's link with a usable access token, or why there is none. <paramref name="expected"/> is the connector's
    /// settings now (<see cref="LinkBinding.Expected"/>): a link made for other settings is removed (only while the store
    /// still holds exactly it) and the person is not linked; a link recording none is bound to them first (<see cref="AdoptAsync"/>).
    /// </summary>
    public async ValueTask<(LinkedAccount? Account, LinkState State)> UsableAsync(
        LinkedAccountKey key, PersonRequirement needs, LinkBinding expected, string origin, CancellationToken cancellationToken)
    {
        if (await _accounts.GetAsync(key, cancellationToken).ConfigureAwait(false) is not { } read
            || await AdoptAsync(key, read, expected, cancellationToken).ConfigureAwait(false) is not { } account)
        {
            return (null, LinkState.NotLinked);
        }

        if (!Bound(account, expected))
        {
            return await UnboundAsync(key, account, "the connector's settings changed", cancellationToken).ConfigureAwait(false);
        }

        if (Fresh(account))
        {
            return (account, LinkState.Usable);
        }

        // One flight per link and server in this process; its callers share it (and are not cancelled by one another).
        var flightKey = key.StoreKey + "\n" + account.LinkId + "\n" + expected.AuthorizationServer;
        var flight = _flights.GetOrAdd(flightKey,
            _ => new Lazy<Task<(LinkedAccount?, LinkState)>>(() => RefreshAcrossReplicasAsync(key, needs, expected, origin, account)));
        try
        {
            return await flight.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (flight.Value.IsCompleted)
            {
                _flights.TryRemove(new(flightKey, flight));
            }
        }
    }

    private bool Fresh(LinkedAccount account) => account.ExpiresAt is not { } expires || expires - _options.ExchangedTokenMargin > _time.GetUtcNow();

    /// <summary>True when <paramref name="account"/> may be used under <paramref name="expected"/>: bound to it, or recording no binding yet (adopted at its use).</summary>
    private static bool Bound(LinkedAccount account, LinkBinding expected) => account.Binding is not { } binding || binding.Allows(expected);

    /// <summary>
    /// A link that records no binding (stored before bindings were recorded, or refreshed by a replica of such a version,
    /// which drops it) is bound to the connector's settings now, <paramref name="expected"/> (trust on first use: a repointing
    /// made before this moment cannot be told), with a compare-and-set; when the store changed meanwhile, what it holds now
    /// is read again. The link to use (bound in memory when the store kept changing), or null when it is gone.
    /// </summary>
    private async ValueTask<LinkedAccount?> AdoptAsync(LinkedAccountKey key, LinkedAccount account, LinkBinding expected, CancellationToken cancellationToken)
    {
        for (var retry = 0; account.Binding is null; retry++)
        {
            var bound = account with { Binding = expected };
            if (retry == ResealRetries)
            {
                return bound;
            }

            if (await _accounts.ReplaceAsync(key, account, bound, cancellationToken).ConfigureAwait(false) is { } written)
            {
                LogAdopted(_logger, key.Tenant, key.Connector);
                return written;
            }

            if (await _accounts.GetAsync(key, cancellationToken).ConfigureAwait(false) is not { } now)
            {
                return null;
            }

            account = now;
        }

        return account;
    }

    /// <summary>A link made for other settings than the connector's now: removed (compare-and-delete), and the person is not linked.</summary>
    private async Task<(LinkedAccount?, LinkState)> UnboundAsync(LinkedAccountKey key, LinkedAccount account, string reason, CancellationToken cancellationToken)
    {
        LogUnbound(_logger, key.Tenant, key.Connector, reason);
        await _accounts.RevokeAsync(key, account, cancellationToken).ConfigureAwait(false);
        return (null, LinkState.NotLinked);
    }

    private async Task<(LinkedAccount?, LinkState)> RefreshAcrossReplicasAsync(LinkedAccountKey key, PersonRequirement needs, LinkBinding expected, string origin, LinkedAccount seen)
    {
        var lease = key.RefreshLeaseKey;
        using var timeout = new CancellationTokenSource(RefreshDeadline, _time);
        var cancellationToken = timeout.Token;
        try
        {
            while (true)
            {
                if (Settled(await _accounts.GetAsync(key, cancellationToken).ConfigureAwait(false), seen, expected) is { } settled)
                {
                    return settled;
                }

                var owner = Guid.NewGuid().ToString("N");
                if (await _store.TrySetIfAbsentAsync(lease, owner, LeaseLifetime, cancellationToken).ConfigureAwait(false))
                {
                    try
                    {
                        // Read again under the lease: another replica may have refreshed the link between the read and the lease.
                        var current = await _accounts.GetAsync(key, cancellationToken).ConfigureAwait(false);
                        return Settled(current, seen, expected) ?? await RefreshAsync(key, needs, expected, origin, current!, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        // Only this refresh's own lease: one that outlived its lifetime may be another replica's by now.
                        await _store.DeleteIfEqualAsync(lease, owner, CancellationToken.None).ConfigureAwait(false);
                    }
                }

                // Another replica refreshes: wait for its link.
                await Task.Delay(LeasePoll, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or StateStoreUnavailableException)
        {
            LogRefreshFailed(_logger, key.Tenant, key.Connector, ex.GetType().Name);
            return StillValid(seen);
        }
    }

    private async Task<(LinkedAccount?, LinkState)> RefreshAsync(
        LinkedAccountKey key, PersonRequirement needs, LinkBinding expected, string origin, LinkedAccount current, CancellationToken cancellationToken)
    {
        if (!Bound(current, expected))
        {
            return await UnboundAsync(key, current, "the connector's settings changed", cancellationToken).ConfigureAwait(false);
        }

        if (current.RefreshToken is not { } refreshToken)
        {
            return await UnlinkAsync(key, current, "no refresh token", cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var client = await _upstream.ClientAsync(key.Tenant, key.Connector, needs, origin, cancellationToken).ConfigureAwait(false);
            if (current.Binding?.ClientId is { } boundClient && !string.Equals(boundClient, client.ClientId, StringComparison.Ordinal))
            {
                // The gateway is another client at the server now: the refresh token is not sent as that client. (A link
                // adopted without a known client, or stripped of its binding by an earlier version, is bound to this one.)
                return await UnboundAsync(key, current, "the gateway's client at the server changed", cancellationToken).ConfigureAwait(false);
            }

            var (issued, status, error) = await _upstream.TokenAsync(needs, client, Form(needs, refreshToken), cancellationToken).ConfigureAwait(false);
            if (issued is null)
            {
                // Only invalid_grant says the grant itself is gone (RFC 6749 §5.2); a 429, invalid_client (the gateway's own
                // client secret), a 5xx or an unusable answer is no reason to unlink every person.
                if (status == StatusCodes.Status400BadRequest && error == "invalid_grant")
                {
                    return await UnlinkAsync(key, current, "refused: invalid_grant", cancellationToken).ConfigureAwait(false);
                }

                LogRefreshFailed(_logger, key.Tenant, key.Connector, $"refused {status} {error ?? "unknown"}");
                return StillValid(current);
            }

            var refreshed = current with
            {
                AccessToken = issued.AccessToken!,
                RefreshToken = issued.RefreshToken ?? current.RefreshToken,
                ExpiresAt = issued.ExpiresIn is > 0 and var seconds ? _time.GetUtcNow() + TimeSpan.FromSeconds(Math.Min(seconds, 31_536_000)) : null,
                Scope = issued.Scope ?? current.Scope,
                UpstreamSubject = UpstreamAuthorization.SubjectOf(needs, client.ClientId, issued, nonce: null) ?? current.UpstreamSubject,
                Binding = (current.Binding ?? expected) with { ClientId = client.ClientId },
            };
            if (await ReplaceAsync(key, current, refreshed, cancellationToken).ConfigureAwait(false) is not { } written)
            {
                // Revoked, linked anew or refreshed elsewhere while this refresh ran: what the store holds now stands (a
                // revocation is never undone), and this refresh's tokens are dropped.
                LogRefreshDropped(_logger, key.Tenant, key.Connector);
                return Settled(await _accounts.GetAsync(key, cancellationToken).ConfigureAwait(false), current, expected) ?? (null, LinkState.Unavailable);
            }

            LogRefreshed(_logger, key.Tenant, key.Connector);
            return (written, LinkState.Usable);
        }
        catch (Exception ex) when (ex is OpenIdProviderUnavailableException or CredentialUnavailableException or HttpRequestException or JsonException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogRefreshFailed(_logger, key.Tenant, key.Connector, ex.GetType().Name);
            return StillValid(current);
        }
    }

    /// <summary>
    /// The refresh's write over <paramref name="read"/> (<see cref="LinkedAccounts.ReplaceAsync"/>). When the store no longer
    /// holds what was read but the very same link, only sealed again (a re-encrypt after a data-key rotation, which takes no
    /// lease), it is written over that, at most <see cref="ResealRetries"/> more times; anything else that changed stands.
    /// </summary>
    private async ValueTask<LinkedAccount?> ReplaceAsync(LinkedAccountKey key, LinkedAccount read, LinkedAccount refreshed, CancellationToken cancellationToken)
    {
        for (var retry = 0; ; retry++)
        {
            if (await _accounts.ReplaceAsync(key, read, refreshed, cancellationToken).ConfigureAwait(false) is { } written)
            {
                return written;
            }

            if (retry == ResealRetries || await _accounts.GetAsync(key, cancellationToken).ConfigureAwait(false) is not { } now || !SameLink(now, read))
            {
                return null;
            }

            read = now;
        }
    }

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> hold the same link, tokens and all, whatever their ciphertexts.</summary>
    private static bool SameLink(LinkedAccount a, LinkedAccount b) => (a with { Stored = null }) == (b with { Stored = null });

    private async Task<(LinkedAccount?, LinkState)> UnlinkAsync(LinkedAccountKey key, LinkedAccount current, string reason, CancellationToken cancellationToken)
    {
        LogUnlinked(_logger, key.Tenant, key.Connector, reason);
        await _accounts.RevokeAsync(key, current, cancellationToken).ConfigureAwait(false);
        return (null, LinkState.RelinkRequired);
    }

    /// <summary>
    /// What a call gets without refreshing <paramref name="seen"/> itself, given the link as stored now: none when it is
    /// gone (revoked, or unlinked by a refused refresh elsewhere) or linked anew and not fresh; the stored link when fresh
    /// (refreshed elsewhere, or linked anew); null when it is still <paramref name="seen"/>'s link and needs its refresh. A
    /// link anew made for other settings than <paramref name="expected"/> is none here (the next call removes it); one
    /// recording no binding (made by an earlier version) is used, and the next call binds it.
    /// </summary>
    private (LinkedAccount?, LinkState)? Settled(LinkedAccount? current, LinkedAccount seen, LinkBinding expected)
    {
        if (current is null || !string.Equals(current.LinkId, seen.LinkId, StringComparison.Ordinal))
        {
            return current is null ? (null, LinkState.RelinkRequired)
                : !Bound(current, expected) ? (null, LinkState.NotLinked)
                : Fresh(current) ? (current, LinkState.Usable) : (null, LinkState.RelinkRequired);
        }

        return Fresh(current) ? (current, LinkState.Usable) : null;
    }

    /// <summary>The server could not be reached: the token it had is used while it has not expired, else the call fails closed.</summary>
    private (LinkedAccount?, LinkState) StillValid(LinkedAccount account) =>
        account.ExpiresAt is { } expires && expires > _time.GetUtcNow() ? (account, LinkState.Usable) : (null, LinkState.Unavailable);

    private static IEnumerable<KeyValuePair<string, string>> Form(PersonRequirement needs, string refreshToken)
    {
        yield return new("grant_type", "refresh_token");
        yield return new("refresh_token", refreshToken);
        if (needs.Resource is { } resource)
        {
            yield return new("resource", resource.AbsoluteUri);
        }
    }

    [LoggerMessage(EventId = 3324, Level = LogLevel.Information, Message = "A linked account for connector {Connector} of tenant {Tenant} was refreshed")]
    private static partial void LogRefreshed(ILogger logger, string tenant, string connector);

    [LoggerMessage(EventId = 3325, Level = LogLevel.Warning, Message = "A linked account for connector {Connector} of tenant {Tenant} could not be refreshed: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, string tenant, string connector, string reason);

    [LoggerMessage(EventId = 3329, Level = LogLevel.Information, Message = "A refresh of a linked account for connector {Connector} of tenant {Tenant} was dropped: the link was revoked, linked anew or refreshed elsewhere meanwhile")]
    private static partial void LogRefreshDropped(ILogger logger, string tenant, string connector);

    [LoggerMessage(EventId = 3330, Level = LogLevel.Warning, Message = "A linked account for connector {Connector} of tenant {Tenant} was removed unused: {Reason}; the person is asked to link again")]
    private static partial void LogUnbound(ILogger logger, string tenant, string connector, string reason);

    [LoggerMessage(EventId = 3339, Level = LogLevel.Information, Message = "A linked account for connector {Connector} of tenant {Tenant} that recorded no binding was bound to the connector's current settings")]
    private static partial void LogAdopted(ILogger logger, string tenant, string connector);

    [LoggerMessage(EventId = 3326, Level = LogLevel.Warning, Message = "A linked account for connector {Connector} of tenant {Tenant} was unlinked: its refresh failed ({Reason}); the person is asked to link again")]
    private static partial void LogUnlinked(ILogger logger, string tenant, string connector, string reason);
}
