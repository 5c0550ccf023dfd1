using Gateway.Oversight.Approvals;
using Gateway.Oversight;
using Gateway.Oversight.Incidents;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Refusals;
using Gateway.Store;

namespace Gateway.Proxy.Enforce;

/// <summary>
/// Carries out what a recorded decision asks for (<see cref="DecisionEffects"/>), before anything is forwarded or
/// answered: the warrant is redeemed (used once; a concurrent request may have used it since Decide checked it), the
/// approval request is opened with the decision's signed receipt in the same write, the incident is opened with its
/// notification. Its result is null when all went through, else the <see cref="Refusal"/> the request ends in: the
/// decision is already recorded, so the refusal is that decision's outcome (the Respond stage records it), never a
/// forwarded request. Every failure but a cancelled request is a refusal (fail closed).
/// </summary>
internal sealed partial class DecisionEffectWriter
{
    private readonly ApprovalService _approvals;
    private readonly IncidentService _incidents;
    private readonly ILogger<DecisionEffectWriter> _logger;

    public DecisionEffectWriter(ApprovalService approvals, IncidentService incidents, ILogger<DecisionEffectWriter> logger)
    {
        _approvals = approvals;
        _incidents = incidents;
        _logger = logger;
    }

    /// <summary>
    /// Carries out <paramref name="effects"/>; <paramref name="receipt"/> is the recorded decision's signed receipt
    /// (null when none was signed). Null when done; the refusal otherwise.
    /// </summary>
    public async ValueTask<Refusal?> CarryOutAsync(DecisionEffects effects, string? receipt, CancellationToken cancellationToken)
    {
        if (effects.IsNone)
        {
            return null;
        }

        try
        {
            if (effects.RedeemWarrant is { } warrant)
            {
                var redemption = await _approvals.RedeemWarrantAsync(warrant, cancellationToken).ConfigureAwait(false);
                if (!redemption.Redeemed)
                {
                    return new Refusal(StatusCodes.Status409Conflict, ProblemCodes.WarrantRejected,
                        $"The warrant was refused ({redemption.Reason}) when it was redeemed, after the decision was recorded; nothing was forwarded.");
                }
            }

            if (effects.OpenApproval is { } approval)
            {
                await _approvals.OpenAsync(approval with { Receipt = receipt }, cancellationToken).ConfigureAwait(false);
            }

            if (effects.OpenIncident is { } incident)
            {
                await _incidents.OpenAsync(incident, cancellationToken).ConfigureAwait(false);
            }

            return null;
        }
        catch (StateStoreUnavailableException ex)
        {
            LogEffectFailed(_logger, ex);
            return Refusal.StoreUnavailable();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogEffectFailed(_logger, ex);
            return Refusal.Internal();
        }
    }

    [LoggerMessage(EventId = 3320, Level = LogLevel.Error, Message = "A recorded decision's effect (approval, incident or warrant) could not be carried out; the request is refused (fail closed)")]
    private static partial void LogEffectFailed(ILogger logger, Exception exception);
}
