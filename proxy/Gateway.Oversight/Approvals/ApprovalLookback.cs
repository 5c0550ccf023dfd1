using Gateway.Audit;
using Gateway.Oversight.Options;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// The tenant's recent approvals in every state (the console's duplicate warning and its "next pending" link), and the
/// earlier ones that look like the same action: the same intent (the same intent digest: the same agent, tool and
/// arguments) or the same tool with the same key argument (the same order refunded, the same recipient paid; see
/// <see cref="ApprovalKeyArguments"/>), compared as a person reads them (<see cref="InvisibleCharacters.ReadAlike"/>).
/// Read from the <see cref="IApprovalStore"/> through <see cref="ApprovalService"/>, at most <see cref="Window"/> requests
/// back (and never beyond <c>Gateway:Approvals:ListWindow</c>).
/// </summary>
public sealed class ApprovalLookback(IApprovalStore store, ApprovalService approvals, IOptions<OversightOptions> options)
{
    /// <summary>How many of the tenant's most recent requests are looked through.</summary>
    public const int Window = 200;

    /// <summary>The tenant's recent requests, newest first, with their current state.</summary>
    public async ValueTask<IReadOnlyList<ApprovalRequest>> RecentAsync(string tenant, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        var ids = await store.ListRecentAsync(tenant, Math.Min(Window, options.Value.Approvals.ListWindow), cancellationToken);
        var found = new List<ApprovalRequest>(ids.Count);
        for (var i = ids.Count - 1; i >= 0; i--)
        {
            if (await approvals.GetAsync(tenant, ids[i], cancellationToken) is { } request)
            {
                found.Add(request);
            }
        }

        return found;
    }

    /// <summary>
    /// The requests created before <paramref name="request"/> that look like the same action and name
    /// <paramref name="viewer"/> among their approvers (a request that does not is not told to them), newest first, each
    /// with whether its warrant was used (the action was carried out) and why it matched.
    /// </summary>
    public async ValueTask<IReadOnlyList<ApprovalPrecedent>> EarlierAsync(ApprovalRequest request, string? inputSchemaJson, string viewer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(viewer);
        var key = ApprovalKeyArguments.Of(request.Arguments, inputSchemaJson);
        var found = new List<ApprovalPrecedent>();
        foreach (var earlier in await RecentAsync(request.Tenant, cancellationToken))
        {
            if (earlier.Id == request.Id || earlier.CreatedAt > request.CreatedAt || !earlier.Approvers.Contains(viewer, StringComparer.Ordinal))
            {
                continue;
            }

            var match = MatchOf(request, key, earlier, inputSchemaJson);
            if (match is not null)
            {
                // A warrant a revocation used up before the action was never carried out (the use says which took it).
                var used = earlier.Status == ApprovalStatus.Approved && await approvals.CarriedOutAsync(request.Tenant, earlier.Id, cancellationToken);
                found.Add(new ApprovalPrecedent(earlier, match, used));
            }
        }

        return found;
    }

    private static string? MatchOf(ApprovalRequest request, ApprovalKeyArguments key, ApprovalRequest earlier, string? inputSchemaJson)
    {
        if (string.Equals(earlier.IntentDigest, request.IntentDigest, StringComparison.Ordinal))
        {
            return "the same intent";
        }

        if (!string.Equals(earlier.Tool, request.Tool, StringComparison.Ordinal))
        {
            return null;
        }

        var other = ApprovalKeyArguments.Of(earlier.Arguments, inputSchemaJson);
        if (key.Target is not null && key.TargetName == other.TargetName && InvisibleCharacters.ReadAlike(key.Target, other.Target))
        {
            return "the same " + key.TargetName + " " + key.Target;
        }

        return key.Recipient is not null && key.Amount is not null && key.RecipientName == other.RecipientName
            && InvisibleCharacters.ReadAlike(key.Recipient, other.Recipient) && key.Amount == other.Amount
            ? "the same amount to the same " + key.RecipientName
            : null;
    }
}
