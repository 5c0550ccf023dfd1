using Gateway.Testing.Stores;

namespace Gateway.Audit.Tests.Infrastructure;

/// <summary>A sink with a retirement run right after its first anchor read, before anything else is read: a retention run beside a reader.</summary>
internal sealed class RetiredAfterTheFirstAnchorRead(IAuditStore inner, Func<ValueTask<long>> retire) : DelegatingAuditStore(inner)
{
    private bool _done;

    /// <summary>How many records the retirement retired.</summary>
    public long Retired { get; private set; }

    public override bool KeepsAppendOrder => Inner.KeepsAppendOrder;

    public override async ValueTask<AuditTip> GetAnchorAsync(AuditPartition partition, CancellationToken cancellationToken = default)
    {
        var anchor = await Inner.GetAnchorAsync(partition, cancellationToken);
        if (!_done)
        {
            _done = true;
            Retired = await retire();
        }

        return anchor;
    }
}
