using Gateway.Admin.Tokens;
using Gateway.Oversight.Tokens;
using Gateway.Store;

namespace Gateway.Proxy.Bundle;

/// <summary>
/// Tells the shared store which policy of each tenant is in force whenever this replica applies a bundle
/// (<see cref="TokenGenerations.PolicyInForceAsync"/>), so that the decision tokens issued under the policy it replaced
/// verify as revoked on every replica. A tenant this replica had in force and the new bundle no longer holds is written
/// as <see cref="TokenGenerations.PolicyRemoved"/>, which no token's policy equals: its tokens verify as revoked too; and its
/// admin tokens are revoked in the store (<see cref="AdminTokenService.RevokeTenantAsync"/>), so that a tenant later given the
/// same slug does not inherit them (a replica started on a bundle without the tenant never had it, and revokes nothing).
/// Only what changed since this replica last wrote it is written: a reload that leaves a tenant's policy as it was
/// (a secret file replaced, a SIGHUP, another tenant's file edited) does not write that tenant's policy again, so it
/// cannot undo what a replica that applied a newer policy wrote. A replica that starts writes every tenant it loads.
/// The writes are retried until they land (the store may be down while a bundle is applied); a newer bundle takes
/// over the ones still pending. Until they land, those tokens stay as the store last knew them.
/// </summary>
internal sealed partial class PolicyInForcePublisher : IHostedService, IDisposable
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly PolicyProvider _policy;
    private readonly TokenGenerations _tokens;
    private readonly AdminTokenService _adminTokens;
    private readonly TimeProvider _time;
    private readonly ILogger<PolicyInForcePublisher> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _applying = new();
    private readonly SemaphoreSlim _writing = new(1, 1);

    // What this replica holds in force for each tenant it ever had, a removed one as PolicyRemoved (under _applying).
    private readonly Dictionary<string, string> _inForce = new(StringComparer.Ordinal);

    // What this replica last wrote to the store for each tenant (under _writing).
    private readonly Dictionary<string, string> _written = new(StringComparer.Ordinal);

    private long _version;

    public PolicyInForcePublisher(PolicyProvider policy, TokenGenerations tokens, AdminTokenService adminTokens, TimeProvider time, ILogger<PolicyInForcePublisher> logger)
    {
        _policy = policy;
        _tokens = tokens;
        _adminTokens = adminTokens;
        _time = time;
        _logger = logger;

        // Subscribed when constructed: hosted services are all built before the first bundle is loaded.
        _policy.Applying += OnApplying;
    }

    /// <summary>The writes of the latest bundle applied: done once they all landed, or a newer bundle or the stop took over.</summary>
    internal Task Publishing { get; private set; } = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _policy.Applying -= OnApplying;
        _stopping.Dispose();
        _writing.Dispose();
    }

    private void OnApplying(PolicySnapshot snapshot)
    {
        lock (_applying)
        {
            foreach (var tenant in _inForce.Keys.Where(t => !snapshot.Set.Tenants.ContainsKey(t)).ToList())
            {
                _inForce[tenant] = TokenGenerations.PolicyRemoved;
            }

            foreach (var tenant in snapshot.Set.Tenants.Values)
            {
                _inForce[tenant.Slug] = tenant.Digest;
            }

            Publishing = PublishAsync([.. _inForce], Interlocked.Increment(ref _version));
        }
    }

    private async Task PublishAsync(KeyValuePair<string, string>[] inForce, long version)
    {
        try
        {
            // One publication writes at a time, so that _written holds what this replica's last write of each tenant was;
            // one a newer bundle took over stops at its next tenant or retry.
            await _writing.WaitAsync(_stopping.Token).ConfigureAwait(false);
            try
            {
                foreach (var (tenant, policy) in inForce)
                {
                    if (_written.TryGetValue(tenant, out var written) && string.Equals(written, policy, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    if (!await WriteAsync(tenant, policy, version).ConfigureAwait(false))
                    {
                        return;
                    }
                }
            }
            finally
            {
                _writing.Release();
            }
        }
        catch (OperationCanceledException)
        {
            // The gateway is stopping.
        }
        catch (ObjectDisposedException)
        {
            // The gateway stopped.
        }
    }

    // Writes the tenant's policy until it lands (true), or a newer bundle takes over (false).
    private async Task<bool> WriteAsync(string tenant, string policy, long version)
    {
        // Forgotten first: a write that fails or is cancelled may still land, so the next bundle writes this tenant again.
        _written.Remove(tenant);
        while (version == Interlocked.Read(ref _version))
        {
            try
            {
                // A removed tenant's admin tokens are revoked with its mark, before it: a retry revokes whatever is still live.
                if (string.Equals(policy, TokenGenerations.PolicyRemoved, StringComparison.Ordinal)
                    && await _adminTokens.RevokeTenantAsync(tenant, _stopping.Token).ConfigureAwait(false) is > 0 and var revoked)
                {
                    LogAdminTokensRevoked(_logger, tenant, revoked);
                }

                await _tokens.PolicyInForceAsync(tenant, policy, _stopping.Token).ConfigureAwait(false);
                _written[tenant] = policy;
                return true;
            }
            catch (StateStoreUnavailableException ex)
            {
                LogPublishFailed(_logger, ex, tenant);
                await Task.Delay(RetryInterval, _time, _stopping.Token).ConfigureAwait(false);
            }
        }

        return false;
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "The policy in force of tenant {Tenant} could not be written to the state store; retrying (tokens issued under the policy it replaced stay live until it lands)")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string tenant);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Tenant {Tenant} was removed from the policy: revoked its {Count} live admin token(s)")]
    private static partial void LogAdminTokensRevoked(ILogger logger, string tenant, int count);
}
