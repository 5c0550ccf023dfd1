using Gateway.Oversight.Tokens;
using Gateway.Store;

namespace Gateway.Proxy.Bundle;

/// <summary>
/// Tells the shared store which policy of each tenant is in force whenever this replica applies a bundle
/// (<see cref="TokenGenerations.PolicyInForceAsync"/>), so that the decision tokens issued under the policy it replaced
/// verify as revoked on every replica. The write is retried until it lands (the store may be down while a bundle is
/// applied) or a newer bundle supersedes it; until then those tokens stay as the store last knew them.
/// </summary>
internal sealed partial class PolicyInForcePublisher : IHostedService, IDisposable
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly PolicyProvider _policy;
    private readonly TokenGenerations _tokens;
    private readonly TimeProvider _time;
    private readonly ILogger<PolicyInForcePublisher> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private long _version;

    public PolicyInForcePublisher(PolicyProvider policy, TokenGenerations tokens, TimeProvider time, ILogger<PolicyInForcePublisher> logger)
    {
        _policy = policy;
        _tokens = tokens;
        _time = time;
        _logger = logger;

        // Subscribed when constructed: hosted services are all built before the first bundle is loaded.
        _policy.Applying += OnApplying;
    }

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
    }

    private void OnApplying(PolicySnapshot snapshot)
    {
        var version = Interlocked.Increment(ref _version);
        _ = PublishAsync(snapshot, version);
    }

    private async Task PublishAsync(PolicySnapshot snapshot, long version)
    {
        foreach (var tenant in snapshot.Set.Tenants.Values)
        {
            while (version == Interlocked.Read(ref _version) && !_stopping.IsCancellationRequested)
            {
                try
                {
                    await _tokens.PolicyInForceAsync(tenant.Slug, tenant.Digest, _stopping.Token).ConfigureAwait(false);
                    break;
                }
                catch (StateStoreUnavailableException ex)
                {
                    LogPublishFailed(_logger, ex, tenant.Slug);
                    try
                    {
                        await Task.Delay(RetryInterval, _time, _stopping.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "The policy in force of tenant {Tenant} could not be written to the state store; retrying (tokens issued under the policy it replaced stay live until it lands)")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string tenant);
}
